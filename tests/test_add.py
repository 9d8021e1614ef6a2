"""``monitor add URL``: a saved list (or article) page's address becomes a working source in
one command; the entry is appended with the file above it untouched; a source already
there is refused; feeds and breadcrumbs are read as a reader reads them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import create_engine, text
from test_backfill import HOST, build_site, item, list_url

from monitor.cli.main import main
from monitor.config.sources import load_sources
from monitor.extraction.column import column_links
from monitor.extraction.feeds import announced_feeds, read_feed
from monitor.extraction.generic import FAMILY as GENERIC
from monitor.page.fetched import Page
from monitor.page.saved import SavedPage, save_page

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"
ZS5H_LIST = "https://www.zs5h.com/news/list_1.html"
HEAD = "# sources of a test\n# kept as they are\n\n[[source]]\nname = \"other\"\n" \
       "kind = \"generic\"\nstart_urls = [\"https://www.example.org/news/\"]  # saved? no"


@pytest.fixture
def sources(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_bytes(HEAD.encode("utf-8"))  # no newline at the end: one is added, after it
    return path


def add(capsys, sources, *args: str) -> tuple[int, str, str]:
    code = main(["--sources-file", str(sources), "add", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_saved_list_page_becomes_a_source_that_crawls(capsys, sources, tmp_path):
    code, out, err = add(capsys, sources, ZS5H_LIST, "--replay", str(SITE), "--yes")
    assert code == 0, out + err
    assert "10 article link(s), 10 with a shown date (100%)" in out
    assert "next list page: https://www.zs5h.com/news/list_2.html" in out
    assert "kind: institution" in out and "title: " in out
    written = sources.read_bytes()
    assert written.startswith(HEAD.encode("utf-8") + b"\n")  # the old text, byte for byte
    added = {s.name: s for s in load_sources(sources)}["zs5h-news"]
    assert added.kind == "institution" and added.start_urls == (ZS5H_LIST,)
    assert added.title == "中山大学附属第五医院" and added.schedule == "every 6h"
    assert "# added by `monitor add" in written.decode("utf-8")

    data = tmp_path / "data"
    env = {**os.environ, "MONITOR_DATA_DIR": str(data), "MONITOR_DOWNLOAD_DELAY": "0",
           "MONITOR_DATABASE_URL": f"sqlite:///{data / 'monitor.db'}",
           "MONITOR_FIRST_RUN_DAYS": "100000"}
    crawl = subprocess.run(
        [sys.executable, "-m", "monitor.cli.main", "--sources-file", str(sources), "crawl",
         "--source", "zs5h-news", "--replay", str(SITE)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    engine = create_engine(env["MONITOR_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            stored = [row[0] for row in connection.execute(
                text("SELECT url FROM articles WHERE source = 'zs5h-news'"))]
    finally:
        engine.dispose()
    assert stored == ["https://www.zs5h.com/news/show-3391.html"]


def test_an_article_page_leads_to_its_column_through_the_breadcrumb(capsys, sources):
    code, out, _ = add(capsys, sources, "https://www.swmu.edu.cn/info/1021/8812.htm",
                       "--replay", str(SITE), "--yes", "--articles", "1")
    assert code == 0
    assert "is an article page; its column https://www.swmu.edu.cn/xwzx/xxyw.htm" in out
    assert "CMS: 博达 VSB" in out
    added = load_sources(sources)[-1]
    assert added.name == "swmu-xxyw" and added.start_urls == (
        "https://www.swmu.edu.cn/xwzx/xxyw.htm",)


def test_a_source_already_there_is_refused_in_one_line(capsys, tmp_path):
    sources = ROOT / "sources.toml"
    before = sources.read_bytes()
    code, out, err = add(capsys, sources, "https://www.dmu.edu.cn/info/1142/23398.htm",
                         "--replay", str(SITE), "--yes")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "already a start URL of source 'dmu-news'" in err
    code, _, err = add(capsys, sources, ZS5H_LIST, "--name", "dmu-news", "--replay", str(SITE))
    assert code == 2 and "a source named 'dmu-news' is already" in err
    assert sources.read_bytes() == before


def test_without_yes_and_no_terminal_nothing_is_written(capsys, sources, monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    before = sources.read_bytes()
    code, out, err = add(capsys, sources, ZS5H_LIST, "--replay", str(SITE), "--articles", "0")
    assert code == 2 and "[[source]]" in out  # the entry is shown, not written
    assert "not written: standard input is not a terminal" in err and "--yes" in err
    assert sources.read_bytes() == before


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>示例市人民医院</title>{items}</channel></rss>"""


