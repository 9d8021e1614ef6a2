"""Digest benchmark: ``.venv/bin/python -m bench.digest [STORIES]`` (``make bench-digest``).

Builds a SQLite database of ``STORIES`` (default 1,000) flagged stories first seen today,
each with a second copy on another site, stored the way the crawl stores them: a raw page
of about 170 KB (the size of a real article page), a body of a few thousand characters made
from the seed texts, flags with evidence, institutions and places, and a picture; plus as
many unflagged articles. Then runs ``monitor digest --format html --out FILE`` (``--since``
the build) in a child process, ``RUNS`` times, and prints the wall time (median and worst),
its CPU time and peak resident memory, with the targets (under 2 s and 300 MB for 1,000
stories) and the machine's load (the wall time means little on a busy machine).
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.article.item import Article, Evidence, Flag, Flags, Image, Partner
from monitor.storage.migrations import open_storage

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3
PAGE_BYTES = 170_000
TARGET_SECONDS, TARGET_MB = 2.0, 300


def seed_sentences() -> list[str]:
    text = "".join(p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    return [s + "。" for s in text.replace("\n", "").split("。") if len(s) > 12]


def build(path: Path, stories: int) -> None:
    sentences = seed_sentences()
    random.seed(7)
    storage = open_storage(f"sqlite:///{path}")
    now = datetime.now(UTC)
    page = ("<html><body>" + "<p>" + "医疗援疆" * (PAGE_BYTES // 12) + "</p></body></html>")
    raw = page.encode("utf-8")[:PAGE_BYTES]
    for number in range(stories):
        body = "\n".join(random.sample(sentences, min(12, len(sentences))))
        aid = number % 2 == 0
        evidence = [Evidence(s, ["援疆" if aid else "战略合作"]) for s in body.split("\n")[:3]]
        flags = Flags(medical_aid=Flag(aid, 3.0 if aid else 0.0, evidence if aid else []),
                      sister_hospital=Flag(not aid, 0.0 if aid else 2.0,
                                           [] if aid else evidence),
                      institutions=["浙江大学医学院附属第一医院", "新疆生产建设兵团第一师医院"],
                      places=["新疆", "阿克苏"],
                      partners=[Partner("浙江大学医学院附属第一医院", "第一师医院", "对口支援",
                                        "签订协议")])
        first = storage.add_article(Article(
            url=f"https://www.chinanews.com.cn/gn/2026/{number}.shtml", url_key=f"a{number}",
            source="chinanews-scroll", title=f"第{number}条：“组团式”医疗援疆见成效",
            fetched_at=now, published_at=now, body=body, raw_html=raw, outlet="中国新闻网",
            images=[Image(f"https://i2.chinanews.com.cn/{number}.jpg", "援疆专家")],
            flags=flags))
        storage.add_article(Article(
            url=f"http://www.jkzx365.com/{number}.html", url_key=f"b{number}",
            source="jkzx-farm", title=f"第{number}条：“组团式”医疗援疆见成效",
            fetched_at=now, body=body, raw_html=raw, low_quality=True, flags=flags,
            duplicate_of=first))
        storage.add_article(Article(
            url=f"https://www.dmu.edu.cn/info/{number}.htm", url_key=f"c{number}",
            source="dmu-news", title=f"第{number}条：学校工作会议", fetched_at=now,
            body=body, raw_html=raw, flags=Flags(Flag(False, 0.0), Flag(False, 0.0))))
    storage.close()


def run_digest(path: Path, out: Path, since: datetime) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak MB) of one ``monitor digest --format html`` in a
    child process."""
    env = {**os.environ, "MONITOR_DATABASE_URL": f"sqlite:///{path}",
           "MONITOR_SOURCES": str(ROOT / "sources.toml")}
    code = ("import resource, sys; from monitor.cli.main import main; code = main(sys.argv[1:]); "
            "u = resource.getrusage(resource.RUSAGE_SELF); "
            "print(u.ru_utime + u.ru_stime, u.ru_maxrss, file=sys.stderr); "
            "sys.exit(code)")
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, "digest", "--format", "html", "--since", since.isoformat(),
         "--out", str(out)], env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"monitor digest failed: {result.stderr.strip()}")
    cpu, peak_kb = result.stderr.strip().splitlines()[-1].split()
    return seconds, float(cpu), int(peak_kb) / 1024


def main(argv: list[str]) -> int:
    stories = int(argv[0]) if argv else 1000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        since = datetime.now(UTC) - timedelta(minutes=1)
        build(path, stories)
        print(f"built {stories} flagged stories (2 copies each) + {stories} unflagged "
              f"articles, raw pages of {PAGE_BYTES // 1000} KB: "
              f"{path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.0f} s")
        results = [run_digest(path, Path(folder) / "digest.html", since)
                   for _ in range(RUNS)]
        html = (Path(folder) / "digest.html").read_text("utf-8")
        entries = html.count("data-story-id=")
    seconds = [s for s, _, _ in results]
    cpu = [c for _, c, _ in results]
    peak = max(m for _, _, m in results)
    print(f"monitor digest --format html: {entries} entries, "
          f"{len(html.encode()) / 1e6:.1f} MB of HTML")
    print(f"time: median {statistics.median(seconds):.2f} s, worst {max(seconds):.2f} s "
          f"(target < {TARGET_SECONDS:.0f} s, whole process incl. start-up); CPU median "
          f"{statistics.median(cpu):.2f} s; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores")
    print(f"peak memory: {peak:.0f} MB (target < {TARGET_MB} MB)")
    ok = entries == stories and max(seconds) < TARGET_SECONDS and peak < TARGET_MB
    print("targets met" if ok else "TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
