"""The time a list page shows next to a link reaches the article as its ``listed`` date
candidate (the last tier before the URL date), resolved against the list's fetch time."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import scrapy
from scrapy.http import HtmlResponse

from monitor.article.dates import resolve_published
from monitor.config.sources import load_sources
from spiders.netease import NeteaseSpider

ROOT = Path(__file__).resolve().parents[1]
LIST_URL = "https://news.163.com/domestic/"
ARTICLE_URL = "https://caozhi.news.163.com/24/0715/18/J6ABCDEF12345678.html"
FETCHED = "Tue, 16 Jul 2024 01:00:00 GMT"  # 09:00 in Shanghai


async def _collect(results) -> list:
    return [item async for item in results]


def spider() -> NeteaseSpider:
    found = NeteaseSpider(source="netease-health")
    found.sources = NeteaseSpider.select_sources(load_sources(ROOT / "sources.toml"),
                                                 ["netease-health"])
    return found


def test_a_listed_relative_time_reaches_the_article_as_its_last_date_tier():
    crawler = spider()
    html = (f'<ul><li><a href="{ARTICLE_URL}">曹植故里义诊</a><span>30分钟前</span></li></ul>')
    listing = HtmlResponse(
        LIST_URL, body=html.encode(), encoding="utf-8", headers={"Date": FETCHED},
        request=scrapy.Request(LIST_URL, meta={"source": "netease-health", "list_page": 1}),
    )
    [request] = [r for r in crawler.parse_list(listing) if r.url == ARTICLE_URL]
    assert request.meta["listed_date"].isoformat() == "2024-07-16T08:30:00+08:00"

    page = "<html><body><p>没有日期的页面。</p></body></html>"
    response = HtmlResponse(ARTICLE_URL, body=page.encode(), encoding="utf-8",
                            headers={"Date": FETCHED}, request=request)
    [article] = asyncio.run(_collect(crawler.parse_article(response)))
    assert ("2024-07-16T08:30:00+08:00", "listed") in [
        (c.text, c.origin) for c in article.date_candidates
    ]
    article = resolve_published(article)
    assert article.published_at == datetime.fromisoformat("2024-07-16T08:30:00+08:00")
    assert article.published_origin == "listed"
