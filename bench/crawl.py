"""Crawl throughput: ``.venv/bin/python -m bench.crawl [--pages N]`` (``make bench-crawl``).

1. **Site.** ``N`` article pages built from real pages: ``../shared/realpages`` (read in
   place, never copied) and the saved article pages of ``seeds/site``, taken in turn. Each
   copy gets its own URL (the page's ID in its URL, and everywhere the page repeats it, e.g.
   its canonical link, gets a number appended; NetEase's 16-character IDs keep their form)
   and its own text: in every copy about a third of the page's "content" characters (CJK
   characters of text runs of 12+ characters that never appear in a short run such as a
   label, a menu or a date) are swapped for others of the same page, so that the URL key,
   the text fingerprint and the story signature of every copy differ and dedup keeps them
   all. One source per kind (netease, chinanews, university, generic) with the kind's
   pages, linked 50 per list page from a chain of list pages on the kind's site.
2. **Server.** Pre-built responses (headers + bytes) served by an asyncio server with
   keep-alive in a process of its own on 127.0.0.1; it counts the requests by kind. The
   crawl reaches it through the project's replay path (``ReplayingHTTPHandler``: the
   request goes to ``/fetch?url=<original>`` on 127.0.0.1, the spider sees the original
   URL) pointed at this server instead of the in-process replay server.
3. **Crawl.** ``monitor.ops.crawl.crawl_sources`` (what ``monitor crawl`` runs: the project's
   spiders, middlewares, pipelines, run records) in a child process on a fresh SQLite
   database, with delays and AutoThrottle off, ``--concurrency`` requests at once (default
   16, the same as ``scrapy bench``): first with extraction in the crawl process, then on
   another fresh database with ``MONITOR_EXTRACT_PROCESSES`` = ``--extract-processes``
   (default 1), then a second crawl on that database. The CPU of the crawl's thread is
   measured per stage (exclusive: a stage nested in another is not counted twice): list
   pages, extraction, clean, dates, dedup keys, dedup look-ups, classify, store, the
   skip-stored middleware; the rest (Scrapy, Twisted, start-up) is the whole process's CPU
   minus the stages. The extraction processes' CPU is measured apart (their rusage).
4. **Baseline.** ``scrapy bench`` (plain Scrapy following links on its own local server)
   before and after the crawls, in the same run; the ratio is our stored pages per second
   over its pages per second (mean of the two).

Prints the site, the table per crawl (pages/s, CPU ms per stored page per stage, peak
memory, requests per new article) and the ratio. The machine's load average is printed:
on a shared machine the wall-clock numbers are noisy, the CPU per page much less so.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import multiprocessing
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from email.utils import formatdate
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parents[1]
REALPAGES = ROOT.parent / "shared" / "realpages"
SITE = ROOT / "seeds" / "site"
LINKS_PER_LIST = 50
SWAP_SHARE = 0.35  # share of a page's content characters swapped in each copy
SHORT_RUN = 12  # text runs shorter than this (labels, menus, dates) keep their characters
KINDS = ("netease", "chinanews", "university", "generic")
# the list page of each kind's source, on a host of that kind
LIST_URLS = {
    "netease": "https://www.163.com/special/bench/list-{}.html",
    "chinanews": "https://www.chinanews.com.cn/bench/list-{}.html",
    "university": "https://www.dmu.edu.cn/bench/list-{}.htm",
    "generic": "https://news.bench.example/list-{}.html",
}
SITE_KINDS = {"netease": "netease", "chinanews": "chinanews", "vsb": "university",
              "generic": "generic"}

_CJK = re.compile(r"[\u4e00-\u9fff]")
_TEXT_RUN = re.compile(r">([^<]+)<")
_TOKEN = re.compile(r"[0-9A-Za-z]{4,}")
_NETEASE_ID = re.compile(r"(?<![0-9A-Z])[0-9A-Z]{16}(?=\.html)")
_KEEP = set("年月日时分秒点")  # date words stay readable


# ---------------------------------------------------------------- the site


@dataclass
class Template:
    """A real page the site's copies are made from."""

    name: str
    url: str
    body: bytes
    content_type: str | None
    kind: str


def templates() -> list[Template]:
    """The realpages (when ``../shared`` is there) and the saved article pages."""
    return real_templates() + saved_templates()


