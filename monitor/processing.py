"""One page to one article: extract → clean → dates, the same steps the Scrapy pipelines
run one by one. Used by ``monitor extract FILE --url URL``, reprocessing and the bench."""

from __future__ import annotations

from monitor.article.clean import clean_article
from monitor.article.dates import resolve_published
from monitor.article.item import Article
from monitor.extraction.chain import extract_article
from monitor.page.fetched import Page


def process_page(
    page: Page, *, source: str = "", kind: str | None = None, selectors: dict | None = None
) -> Article:
    """The cleaned, dated article on ``page``; never raises on bad pages (see the notes)."""
    article = extract_article(page, source=source, kind=kind, selectors=selectors)
    return resolve_published(clean_article(article))
