"""The generic extractor only where no cheaper rule gave the field: a page whose rules
give title and body but no date gets htmldate's date search alone (no trafilatura); a
body from trafilatura is searched without its metadata; both work on the tree the page
was already parsed into."""

from __future__ import annotations

from datetime import UTC, datetime

import htmldate
import trafilatura
from lxml.html import HtmlElement

from monitor.extraction.chain import _Fallbacks, extract_article
from monitor.page.fetched import Page

PARAGRAPH = "援疆医疗队队员在当地医院开展义诊活动，为群众检查身体并讲解健康知识。" * 4
PAGE = f"""<html><head><title>援疆医疗队开展义诊_新闻中心</title></head><body>
<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a></div>
<h1>援疆医疗队开展义诊</h1><p class="info">发布时间：2024-05-09 10:30</p>
<div class="article-content"><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></div>
</body></html>"""


def _page(html: str) -> Page:
    return Page(url="https://news.example.org/a/2024/0509/1.html", body=html.encode(),
                headers={"Content-Type": "text/html; charset=utf-8"},
                fetched_at=datetime(2024, 5, 10, tzinfo=UTC))


def _record(monkeypatch):
    calls = []
    real_extract, real_date = trafilatura.bare_extraction, htmldate.find_date

    def extraction(source, **options):
        calls.append(("trafilatura", type(source), options["with_metadata"]))
        return real_extract(source, **options)

    def date(source, **options):
        calls.append(("htmldate", type(source), None))
        return real_date(source, **options)

    monkeypatch.setattr(trafilatura, "bare_extraction", extraction)
    monkeypatch.setattr(htmldate, "find_date", date)
    return calls


def test_no_date_from_the_rules_runs_the_date_search_alone(monkeypatch):
    calls = _record(monkeypatch)
    undated = PAGE.replace("发布时间：2024-05-09 10:30", "作者：本站")
    article = extract_article(_page(undated), kind="generic")
    assert article.title == "援疆医疗队开展义诊" and PARAGRAPH in article.body
    assert calls == [("htmldate", HtmlElement, None)]


def test_a_page_with_everything_runs_no_generic_step(monkeypatch):
    calls = _record(monkeypatch)
    article = extract_article(_page(PAGE), kind="generic")
    assert article.date_candidates and calls == []


def test_generic_body_without_metadata_then_date_alone(monkeypatch):
    calls = _record(monkeypatch)
    steps = _Fallbacks(_page(PAGE), [])
    assert PARAGRAPH[:20] in steps.generic_text
    assert steps.generic_date.startswith("2024-05-09")
    assert calls == [("trafilatura", HtmlElement, False), ("htmldate", HtmlElement, None)]
    steps = _Fallbacks(_page(PAGE), [])
    assert steps.generic["date"].startswith("2024-05-09")  # with its metadata: once
    assert steps.generic_date.startswith("2024-05-09") and steps.generic_text
    assert calls[2:] == [("trafilatura", HtmlElement, True)]