def real_templates() -> list[Template]:
    from monitor.page.urls import canonical_host

    found = []
    truth = REALPAGES / "truth.tsv"
    if truth.is_file():
        with truth.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                host = canonical_host(urlsplit(row["url"]).hostname or "")
                kind = ("netease" if host.endswith("163.com")
                        else "chinanews" if "chinanews" in host else "generic")
                found.append(Template(Path(row["file"]).stem, row["url"],
                                      (REALPAGES / row["file"]).read_bytes(),
                                      "text/html; charset=utf-8", kind))
    return found


def saved_templates() -> list[Template]:
    from monitor.page.saved import iter_pages

    found = []
    for saved in iter_pages(SITE):
        expected = saved.expected
        if expected is None:
            continue
        found.append(Template(saved.folder.relative_to(SITE).as_posix(), saved.url, saved.body,
                              saved.header("Content-Type"), SITE_KINDS[expected["site"]]))
    return found


def _id_token(url: str) -> str:
    """The part of ``url`` that names the page: NetEase's ID, else the last alphanumeric run
    of 4+ characters of the file name's stem or path, else the longest one of the query."""
    parts = urlsplit(url)
    if netease := _NETEASE_ID.search(parts.path):
        return netease[0]
    stem = re.sub(r"\.[a-z]+$", "", parts.path)
    runs = _TOKEN.findall(stem)
    if runs:
        return runs[-1]
    return max(_TOKEN.findall(parts.query), key=len)


def _new_token(token: str, number: int) -> str:
    if re.fullmatch(r"[0-9A-Z]{16}", token):
        digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"  # NetEase IDs: same 16-char form
        code = ""
        for _ in range(6):
            number, rest = divmod(number, 36)
            code = digits[rest] + code
        return token[:10] + code
    return f"{token}{number:06d}"


@dataclass
class Copier:
    """Makes the numbered copies of one template: own URL, own text."""

    template: Template
    text: str = ""
    encoding: str = "utf-8"
    token: str = ""
    content: list[str] = field(default_factory=list)

    def __post_init__(self):
        from monitor.page.encoding import decode_html

        self.text, self.encoding = decode_html(self.template.body, self.template.content_type)
        self.token = _id_token(self.template.url)
        short, long = Counter(), Counter()
        for run in _TEXT_RUN.findall(self.text):
            run = run.strip()
            (long if len(run) >= SHORT_RUN else short).update(_CJK.findall(run))
        self.content = sorted(set(long) - set(short) - _KEEP)

    def copy(self, number: int) -> tuple[str, bytes]:
        token = _new_token(self.token, number)
        url = self.template.url.replace(self.token, token)
        rng = random.Random(f"{self.template.name}/{number}")
        swapped = {ord(c): rng.choice(self.content) for c in self.content
                   if rng.random() < SWAP_SHARE}
        text = self.text.replace(self.token, token).translate(swapped)
        return url, text.encode(self.encoding, errors="xmlcharrefreplace")


@dataclass
class Site:
    responses: dict[str, bytes]  # url_key -> whole HTTP response
    kinds: dict[str, str]  # url_key -> "list" | "article"
    start_urls: dict[str, str]  # kind -> first list page
    list_pages: dict[str, int]  # kind -> list pages
    hosts: dict[str, set[str]]  # kind -> article and list hosts
    copies: list[tuple[str, Template]] = field(default_factory=list)  # article URL, original
    articles: int = 0
    article_bytes: int = 0
    templates: int = 0


def _response(body: bytes, content_type: str | None, date: str) -> bytes:
    head = (f"HTTP/1.1 200 OK\r\nContent-Type: {content_type or 'text/html'}\r\n"
            f"Content-Length: {len(body)}\r\nDate: {date}\r\n\r\n")
    return head.encode("latin-1") + body


def _list_page(kind: str, number: int, links: list[tuple[str, str]], last: bool) -> bytes:
    items = "\n".join(f'<li><a href="{url}">{title}</a></li>' for url, title in links)
    following = "" if last else \
        f'<a class="bench-next" href="{LIST_URLS[kind].format(number + 1)}">下一页</a>'
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>新闻列表 {number}"
            f"</title></head><body><ul class=\"bench-list\">\n{items}\n</ul>{following}"
            "</body></html>").encode()


