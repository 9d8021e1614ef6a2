"""Bad sites through the real engine: server errors, missing pages, a dead host. The crawl
reports each in plain words, records it in the run, and keeps what it could store."""

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from monitor.page.saved import SavedPage, save_page

ROOT = Path(__file__).resolve().parent.parent
SEED_002 = ROOT / "seeds" / "site" / "www.dmu.edu.cn" / "info-1142-23456.htm"
FETCHED = datetime(2024, 5, 15, 1, 0, tzinfo=UTC)
LIST = """<html><head><meta charset="utf-8"><title>新闻</title></head><body>
<ul class="news">
<li><a href="/info/1/100.htm">好的文章标题在这里</a><span>2024-05-14</span></li>
<li><a href="/info/1/101.htm">服务器出错的文章</a><span>2024-05-14</span></li>
<li><a href="/info/1/102.htm">已经删除的文章页</a><span>2024-05-14</span></li>
</ul></body></html>"""


def site(tmp_path) -> Path:
    root = tmp_path / "site"
    html = {"Content-Type": "text/html; charset=utf-8"}
    save_page(SavedPage("http://news.example.cn/list.htm", LIST.encode(), 200, html, FETCHED),
              root)
    save_page(SavedPage("http://news.example.cn/info/1/100.htm",
                        (SEED_002 / "body.html").read_bytes(), 200, html, FETCHED), root)
    save_page(SavedPage("http://news.example.cn/info/1/101.htm", b"<h1>500</h1>", 500, html,
                        FETCHED), root)
    return root


def sources(tmp_path, dead_port: int | None = None) -> Path:
    path = tmp_path / "sources.toml"
    text = """
[[source]]
name = "example"
kind = "generic"
start_urls = ["http://news.example.cn/list.htm"]
selectors = { list_links = "ul.news li" }
"""
    if dead_port:
        text += f"""
[[source]]
name = "dead"
kind = "generic"
start_urls = ["http://127.0.0.1:{dead_port}/news/"]
"""
    path.write_text(text, "utf-8")
    return path


def run(tmp_path, *args):
    env = {**os.environ, "MONITOR_DATA_DIR": str(tmp_path / "data"),
           "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MONITOR_DOWNLOAD_DELAY": "0", "MONITOR_DOWNLOAD_TIMEOUT": "5"}
    return subprocess.run([sys.executable, "-m", "monitor.cli.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_server_errors_and_missing_pages_are_reported_and_the_rest_is_stored(tmp_path):
    result = run(tmp_path, "--sources-file", str(sources(tmp_path)), "crawl",
                 "--replay", str(site(tmp_path)))
    assert result.returncode == 0, result.stderr  # the source worked, with errors on 2 pages
    line = next(x for x in result.stdout.splitlines() if "example" in x and "pages" in x)
    assert "new articles   1" in line and "errors  2" in line
    assert "http 404" in result.stdout and "http 500" in result.stdout
    with sqlite3.connect(tmp_path / "m.db") as db:
        (title,) = db.execute("select title from articles").fetchone()
        (errors,) = db.execute("select errors from crawl_runs").fetchone()
    assert title == "附属第一医院与复旦大学附属中山医院签订战略合作框架协议"
    assert json.loads(errors) == {"http_404": 1, "http_500": 1}
    log = next((tmp_path / "data" / "logs").glob("crawl-*.log")).read_text("utf-8")
    assert "Gave up retrying" in log  # a 500 is retried before it counts as an error


def test_a_dead_site_fails_its_source_with_a_plain_reason(tmp_path):
    import socket

    with socket.socket() as probe:  # a port on this machine where nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run(tmp_path, "--sources-file", str(sources(tmp_path, dead_port=port)), "crawl",
                 "--source", "dead")
    assert result.returncode == 1
    assert "FAILED dead: the site refused the connection" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
