"""Re-run extraction, cleaning, dates and flagging over the stored raw pages, so that a rule
change applies to the whole history. Identity (URL key), first-seen time, the raw bytes
and story membership are kept; everything derived from the page is replaced (story
signatures too, so the next crawl matches against the new texts)."""

from __future__ import annotations

from dataclasses import dataclass, field

from monitor.config.sources import Source
from monitor.page.fetched import Page
from monitor.processing import UnusableArticle, process_page
from monitor.storage.database import Storage
from monitor.storage.models import StoredArticle

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
    partners: int = 0  # partner pairs found (stored as partnerships between institutions)
    flag_changes: list[FlagChange] = field(default_factory=list)
    # stored pages the rules no longer find an article on: kept as they were, with why
    unusable: dict[int, str] = field(default_factory=dict)


def page_of(row: StoredArticle) -> Page:
    """The stored page as it was fetched; the encoding it was decoded with stands in for
    the HTTP header, which is not stored."""
    headers = {"Content-Type": f"text/html; charset={row.encoding}"} if row.encoding else {}
    return Page(url=row.url, body=row.raw_html, headers=headers, fetched_at=row.fetched_at)


def reprocess(storage: Storage, sources: dict[str, Source]) -> ReprocessReport:
    """Every stored page through the steps of a crawl (``monitor.processing``); the URL key
    is not written back: identity is kept."""
    report = ReprocessReport()
    ids = storage.article_ids()
    for start in range(0, len(ids), BATCH):
        for row in storage.articles_by_id(ids[start:start + BATCH]):
            source = sources.get(row.source)
            try:
                article = process_page(page_of(row), source=row.source,
                                       kind=source.kind if source else None,
                                       selectors=dict(source.selectors) if source else None,
                                       publisher=source.title or None if source else None)
            except UnusableArticle as exc:
                report.unusable[row.id] = str(exc)
                continue
            before, after = row.flag_names, article.flags.names
            if before != after:
                report.flag_changes.append(FlagChange(row.id, article.title or "", before, after))
            storage.replace_processed(row.id, article)  # its partnerships too
            report.articles += 1
            report.partners += len(article.flags.partners)
    return report