def build_site(pages: int, originals: list[Template] | None = None) -> Site:
    """``pages`` copies of ``originals`` (default: every template) and their list pages."""
    from w3lib.url import safe_url_string

    from monitor.page.urls import url_key

    date = formatdate(usegmt=True)
    copiers = [Copier(t) for t in (originals if originals is not None else templates())]
    site = Site({}, {}, {}, {}, {kind: set() for kind in KINDS}, templates=len(copiers))
    links: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS}
    for index in range(pages):
        copier = copiers[index % len(copiers)]
        url, body = copier.copy(index // len(copiers) + 1)
        url = safe_url_string(url)  # as the spider will request it (percent-encoded)
        key = url_key(url)
        assert key not in site.responses, f"two copies share the URL key {key}"
        site.responses[key] = _response(body, copier.template.content_type, date)
        site.kinds[key] = "article"
        site.copies.append((url, copier.template))
        site.articles += 1
        site.article_bytes += len(body)
        kind = copier.template.kind
        links[kind].append((url, f"新闻 {index}"))
        site.hosts[kind].add(urlsplit(url).hostname)
    for kind, listed in links.items():
        if not listed:
            continue
        count = math.ceil(len(listed) / LINKS_PER_LIST)
        for number in range(1, count + 1):
            chunk = listed[(number - 1) * LINKS_PER_LIST:number * LINKS_PER_LIST]
            url = LIST_URLS[kind].format(number)
            key = url_key(url)
            site.responses[key] = _response(_list_page(kind, number, chunk, number == count),
                                            "text/html; charset=utf-8", date)
            site.kinds[key] = "list"
        site.start_urls[kind] = LIST_URLS[kind].format(1)
        site.list_pages[kind] = count
        site.hosts[kind].add(urlsplit(LIST_URLS[kind]).hostname)
    return site


def sources_toml(site: Site) -> str:
    lines = []
    for kind, start in site.start_urls.items():
        hosts = ", ".join(f'"{host}"' for host in sorted(site.hosts[kind]))
        lines += [
            "[[source]]", f'name = "bench-{kind}"', f'kind = "{kind}"',
            f'start_urls = ["{start}"]', f"allowed_domains = [{hosts}]",
            f"max_list_pages = {site.list_pages[kind] + 1}",
            'selectors = { list_links = "ul.bench-list a", next_page = "a.bench-next" }', "",
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------- the server


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"


def serve(site: Site, ready) -> None:
    """Serve ``site`` on a free port of 127.0.0.1 until killed; ``ready`` gets the port."""
    from monitor.page.urls import url_key

    counts: Counter = Counter()
    missing: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                target = head.split(b" ", 2)[1].decode("latin-1")
                parts = urlsplit(target)
                if parts.path == "/stats":
                    usage = resource.getrusage(resource.RUSAGE_SELF)
                    body = json.dumps({**counts, "missing": missing[:20],
                                       "cpu_s": usage.ru_utime + usage.ru_stime}).encode()
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body)
                                 + body)
                    counts.clear()
                    missing.clear()
                else:
                    original = (parse_qs(parts.query).get("url") or [""])[0]
                    key = url_key(original) if original else ""
                    response = site.responses.get(key)
                    kind = site.kinds.get(key) or (
                        "robots.txt" if original.endswith("/robots.txt") else "not found")
                    counts[kind] += 1
                    if kind == "not found":
                        missing.append(original)
                    writer.write(response or NOT_FOUND)
                await writer.drain()
                if b"connection: close" in head.lower():
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=256)
        ready.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