def test_a_feed_holding_the_lists_articles_is_read_first(capsys, sources, tmp_path):
    site = tmp_path / "site"
    build_site(site)
    index = site / "www.example-hospital.cn" / "xwzx-index.html" / "body.html"
    html = index.read_text("utf-8").replace(
        "</head>", '<link rel="alternate" type="application/rss+xml" title="医院新闻" '
        'href="/xwzx/rss.xml"></head>')
    index.write_text(html, "utf-8")
    items = "".join(
        f"<item><title>{title}</title><link>{url}</link>"
        f"<pubDate>{day:%a, %d %b %Y} 08:00:00 +0800</pubDate></item>"
        for url, title, day in map(item, range(8)))
    save_page(SavedPage(url=f"{HOST}/xwzx/rss.xml", body=RSS.format(items=items).encode(),
                        headers={"Content-Type": "application/rss+xml"}), site)
    code, out, err = add(capsys, sources, list_url(1), "--replay", str(site), "--yes",
                         "--articles", "1")
    assert code == 0, out + err
    assert f"announces rss {HOST}/xwzx/rss.xml: 8 item(s), 6 of the list's first links" \
        "  → used as a start URL" in out
    added = load_sources(sources)[-1]
    assert added.start_urls == (f"{HOST}/xwzx/rss.xml", list_url(1))
    assert added.kind == "institution" and added.name == "example-hospital-xwzx"


def test_feeds_and_sitemaps_are_read():
    rss = read_feed(RSS.format(items="<item><title>甲</title><link>/a/1.html</link><pubDate>"
                               "Tue, 14 May 2024 08:00:00 +0800</pubDate></item>").encode(),
                    "https://x.cn/rss.xml")
    assert rss.kind == "rss" and [(i.url, i.title, i.listed_at) for i in rss.items] == [
        ("https://x.cn/a/1.html", "甲", "2024-05-14T08:00:00+08:00")]
    atom = read_feed(b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
                     b'<title>t</title><entry><title>B</title><link href="https://x.cn/b"/>'
                     b'<updated>2024-05-13T10:00:00Z</updated></entry></feed>', "https://x.cn/")
    assert [(i.url, i.listed_at) for i in atom.items] == [("https://x.cn/b",
                                                           "2024-05-13T10:00:00Z")]
    sitemap = read_feed(b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        b'<url><loc>https://x.cn/old.html</loc><lastmod>2023-01-01</lastmod>'
                        b'</url><url><loc>https://x.cn/new.html</loc><lastmod>2024-01-01'
                        b'</lastmod></url></urlset>', "https://x.cn/sitemap.xml")
    assert [i.url for i in sitemap.items] == ["https://x.cn/new.html", "https://x.cn/old.html"]
    assert read_feed(b"<!DOCTYPE html><html><body>rss</body></html>", "https://x.cn/") is None
    # the generic family reads a feed given as a start URL
    page = Page(url="https://x.cn/rss.xml", body=RSS.format(
        items="<item><title>甲</title><link>https://x.cn/a/1.html</link></item>").encode())
    assert [link.url for link in GENERIC.parse_list(page, {}).articles] == [
        "https://x.cn/a/1.html"]
    root = lxml.html.document_fromstring(
        '<html><head><link rel="alternate" type="application/atom+xml" href="/atom.xml">'
        '<link rel="stylesheet" href="/s.css"></head><body><a href="/sitemap.xml">网站地图</a>'
        '</body></html>')
    assert [(a.url, a.kind) for a in announced_feeds(root, "https://x.cn/news/")] == [
        ("https://x.cn/atom.xml", "atom"), ("https://x.cn/sitemap.xml", "sitemap")]


def test_the_column_is_the_deepest_breadcrumb_link():
    root = lxml.html.document_fromstring(
        '<html><body><div class="nav"><a href="/">首页</a><a href="/zwgk/">政务公开</a></div>'
        '<div class="crumbs">您的位置：<a href="/index.html">首页</a> » '
        '<a href="/xwzx/">新闻中心</a> » <a href="/xwzx/wjdt/">卫健动态</a> » 正文</div>'
        '<h1>标题</h1></body></html>')
    assert column_links(root, "https://wjw.example.gov.cn/xwzx/wjdt/202405/t1.html") == [
        "https://wjw.example.gov.cn/xwzx/wjdt/", "https://wjw.example.gov.cn/xwzx/"]
    labelled = lxml.html.document_fromstring(
        '<html><body><table><tr><td>当前位置：<a href="../../index.htm">首页</a>&gt;&gt;'
        '<a href="../../yyxw.htm">医院新闻</a></td></tr></table></body></html>')
    assert column_links(labelled, "https://www.h.cn/info/1021/8812.htm") == [
        "https://www.h.cn/yyxw.htm"]


def test_a_new_deployment_starts_from_a_sources_file_with_no_source(capsys, tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text("# the sources of our province's hospitals\n", "utf-8")
    code, _, err = add(capsys, path, "https://www.dmu.edu.cn/info/1142/23456.htm",
                       "--replay", str(SITE), "--yes", "--articles", "1")
    assert code == 0, err
    assert path.read_text("utf-8").startswith("# the sources of our province's hospitals\n")
    (added,) = load_sources(path)
    assert added.kind == "institution" and added.start_urls == (
        "https://www.dmu.edu.cn/tzgg/gzdt.htm",)
