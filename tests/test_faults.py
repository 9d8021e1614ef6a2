"""Faults served over real HTTP on 127.0.0.1, through the real engine and CLI: each run
ends, names the fault in its run record (and, when the source failed, on stderr with exit
1), changes nothing already stored, and the next clean run stores every article once."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1_000_000  # MONITOR_MAX_PAGE_BYTES in these tests


def article_html(n: int) -> bytes:
    """A plain article page whose text says which one it is."""
    sentences = "".join(
        f"<p>第{n}篇报道的第{k}段：市人民医院与县医院签订合作协议，双方将在人才培养、"
        f"学科建设和远程会诊等方面开展第{n * 10 + k}项合作，惠及当地群众{n + k}万人。</p>"
        for k in range(1, 5))
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>第{n}篇新闻</title>'
            f'</head><body><div class="article"><h1>第{n}篇：医院签订合作协议</h1>'
            f'<p class="time">2024-05-14 10:{n % 60:02d}</p>{sentences}</div></body></html>'
            ).encode()


def list_html(paths: list[str]) -> bytes:
    items = "".join(f'<li><a href="{p}">第{i}条新闻标题在这里</a></li>'
                    for i, p in enumerate(paths))
    return (f'<html><head><meta charset="utf-8"><title>新闻</title></head><body>'
            f'<ul class="news">{items}</ul></body></html>').encode()


class FaultSite:
    """An HTTP server on 127.0.0.1 answering each path with a handler from ``routes``
    (``handler(request)`` writes the whole answer); 404 for the rest."""

    def __init__(self):
        self.routes: dict[str, callable] = {}
        self.hits: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                path = self.path.split("?")[0]
                site.hits.append(self.path)
                route = site.routes.get(path)
                if route is None:
                    self.send_error(404)
                    return
                route(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def page(self, path: str, body: bytes, *, status: int = 200,
             content_type: str = "text/html; charset=utf-8", headers: dict | None = None,
             length: bool = True):
        def answer(request):
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            for name, value in (headers or {}).items():
                request.send_header(name, value)
            if length:
                request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        self.routes[path] = answer


@pytest.fixture
def site():
    server = FaultSite()
    yield server
    server.close()


def sources_file(tmp_path: Path, site: FaultSite, name: str = "example") -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(f"""
[[source]]
name = "{name}"
kind = "generic"
start_urls = ["{site.base}/list.htm"]
selectors = {{ list_links = "ul.news li" }}
""", "utf-8")
    return path


def monitor(tmp_path: Path, *args, database: str | None = None, env: dict | None = None,
            wait: bool = True):
    environment = {**os.environ, "MONITOR_DATA_DIR": str(tmp_path / "data"),
                   "MONITOR_DATABASE_URL": database or f"sqlite:///{tmp_path / 'm.db'}",
                   "MONITOR_DOWNLOAD_DELAY": "0", "MONITOR_DOWNLOAD_TIMEOUT": "20",
                   "MONITOR_MAX_PAGE_BYTES": str(LIMIT), **(env or {})}
    argv = [sys.executable, "-m", "monitor.cli.main", "--sources-file",
            str(tmp_path / "sources.toml"), *args]
    if not wait:
        return subprocess.Popen(argv, cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    return subprocess.run(argv, cwd=ROOT, env=environment, capture_output=True, text=True,
                          timeout=600)


def query(tmp_path: Path, sql: str) -> list[dict]:
    with sqlite3.connect(tmp_path / "m.db") as connection:
        connection.row_factory = sqlite3.Row
        return [dict(row) for row in connection.execute(sql)]


def stored_urls(tmp_path: Path) -> list[str]:
    return sorted(r["url"] for r in query(tmp_path, "select url from articles"))


def database_digest(tmp_path: Path) -> str:
    """What the database holds, row by row (not its bytes: SQLite may rewrite pages)."""
    tables = ["articles", "crawl_runs", "stories"]
    return hashlib.sha256(json.dumps(
        {t: query(tmp_path, f"select * from {t} order by id") for t in tables},
        default=repr, sort_keys=True).encode()).hexdigest()


def last_run(tmp_path: Path) -> dict:
    run = query(tmp_path, "select * from crawl_runs order by id desc limit 1")[0]
    run["errors"], run["stats"] = json.loads(run["errors"]), json.loads(run["stats"])
    return run


# ---------------------------------------------------------------- bad pages


def serve_bad_pages(site: FaultSite) -> list[str]:
    """The list page and its articles: one good, the others each a fault."""
    paths = ["/a/good.htm", "/a/bomb.htm", "/a/big.htm", "/a/loop.htm", "/a/cycle.htm",
             "/a/empty.htm", "/a/binary.htm", "/a/notext.htm", "/a/deep.htm",
             "/a/garbled.htm"]
    site.page("/list.htm", list_html(paths))
    site.page("/a/good.htm", article_html(0))
    # a gzip bomb: 5 KB on the wire, 5 MB once decompressed (limit: 1 MB)
    site.page("/a/bomb.htm", gzip.compress(b"<html>" + b" " * 5_000_000),
              headers={"Content-Encoding": "gzip"})
    site.page("/a/big.htm", b"<html><body>" + "很长的页面".encode() * 100_000, length=False)

    def loop(request):  # every answer redirects to a new URL
        number = int(request.path.partition("n=")[2] or 0)
        request.send_response(302)
        request.send_header("Location", f"/a/loop.htm?n={number + 1}")
        request.send_header("Content-Length", "0")
        request.end_headers()
    site.routes["/a/loop.htm"] = loop

    def cycle(request):  # two URLs redirecting to each other
        request.send_response(301)
        target = "/a/cycle2.htm" if request.path.startswith("/a/cycle.htm") else "/a/cycle.htm"
        request.send_header("Location", target)
        request.send_header("Content-Length", "0")
        request.end_headers()
    site.routes["/a/cycle.htm"] = site.routes["/a/cycle2.htm"] = cycle
    site.routes["/a/garbled.htm"] = lambda request: request.wfile.write(
        b"this is not HTTP at all\r\n\r\nbody")  # no status line, no headers
    site.page("/a/empty.htm", b"")
    site.page("/a/binary.htm", bytes(range(256)) * 40)
    site.page("/a/notext.htm", b"<html><head><script>var a = 1;</script></head>"
              b"<body><div><img src='x.png'></div></body></html>")
    site.page("/a/deep.htm", b"<html><body>" + b"<div>" * 50_000
              + "<p>深层嵌套页面的正文：医院派出医疗队开展对口支援工作。</p>".encode()
              + b"</div>" * 50_000 + b"</body></html>")
    return paths


def test_bad_pages_are_named_and_dropped_and_the_next_clean_run_stores_each_once(
        tmp_path, site):
    sources_file(tmp_path, site)
    paths = serve_bad_pages(site)

    first = monitor(tmp_path, "crawl")
    assert first.returncode == 0, first.stderr  # the source worked, its bad pages did not
    assert "Traceback" not in first.stdout + first.stderr
    run = last_run(tmp_path)
    assert run["finish_reason"] == "finished"
    assert run["errors"].get("too_large") == 2, run  # the bomb and the page without length
    assert run["errors"].get("redirect_loop") == 2, run
    assert run["errors"].get("bad_answer") == 1, run
    assert "other" not in run["errors"]
    dropped = run["stats"]["dropped"]
    assert dropped.get("empty_page") == 1 and dropped.get("binary_page") == 1, dropped
    assert dropped.get("no_text") == 1, dropped
    stored = {r["url"]: r for r in query(tmp_path, "select url, title, body from articles")}
    assert f"{site.base}/a/good.htm" in stored
    for row in stored.values():  # no empty rows
        assert row["title"] and row["body"] and row["body"].strip()
    deep = f"{site.base}/a/deep.htm"  # its text, or dropped with a reason
    assert (deep in stored and "对口支援" in stored[deep]["body"]) or \
        dropped.get("too_deep") == 1, (dropped, list(stored))
    line = next(x for x in first.stdout.splitlines() if "example" in x and "pages" in x)
    assert "dropped" in first.stdout and "too large" in first.stdout, first.stdout
    before = database_digest(tmp_path)

    # the site is mended: every page is a good article now
    for number, path in enumerate(paths):
        site.page(path, article_html(number))
    site.page("/a/cycle2.htm", article_html(99))
    second = monitor(tmp_path, "crawl")
    assert second.returncode == 0, second.stderr
    urls = [r["url"] for r in query(tmp_path, "select url from articles")]
    assert sorted(urls) == sorted(f"{site.base}{p}" for p in paths)  # each exactly once
    assert line  # (the first run's progress line was there)
    assert before != database_digest(tmp_path)


# ---------------------------------------------------------------- a list of 5,000 links


def test_a_huge_list_is_cut_in_list_order_and_the_cut_recorded(tmp_path, site):
    sources_file(tmp_path, site)
    paths = [f"/a/{n}.htm" for n in range(5000)]
    site.page("/list.htm", list_html(paths))
    for number, path in enumerate(paths[:40]):
        site.page(path, article_html(number))
    result = monitor(tmp_path, "crawl", env={"MONITOR_MAX_LINKS_PER_LIST": "25"})
    assert result.returncode == 0, result.stderr
    assert stored_urls(tmp_path) == sorted(f"{site.base}{p}" for p in paths[:25])
    run = last_run(tmp_path)
    assert run["stats"]["links_cut"] == 4975 and run["errors"] == {}
    assert "4975 links cut" in result.stdout
    article_hits = [h for h in site.hits if h.startswith("/a/")]
    assert len(article_hits) == 25


# ---------------------------------------------------------------- a read-only database


def test_a_read_only_database_fails_the_source_and_the_next_run_picks_the_articles_up(
        tmp_path, site):
    sources_file(tmp_path, site)
    site.page("/list.htm", list_html(["/a/1.htm"]))
    site.page("/a/1.htm", article_html(1))
    assert monitor(tmp_path, "crawl").returncode == 0
    site.page("/list.htm", list_html(["/a/2.htm", "/a/1.htm"]))
    site.page("/a/2.htm", article_html(2))
    before = database_digest(tmp_path)

    # SQLite's read-only mode: what a read-only file gives (chmod does not stop root)
    read_only = f"sqlite:///file:{tmp_path / 'm.db'}?mode=ro&uri=true"
    failed = monitor(tmp_path, "crawl", database=read_only)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    (line,) = [x for x in failed.stderr.splitlines() if x.startswith("FAILED")]
    assert line.startswith("FAILED example: ") and "readonly" in line, line
    assert "Traceback" not in failed.stderr
    assert database_digest(tmp_path) == before

    run = monitor(tmp_path, "run", "--all")  # cron's cycle, writable again
    assert run.returncode == 0, run.stderr
    assert stored_urls(tmp_path) == [f"{site.base}/a/1.htm", f"{site.base}/a/2.htm"]


def test_a_store_that_fails_in_monitor_run_is_one_failed_line_and_exit_1(tmp_path, site):
    sources_file(tmp_path, site)
    site.page("/list.htm", list_html(["/a/1.htm"]))
    site.page("/a/1.htm", article_html(1))
    assert monitor(tmp_path, "db", "upgrade").returncode == 0
    read_only = f"sqlite:///file:{tmp_path / 'm.db'}?mode=ro&uri=true"
    result = monitor(tmp_path, "run", "--all", database=read_only)
    assert result.returncode == 1, result.stdout + result.stderr
    failed = [x for x in result.stderr.splitlines() if x.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith("FAILED example: "), result.stderr
    assert "readonly" in failed[0]
    assert stored_urls(tmp_path) == []


# ---------------------------------------------------------------- SIGTERM


@pytest.mark.parametrize("command", [["crawl"], ["run", "--all"]], ids=["crawl", "run"])
def test_a_crawl_ended_by_sigterm_leaves_its_run_record(command, tmp_path, site):
    sources_file(tmp_path, site)
    paths = [f"/a/{n}.htm" for n in range(6)]
    site.page("/list.htm", list_html(paths))
    release = threading.Event()
    for number, path in enumerate(paths):
        if number == 0:
            site.page(path, article_html(number))
            continue

        def slow(request, number=number):  # held until the crawl has been told to stop
            release.wait(60)
            body = article_html(number)
            request.send_response(200)
            request.send_header("Content-Type", "text/html; charset=utf-8")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)
        site.routes[path] = slow

    crawl = monitor(tmp_path, *command, wait=False)
    try:
        deadline = time.monotonic() + 300
        while not (tmp_path / "m.db").exists() or not _stored(tmp_path):
            assert crawl.poll() is None and time.monotonic() < deadline, crawl.communicate()
            time.sleep(0.2)
        crawl.send_signal(signal.SIGTERM)
        release.set()
        _out, err = crawl.communicate(timeout=300)
    finally:
        release.set()
        if crawl.poll() is None:
            crawl.kill()
    assert "Traceback" not in err
    (run,) = query(tmp_path, "select * from crawl_runs")
    assert run["finished_at"] and run["finish_reason"] == "shutdown", run
    if command == ["crawl"]:
        assert crawl.returncode == 1 and "FAILED example: " in err and "stopped" in err, err
    else:  # cron's cycle: the child crawl was ended with it
        assert crawl.returncode == 143 and "stopped by SIGTERM" in err, err

    again = monitor(tmp_path, "crawl")  # the next run stores the rest, each once
    assert again.returncode == 0, again.stderr
    assert stored_urls(tmp_path) == sorted(f"{site.base}{p}" for p in paths)


def _stored(tmp_path: Path) -> bool:
    try:
        return bool(query(tmp_path, "select id from articles"))
    except sqlite3.OperationalError:
        return False
