"""``monitor backfill SOURCE --since DATE``: a paginated list walked back to a date, stored as
a crawl stores, one line per list page; a stopped backfill resumes without fetching again
what it stored. On a small synthetic hospital site in the saved-page format (our own HTML),
through the real Scrapy engine and the replay server, whose request log says what was
fetched."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from sqlalchemy import create_engine, text

from monitor.page.saved import SavedPage, save_page

ROOT = Path(__file__).resolve().parent.parent
HOST = "https://www.example-hospital.cn"
PAGES, PER_PAGE = 5, 6
NEWEST = date(2025, 2, 28)
FETCHED = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
LOG_FILE = re.compile(r"\(full log: (.+)\)$", re.MULTILINE)
REPLAYED = re.compile(r'replay: "GET /fetch\?url=(\S+) HTTP/[\d.]+" \d+')
PINNED = f"{HOST}/xwzx/2023/01/0999.html"


def list_url(number: int) -> str:
    """TRS-style pages: index.html, index_1.html, index_2.html…"""
    return f"{HOST}/xwzx/index.html" if number == 1 else f"{HOST}/xwzx/index_{number - 1}.html"


def item(position: int) -> tuple[str, str, date]:
    day = NEWEST - timedelta(days=3 * position)
    return (f"{HOST}/xwzx/{day:%Y/%m}/{1000 + position}.html",
            f"示例市人民医院与对口帮扶医院开展合作交流第{position + 1}期", day)


def list_html(number: int) -> str:
    rows = []
    if number == 1:  # an old item pinned at the top: it must not end the walk back
        rows.append(f'<li><a href="{PINNED}">【置顶】示例市人民医院关于就诊须知的公告</a>'
                    '<span>2023-01-05</span></li>')
    for position in range((number - 1) * PER_PAGE, number * PER_PAGE):
        url, title, day = item(position)
        rows.append(f'<li><a href="{url}">{title}</a><span>{day:%Y-%m-%d}</span></li>')
    pager = f'<a href="{list_url(number + 1)}">下一页</a>' if number < PAGES else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>医院新闻-示例市人民医院</title></head><body>
<div class="header"><a href="/">首页</a> <a href="/xwzx/index.html">医院新闻</a>
<a href="/kyjx/index.html">科研教学</a> <a href="/dwgk/index.html">党务公开</a></div>
<div class="position">当前位置：<a href="/">首页</a> &gt;
<a href="/xwzx/index.html">医院新闻</a></div>
<ul class="news-list">{''.join(rows)}</ul>
<div class="page">{pager}</div>
<div class="footer">版权所有：示例市人民医院</div></body></html>"""


def article_html(title: str, day: date) -> str:
    body = "".join(f"<p>{day:%m月%d日}，示例市人民医院专家团队赴受援医院开展义诊和带教，"
                   f"双方围绕学科建设、人才培养签署帮扶协议，第{n}段。</p>" for n in range(4))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{title}-示例市人民医院</title></head><body>
<div class="position">当前位置：<a href="/">首页</a> &gt;
<a href="/xwzx/index.html">医院新闻</a> &gt; 正文</div>
<div class="article"><h1>{title}</h1>
<div class="info">发布时间：{day:%Y-%m-%d} 来源：示例市人民医院</div>
<div class="content">{body}</div></div>
<div class="footer">版权所有：示例市人民医院</div></body></html>"""


def build_site(root: Path) -> None:
    def save(url: str, html: str) -> None:
        save_page(SavedPage(url=url, body=html.encode("utf-8"), status=200,
                            headers={"Content-Type": "text/html; charset=utf-8"},
                            fetched_at=FETCHED), root)

    for number in range(1, PAGES + 1):
        save(list_url(number), list_html(number))
    for position in range(PAGES * PER_PAGE):
        url, title, day = item(position)
        save(url, article_html(title, day))
    save(PINNED, article_html("示例市人民医院关于就诊须知的公告", date(2023, 1, 5)))


SOURCES = f"""# a test sources file
[[source]]
name = "example-hospital"
title = "示例市人民医院"
kind = "institution"
start_urls = ["{list_url(1)}"]
max_list_pages = 2
"""


@pytest.fixture
def site(tmp_path):
    build_site(tmp_path / "site")
    (tmp_path / "sources.toml").write_text(SOURCES, "utf-8")
    env = {**os.environ, "MONITOR_DATA_DIR": str(tmp_path / "data"),
           "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'monitor.db'}",
           "MONITOR_SOURCES": str(tmp_path / "sources.toml"),
           "MONITOR_DOWNLOAD_DELAY": "0", "MONITOR_LOG_LEVEL": "DEBUG"}
    return tmp_path, env


def backfill(site, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Run ``monitor backfill``; its result and the pages its replay server served."""
    tmp_path, env = site
    result = subprocess.run(
        [sys.executable, "-m", "monitor.cli.main", "backfill", "example-hospital",
         "--replay", str(tmp_path / "site"), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    log = Path(LOG_FILE.search(result.stdout)[1]).read_text("utf-8", errors="replace")
    served = [unquote(m[1]) for m in REPLAYED.finditer(log)]
    return result, [url for url in served if not url.endswith("/robots.txt")]


def stored_urls(site) -> set[str]:
    engine = create_engine(site[1]["MONITOR_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(
                text("SELECT url FROM articles WHERE source = 'example-hospital'"))}
    finally:
        engine.dispose()


def articles(served: list[str]) -> list[str]:
    return [url for url in served if "/xwzx/index" not in url]


def test_backfill_walks_back_to_the_date_and_stops_there(site):
    since = item(14)[2]  # on list page 3
    result, served = backfill(site, "--since", since.isoformat())
    out = result.stdout
    # one line per list page; the walk goes past the source's max_list_pages (2) and past
    # the old pinned item of page 1, and ends at page 4, the first page with only older items
    for number in (1, 2, 3, 4):
        assert re.search(rf"list page +{number}: +\d+ link\(s\), listed ", out), out
    assert "list page   5" not in out
    assert f"reached {since}" in out
    assert [u for u in served if "/xwzx/index" in u] == [list_url(n) for n in (1, 2, 3, 4)]
    wanted = {item(position)[0] for position in range(15)}
    assert set(articles(served)) == wanted  # nothing older, not the pinned item
    assert stored_urls(site) == wanted
    assert "Done: 15 new article(s) stored." in out


def test_a_stopped_backfill_resumes_without_fetching_an_article_again(site):
    since = item(16)[2]  # on list page 3
    first, served_first = backfill(site, "--since", since.isoformat(), "--max-pages", "2")
    assert "stopped at the list page limit" in first.stdout
    assert set(articles(served_first)) == {item(p)[0] for p in range(12)}
    again, served_again = backfill(site, "--since", since.isoformat())
    assert f"reached {since}" in again.stdout
    fetched_again = articles(served_again)
    assert not set(fetched_again) & set(articles(served_first))  # nothing fetched twice
    assert set(fetched_again) == {item(p)[0] for p in range(12, 17)}
    assert stored_urls(site) == {item(p)[0] for p in range(17)}


def test_a_bad_date_is_one_line_and_exit_2(site):
    result = subprocess.run(
        [sys.executable, "-m", "monitor.cli.main", "backfill", "example-hospital",
         "--since", "2025-13-01"], cwd=ROOT, capture_output=True, text=True,
        timeout=120, env=site[1])
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "is not a date" in result.stderr
