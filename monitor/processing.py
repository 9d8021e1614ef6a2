"""The steps an article goes through after extraction, in their one order: clean →
unusable pages out → dates → dedup keys → flags (then the store, which is storage's).

The crawl runs them in ``pipelines.process.ProcessPipeline``; ``monitor extract``,
``monitor check``, ``monitor reprocess`` and the benches run them here, so a step added
or moved here is added or moved everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from monitor.article.clean import clean_article
from monitor.article.dates import resolve_published
from monitor.article.item import Article
from monitor.article.unusable import unusable
from monitor.extraction.chain import extract_article
from monitor.judgement.dedup import dedup_keys
from monitor.judgement.flags import classify
from monitor.judgement.simplified import simplified
from monitor.page.fetched import Page


class UnusableArticle(Exception):
    """The page holds nothing worth storing (empty, binary, no text); ``kind`` is counted
    per source in the run record."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def refuse_unusable(article: Article) -> Article:
    found = unusable(article)
    if found:
        raise UnusableArticle(*found)
    return article


def flag_article(article: Article) -> Article:
    """Topic flags (medical_aid, sister_hospital) with scores, evidence, institutions and
    partner pairs, on the text in simplified characters (the partners' names keep the
    text's own script; the publisher is what a text's 我院 stands for)."""
    article.flags = classify(*simplified(article), simplified=True,
                             original=(article.title or "", article.body or ""),
                             publisher=article.publisher)
    return article


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[Article], Article]


STEPS: list[Step] = [
    Step("clean", clean_article),  # boilerplate, ads, content-farm injections out
    Step("unusable", refuse_unusable),  # empty, binary or textless pages out
    Step("dates", resolve_published),  # publication time (never after the fetch time)
    Step("dedupe", dedup_keys),  # URL key, text fingerprint, story signature
    Step("classify", flag_article),
]


def process_article(article: Article, *, drop_unusable: bool = True) -> Article:
    """``article`` through every step; ``UnusableArticle`` for a page with nothing in it,
    or with ``drop_unusable=False`` (what ``monitor extract`` and ``check`` show) a note
    saying why, and the next steps."""
    for step in STEPS:
        try:
            article = step.run(article)
        except UnusableArticle as exc:
            if drop_unusable:
                raise
            article.notes.append(f"unusable ({exc.kind}): {exc}")
    return article


def process_page(page: Page, *, source: str = "", kind: str | None = None,
                 selectors: dict | None = None, publisher: str | None = None,
                 drop_unusable: bool = True) -> Article:
    """The extracted article on ``page`` through every step (see ``process_article``);
    other bad pages come back with the notes that say why."""
    article = extract_article(page, source=source, kind=kind, selectors=selectors)
    article.publisher = publisher
    return process_article(article, drop_unusable=drop_unusable)
