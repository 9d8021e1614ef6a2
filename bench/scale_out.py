"""Distributed-mode benchmark: ``.venv/bin/python -m bench.scale_out`` (``make bench-scale-out``).

Pages per second of a cluster of 1, 2 and 4 ``monitor worker`` processes on this machine,
in one run, over a synthetic saved web replayed on 127.0.0.1: ``SITES`` news sites (generic
kind), each a list page linking ``ARTICLES`` article pages whose text is made of sentences
of the four seed articles (``seeds/*.txt``) in a different order, so that each is its own story.
For each cluster size: a fresh PostgreSQL database and Redis prefix, the workers started
and registered, then ``monitor dispatch --all``; the time runs from the end of the dispatch to
the last article stored (it includes the workers' wait for their next idle check, up to
5 s, before they take the first start requests). ``MONITOR_DOWNLOAD_DELAY`` is 0: this
measures the cluster (Redis queue, database, pipelines), not the sites' politeness. Each row
also shows the 1-minute load average when the last article was stored and how long the
workers took to start (every one registered in Redis), which is not in the time.

Needs PostgreSQL and Redis: the throw-away servers of ``scripts/postgres-test.sh`` and
``scripts/redis-test.sh`` (started if needed), or ``MONITOR_TEST_POSTGRES_URL`` /
``MONITOR_TEST_REDIS_URL``.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SITES = 8
ARTICLES = 20
WORKERS = (1, 2, 4)
BOUND = 1800  # seconds any one step may take before the bench gives up


def _server(variable: str, script: str) -> str:
    url = os.environ.get(variable)
    if url:
        return url
    return subprocess.run([str(ROOT / "scripts" / script)], check=True, capture_output=True,
                          text=True).stdout.strip()


def _sentences() -> list[str]:
    """The sentences of the four seed articles."""
    pool = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        pool.extend(s.strip() + "。" for s in re.split(r"[。！？\n]", path.read_text("utf-8"))
                    if len(s.strip()) > 10)
    return pool


def _save(root: Path, url: str, html: str, fetched: datetime) -> None:
    from monitor.page.saved import SavedPage, save_page

    save_page(SavedPage(url=url, body=html.encode("utf-8"),
                        headers={"Content-Type": "text/html; charset=utf-8"},
                        fetched_at=fetched), root)


def build_site(root: Path) -> Path:
    """The synthetic saved web and its sources file; returns the sources file."""
    rng = random.Random(14)
    pool = _sentences()
    fetched = datetime.now(UTC) - timedelta(hours=1)
    sources = []
    for site in range(SITES):
        host = f"news{site}.bench.example.cn"
        links = []
        for number in range(ARTICLES):
            url = f"http://{host}/news/2026/{1000 + number}.html"
            day = (fetched - timedelta(hours=number)).astimezone(UTC)
            title = f"第{site}站第{number}篇：" + rng.choice(pool)[:20]
            body = "".join(f"<p>{s}（{site}-{number}-{i}）</p>"
                           for i, s in enumerate(rng.sample(pool, min(12, len(pool)))))
            _save(root, url, f"<html><head><meta charset='utf-8'><title>{title}</title></head>"
                  f"<body><div class='article-content'><h1>{title}</h1>"
                  f"<div class='info'>发布时间：{day:%Y-%m-%d %H:%M}</div>{body}</div>"
                  "</body></html>", fetched)
            links.append(f"<li><a href='{url}'>{title}</a> <span>{day:%Y-%m-%d}</span></li>")
        _save(root, f"http://{host}/news/", "<html><head><meta charset='utf-8'></head><body>"
              f"<ul class='list'>{''.join(links)}</ul></body></html>", fetched)
        sources.append(f'[[source]]\nname = "bench-{site}"\nkind = "generic"\n'
                       f'start_urls = ["http://{host}/news/"]\n'
                       'article_url_pattern = "/news/2026/\\\\d+\\\\.html$"\n'
                       'selectors = { list_links = "ul.list a" }\n')
    path = root / "sources.toml"
    path.write_text("\n".join(sources), "utf-8")
    return path


def _wait(condition, what: str, deadline: float, processes: list) -> None:
    """Poll ``condition`` until true; a worker that exits meanwhile, or the deadline, fails."""
    while not condition():
        ended = [p for p in processes if p.poll() is not None]
        if ended:
            raise RuntimeError(f"a worker exited while waiting for {what}:\n"
                               + ended[0].communicate()[0][-2000:])
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what} after {BOUND} s")
        time.sleep(0.05)


def run(workers: int, site: Path, sources: Path, postgres: str, redis_url: str) -> dict:
    """One cluster size. The workers run without ``--until-idle``: on a loaded machine the
    last of four may register long after the first, which would have found the queue empty
    for its whole idle time and left before the dispatch. They are stopped with SIGTERM
    once every article is stored and the queues are empty, and print their last line."""
    import redis

    name = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres).set(database=name).render_as_string(hide_password=False)
    prefix = f"bench-{uuid.uuid4().hex[:10]}"
    client = redis.Redis.from_url(redis_url)
    data = Path(tempfile.mkdtemp(prefix="scale-out-"))
    env = {**os.environ, "MONITOR_DATABASE_URL": url, "MONITOR_REDIS_URL": redis_url,
           "MONITOR_REDIS_PREFIX": prefix, "MONITOR_DATA_DIR": str(data),
           "MONITOR_SOURCES": str(sources), "MONITOR_DOWNLOAD_DELAY": "0"}
    command = [sys.executable, "-m", "monitor.cli.main"]
    processes = []
    try:
        subprocess.run([*command, "db", "upgrade"], env=env, check=True, capture_output=True)
        spawned = time.monotonic()
        processes = [subprocess.Popen([*command, "worker", "--replay", str(site)],
                                      env={**env, "MONITOR_WORKER_ID": f"w{i}"}, cwd=ROOT,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True)
                     for i in range(workers)]
        deadline = spawned + BOUND
        _wait(lambda: client.hlen(f"{prefix}:workers") >= workers, "the workers to start",
              deadline, processes)
        startup = time.monotonic() - spawned
        subprocess.run([*command, "dispatch", "--all"], env=env, cwd=ROOT, check=True,
                       capture_output=True)
        started = time.monotonic()
        engine = create_engine(url)
        expected = SITES * ARTICLES

        def stored() -> bool:
            with engine.connect() as connection:
                return connection.execute(text("select count(*) from articles")).scalar() \
                    >= expected

        _wait(stored, f"{expected} stored articles", deadline, processes)
        seconds = time.monotonic() - started
        load = os.getloadavg()[0]
        engine.dispose()
        _wait(lambda: not client.exists(f"{prefix}:start", f"{prefix}:requests"),
              "empty queues", deadline, processes)
        for process in processes:
            process.terminate()
        outputs = [p.communicate(timeout=BOUND)[0] for p in processes]
        pages = sum(int(m[1]) for out in outputs
                    for m in re.finditer(r"^worker \S+: (\d+) pages", out, re.MULTILINE))
        busy = sum(bool(re.search(r"^worker \S+: [1-9]\d* pages", out, re.MULTILINE))
                   for out in outputs)
        return {"workers": workers, "pages": pages, "seconds": seconds,
                "pages_per_second": pages / seconds, "workers_with_work": busy,
                "startup_seconds": startup, "load": load}
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    postgres = _server("MONITOR_TEST_POSTGRES_URL", "postgres-test.sh")
    redis_url = _server("MONITOR_TEST_REDIS_URL", "redis-test.sh")
    with tempfile.TemporaryDirectory(prefix="scale-out-site-") as folder:
        site = Path(folder)
        sources = build_site(site)
        print(f"Synthetic saved web: {SITES} sites x {ARTICLES} articles + {SITES} list pages; "
              f"{os.cpu_count()} CPU(s)")
        print(f"{'workers':>7} {'pages':>6} {'seconds':>8} {'pages/s':>8} {'busy':>5} "
              f"{'load':>5} {'start-up s':>10}")
        results = []
        for workers in WORKERS:
            result = run(workers, site, sources, postgres, redis_url)
            results.append(result)
            print(f"{result['workers']:>7} {result['pages']:>6} {result['seconds']:>8.1f} "
                  f"{result['pages_per_second']:>8.1f} {result['workers_with_work']:>5} "
                  f"{result['load']:>5.1f} {result['startup_seconds']:>10.1f}", flush=True)
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
