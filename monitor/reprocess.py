"""Re-run extraction, cleaning, dates and flagging over the stored raw pages, so that a rule
change applies to the whole history. Identity (URL key), first-seen time, the raw bytes
and story membership are kept; everything derived from the page is replaced (story
signatures too, so the next crawl matches against the new texts)."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.classify import classify
from monitor.config import Source
from monitor.dedup import dedup_keys
from monitor.page import Page
from monitor.process import process_page
from monitor.simplified import simplified
from monitor.storage import Storage, StoredArticle

BATCH = 100


@dataclass
class FlagChange:
    article_id: int
    title: str
    before: list[str]
    after: list[str]


@dataclass
class ReprocessReport:
    articles: int = 0
    flag_changes: list[FlagChange] = field(default_factory=list)


def page_of(row: StoredArticle) -> Page:
    """The stored page as it was fetched; the encoding it was decoded with stands in for
    the HTTP header, which is not stored."""
    headers = {"Content-Type": f"text/html; charset={row.encoding}"} if row.encoding else {}
    return Page(url=row.url, body=row.raw_html, headers=headers, fetched_at=row.fetched_at)


def reprocess(storage: Storage, sources: dict[str, Source]) -> ReprocessReport:
    report = ReprocessReport()
    ids = storage.article_ids()
    for start in range(0, len(ids), BATCH):
        for row in storage.articles_by_id(ids[start:start + BATCH]):
            source = sources.get(row.source)
            article = process_page(page_of(row), source=row.source,
                                   kind=source.kind if source else None,
                                   selectors=dict(source.selectors) if source else None)
            dedup_keys(article)  # the URL key is not written back: identity is kept
            article.flags = classify(*simplified(article), simplified=True,
                                     original=(article.title or "", article.body or ""),
                                     publisher=source.title or None if source else None)
            before, after = row.flag_names, article.flags.names
            if before != after:
                report.flag_changes.append(FlagChange(row.id, article.title or "", before, after))
            storage.replace_processed(row.id, article)
            report.articles += 1
    return report