def server_stats(port: int) -> dict:
    """The server's request counts since the last call, and its CPU seconds so far."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=10) as response:
        return json.loads(response.read())


# ---------------------------------------------------------------- the crawl (child process)


class Stages:
    """CPU time of the crawl's thread per stage; nested stages are subtracted from the
    stage they run in."""

    def __init__(self):
        self.cpu: Counter = Counter()
        self.calls: Counter = Counter()
        self._stack: list[str] = []

    def timed(self, stage: str, function, *, generator: bool = False):
        def wrapper(*args, **kwargs):
            self._stack.append(stage)
            started = time.thread_time()
            try:
                result = function(*args, **kwargs)
                return list(result) if generator and result is not None else result
            finally:
                spent = time.thread_time() - started
                self._stack.pop()
                self.cpu[stage] += spent
                self.calls[stage] += 1
                if self._stack:
                    self.cpu[self._stack[-1]] -= spent
        wrapper.__wrapped__ = function
        return wrapper

    def patch(self, owner, name: str, stage: str, **options) -> bool:
        """Time ``owner.name`` (a module function or a class's method) if it exists."""
        function = getattr(owner, name, None)
        if function is None:
            return False
        setattr(owner, name, self.timed(stage, function, **options))
        return True


def instrument(settings) -> Stages:
    """Wrap the spiders' callbacks, the pipelines and the lookups in CPU timers."""
    import importlib

    from scrapy.utils.misc import load_object

    stages = Stages()
    base = importlib.import_module("spiders.base")
    stages.patch(base.SourceSpider, "parse_list", "list pages", generator=True)
    # in the crawl process (with extraction processes it runs there, not timed here)
    stages.patch(importlib.import_module("monitor.crawling.extraction"), "extract_article",
                 "extraction")
    extract = importlib.import_module("monitor.extraction.chain")
    stages.patch(extract, "run_trafilatura", "trafilatura")
    stages.patch(extract, "find_generic_date", "htmldate")
    processing = importlib.import_module("monitor.processing")
    for index, step in enumerate(processing.STEPS):  # each step of the ProcessPipeline
        stage = "dedup keys" if step.name == "dedupe" else step.name
        processing.STEPS[index] = processing.Step(step.name, stages.timed(stage, step.run))
    stages.patch(load_object("pipelines.store.StorePipeline"), "process_item", "store")
    skip = importlib.import_module("monitor.crawling.skip_stored")
    for name in ("unstored", "process_request"):  # before: a query per request
        stages.patch(skip.SkipStoredMiddleware, name, "skip-stored look-ups")
    return stages


class BenchReplayHandler:  # replaced by a ReplayingHTTPHandler subclass in the child
    pass


def _handler_class():
    from monitor.crawling.download_handler import ReplayingHTTPHandler

    class Remote:
        def __init__(self, base: str):
            self.base = base

        def url_for(self, original_url: str) -> str:
            from urllib.parse import quote

            return f"{self.base}/fetch?url={quote(original_url, safe='')}"

    class Handler(ReplayingHTTPHandler):
        """The project's replay path, pointed at the bench's server (started elsewhere)."""

        def _start_replay(self, crawler) -> None:
            self.replay = Remote(crawler.settings.get("BENCH_SERVER"))

        def _stop_replay(self) -> None:
            self.replay = None

    return Handler


def crawl_child(config: dict) -> dict:
    """One crawl in this (fresh) process; returns what it measured."""
    import monitor.ops.crawl as crawl
    from monitor.config.loader import load_settings
    from monitor.config.sources import load_sources
    from monitor.storage.migrations import open_storage

    globals()["BenchReplayHandler"] = _handler_class()
    crawl.PLAIN_HTTP_HANDLER = f"{__name__}.BenchReplayHandler"
    settings = load_settings(
        MONITOR_SOURCES=config["sources"],
        MONITOR_DATABASE_URL=config["database"],
        MONITOR_DATA_DIR=config["folder"],
        MONITOR_PROGRESS=False,
        LOG_FILE=config["log"],
        LOG_LEVEL="INFO",
        BENCH_SERVER=config["server"],
        DOWNLOAD_DELAY=0,
        AUTOTHROTTLE_ENABLED=False,
        CONCURRENT_REQUESTS=config["concurrency"],
        CONCURRENT_REQUESTS_PER_DOMAIN=config["concurrency"],
        MONITOR_EXTRACT_PROCESSES=config["extract_processes"],
    )
    open_storage(config["database"]).close()  # the schema, before the crawlers open it
    stages = instrument(settings)
    profiler = None
    if config.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the extraction processes
    children_before = children.ru_utime + children.ru_stime
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    results = crawl.crawl_sources(load_sources(config["sources"]), settings)
    if profiler:
        profiler.disable()
        profiler.dump_stats(config["profile"])
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime - cpu_before,
        "extract_cpu_s": children.ru_utime + children.ru_stime - children_before,
        "peak_mb": usage.ru_maxrss / 1024,
        "new_articles": sum(r.new_articles for r in results),
        "pages": sum(r.pages for r in results),
        "errors": sum(sum(r.errors.values()) for r in results),
        "failed": [r.one_line() for r in results if r.failed],
        "stages_s": dict(stages.cpu),
    }


# ---------------------------------------------------------------- scrapy bench


def scrapy_bench() -> float:
    """Pages per second of ``scrapy bench`` (plain Scrapy, outside the project)."""
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run([sys.executable, "-m", "scrapy", "bench"], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=300)
    log = done.stdout + done.stderr
    count = re.search(r"'response_received_count': (\d+)", log)
    seconds = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    if not (count and seconds):
        raise RuntimeError("scrapy bench printed no stats:\n" + log[-2000:])
    return int(count[1]) / float(seconds[1])


# ---------------------------------------------------------------- the run


@dataclass
class CrawlReport:
    label: str
    seconds: float
    cpu_s: float
    peak_mb: float
    new_articles: int
    requests: dict[str, int]
    stages_s: dict[str, float]
    server_cpu_s: float
    failed: list[str]
    extract_processes: int = 0
    extract_cpu_s: float = 0.0  # CPU of the extraction processes

    @property
    def pages_per_s(self) -> float:
        return self.new_articles / self.seconds if self.seconds else 0.0


STAGE_ORDER = ("list pages", "extraction", "trafilatura", "htmldate", "clean", "dates",
               "unusable", "dedup keys", "classify", "store", "skip-stored look-ups")


def run_crawl(label: str, folder: Path, port: int, concurrency: int,
              profile: str | None, *, extract_processes: int = 0,
              database: str = "bench.db") -> CrawlReport:
    config = {
        "sources": str(folder / "sources.toml"),
        "database": f"sqlite:///{folder / database}",
        "extract_processes": extract_processes,
        "folder": str(folder),
        "log": str(folder / f"{label}.log"),
        "server": f"http://127.0.0.1:{port}",
        "concurrency": concurrency,
        "profile": profile,
    }
    config_file = folder / f"{label}.json"
    config_file.write_text(json.dumps(config))
    server_stats(port)  # reset the counts
    done = subprocess.run([sys.executable, "-m", "bench.crawl", "--child", str(config_file)],
                          cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the {label} crawl failed:\n{done.stderr[-3000:]}")
    measured = json.loads(config_file.with_suffix(".out").read_text())
    served = server_stats(port)
    server_cpu = served.pop("cpu_s")
    for url in served.pop("missing"):
        print(f"  {label} crawl: no page for {url}")
    return CrawlReport(label, measured["seconds"], measured["cpu_s"], measured["peak_mb"],
                       measured["new_articles"], served, measured["stages_s"], server_cpu,
                       measured["failed"], extract_processes, measured["extract_cpu_s"])


def print_report(site: Site, reports: list[CrawlReport], bench: list[float], load: str,
                 concurrency: int) -> None:
    """The table: each first crawl (on a fresh database; extraction in the crawl process,
    then in ``MONITOR_EXTRACT_PROCESSES`` processes) and the second crawl (again, on the
    last one's database)."""
    *firsts, second = reports
    lists = sum(site.list_pages.values())
    print(f"\nSite: {site.articles} article pages from {site.templates} real pages "
          f"(mean {site.article_bytes / max(site.articles, 1) / 1024:.0f} KB), "
          f"{lists} list pages; {concurrency} requests at once, no delay, no AutoThrottle.")
    print(f"Load average before the run: {load}\n")

    def row(name: str, values: list[str]) -> None:
        print(f"| {name} | " + " | ".join(values) + " |")

    def per_page(report: CrawlReport, seconds: float) -> str:
        return f"{seconds / (report.new_articles or 1) * 1000:.1f}"

    row("", [f"first crawl, {_extraction_words(r)}" for r in firsts] + ["second crawl"])
    print("|---|" + "--:|" * len(reports))
    row("new articles stored", [str(r.new_articles) for r in reports])
    row("wall time, s", [f"{r.seconds:.1f}" for r in reports])
    row("**stored pages/s**", [f"**{r.pages_per_s:.1f}**" for r in firsts] + ["-"])
    row("CPU of the crawl process, s", [f"{r.cpu_s:.1f}" for r in reports])
    row("CPU of the extraction processes, s", [f"{r.extract_cpu_s:.1f}" for r in reports])
    row("**CPU ms per stored page, all processes**",
        [f"**{per_page(r, r.cpu_s + r.extract_cpu_s)}**" for r in firsts] + ["-"])
    row("CPU ms per stored page, crawl process", [per_page(r, r.cpu_s) for r in firsts]
        + ["-"])
    for name in STAGE_ORDER:
        if any(name in r.stages_s for r in reports):
            row(f"&nbsp; {name}, ms/page",
                [per_page(r, r.stages_s.get(name, 0)) for r in firsts]
                + [f"{second.stages_s.get(name, 0) * 1000:.0f} ms in all"])
    row("&nbsp; extraction in the extraction processes, ms/page",
        [per_page(r, r.extract_cpu_s) for r in firsts] + ["-"])
    row("&nbsp; Scrapy, Twisted, start-up (the rest), ms/page",
        [per_page(r, r.cpu_s - sum(r.stages_s.values())) for r in firsts]
        + [f"{(second.cpu_s - sum(second.stages_s.values())) * 1000:.0f} ms in all"])
    row("peak memory of the crawl process (RSS), MB", [f"{r.peak_mb:.0f}" for r in reports])
    row("requests: article / list / robots.txt / other",
        [f"{r.requests.get('article', 0)} / {r.requests.get('list', 0)} / "
         f"{r.requests.get('robots.txt', 0)} / {r.requests.get('not found', 0)}"
         for r in reports])
    fetched = [r.requests.get("article", 0) + r.requests.get("list", 0) for r in firsts]
    row("requests (articles + lists) per new article",
        [f"{f / (r.new_articles or 1):.3f} (bound 1 + {lists}/{r.new_articles} = "
         f"{1 + lists / (r.new_articles or 1):.3f})" for f, r in zip(fetched, firsts, strict=True)]
        + [f"{second.requests.get('article', 0)} article pages fetched"])
    row("server CPU, s", [f"{r.server_cpu_s:.1f}" for r in firsts] + ["-"])
    mean = statistics.mean(bench)
    print(f"\nscrapy bench: {' and '.join(f'{b:.1f}' for b in bench)} pages/s "
          f"(before and after the crawls); mean {mean:.1f}")
    for report in firsts:
        print(f"**Ratio to scrapy bench, {_extraction_words(report)}: "
              f"{report.pages_per_s / mean:.2f}** ({report.pages_per_s:.1f} / {mean:.1f})")
    for report in reports:
        for line in report.failed:
            print(f"FAILED in the {report.label} crawl: {line}")


def _extraction_words(report: CrawlReport) -> str:
    if not report.extract_processes:
        return "extraction in the crawl process"
    return f"MONITOR_EXTRACT_PROCESSES={report.extract_processes}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000, help="article pages (default 1000)")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="requests at once (default 16, as scrapy bench)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the first crawl into FILE")
    parser.add_argument("--extract-processes", type=int, default=1, metavar="N",
                        help="MONITOR_EXTRACT_PROCESSES of the second first crawl (default 1; "
                             "0: only the crawl with extraction in the crawl process)")
    parser.add_argument("--json", metavar="FILE", help="also write the measures as JSON")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database, sources file and crawl logs")
    parser.add_argument("--no-scrapy-bench", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        config = json.loads(Path(args.child).read_text())
        out = crawl_child(config)
        Path(args.child).with_suffix(".out").write_text(json.dumps(out))
        return 0

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    started = time.perf_counter()
    if not REALPAGES.is_dir():
        print(f"note: {REALPAGES} not found: the site is built from seeds/site only")
    site = build_site(args.pages)
    print(f"Built {site.articles} article pages in {time.perf_counter() - started:.1f} s.",
          flush=True)
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    server = context.Process(target=serve, args=(site, send), daemon=True)
    server.start()
    port = receive.recv()
    site.responses.clear()  # the server process holds them
    bench: list[float] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-crawl-"))
    try:
        (folder / "sources.toml").write_text(sources_toml(site), "utf-8")
        if not args.no_scrapy_bench:
            bench.append(scrapy_bench())
            print(f"scrapy bench: {bench[-1]:.1f} pages/s", flush=True)
        reports = []
        runs = [("first", 0, "inline.db", args.profile)]
        if args.extract_processes:
            runs.append(("first-processes", args.extract_processes, "bench.db", None))
        runs.append(("second", args.extract_processes, runs[-1][2], None))
        for label, processes, database, profile in runs:
            reports.append(run_crawl(label, folder, port, args.concurrency, profile,
                                     extract_processes=processes, database=database))
            print(f"{label} crawl ({_extraction_words(reports[-1])}): "
                  f"{reports[-1].new_articles} new articles in {reports[-1].seconds:.1f} s",
                  flush=True)
        if not args.no_scrapy_bench:
            bench.append(scrapy_bench())
            print(f"scrapy bench: {bench[-1]:.1f} pages/s", flush=True)
    finally:
        server.terminate()
        server.join()
        if args.keep:
            print(f"Database, sources file and crawl logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    print_report(site, reports, bench or [float("nan")], load, args.concurrency)
    print(f"\nWhole bench: {time.perf_counter() - started:.0f} s.")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "load": load, "bench_pages_per_s": bench, "articles": site.articles,
            "list_pages": site.list_pages, "crawls": [asdict(r) for r in reports]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
