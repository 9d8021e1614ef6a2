"""Every saved article page under seeds/site with an expected.json, through process_page:
one test per expected field per page, plus "no unexpected missing field".

The page's kind and selectors are those of the source in sources.toml that crawls its
host (as the crawler would use them); pages of hosts no source lists use their family.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from monitor.article.clean import normalise_line, normalise_text
from monitor.article.item import Article
from monitor.config.sources import load_sources
from monitor.page.fetched import Page
from monitor.page.saved import SavedPage, iter_pages
from monitor.processing import process_page

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "seeds" / "site"
# kind for a page no source covers, from its expected site family
KIND_OF_SITE = {"netease": "netease", "chinanews": "chinanews", "vsb": "university",
                "generic": "generic"}
SCALAR_FIELDS = ("url", "canonical_url", "title", "outlet", "author", "site", "low_quality")
CHECKED = {*SCALAR_FIELDS, "published_at", "body", "must_contain", "must_not_contain"}
NOT_EXTRACTION = {"flags"}  # checked by the classifier's tests (tests/test_classify_saved.py)

PAGES: dict[str, SavedPage] = {
    str(page.folder.relative_to(SITE)): page
    for page in iter_pages(SITE)
    if page.expected is not None
}


def _source_for(url: str):
    host = urlsplit(url).hostname or ""
    for source in load_sources(ROOT / "sources.toml"):
        if any(host == d or host.endswith("." + d) for d in source.domains):
            return source
    return None


@cache
def processed(name: str) -> Article:
    saved = PAGES[name]
    source = _source_for(saved.url)
    kind = source.kind if source else KIND_OF_SITE[saved.expected["site"]]
    selectors = dict(source.selectors) if source and source.selectors else None
    return process_page(Page.from_saved(saved), source=source.name if source else "",
                        kind=kind, selectors=selectors)


def _cases(fields) -> list:
    return [
        pytest.param(name, field, id=f"{name}::{field}")
        for name, page in PAGES.items()
        for field in fields
        if field in page.expected
    ]


def _snippet(text: str) -> str:
    return "\n".join(normalise_line(part) for part in text.split("\n"))


def test_there_are_saved_article_pages():
    assert len(PAGES) >= 4, "seeds/site should hold the saved article pages"


@pytest.mark.parametrize(("name", "field"), _cases(SCALAR_FIELDS))
def test_scalar_field(name, field):
    expected = PAGES[name].expected[field]
    assert getattr(processed(name), field) == expected, processed(name).notes


@pytest.mark.parametrize(("name", "field"), _cases(["published_at"]))
def test_published_at(name, field):
    expected = PAGES[name].expected[field]
    article = processed(name)
    actual = article.published_at.isoformat() if article.published_at else None
    assert actual == expected, (article.published_origin, article.date_candidates, article.notes)


@pytest.mark.parametrize(("name", "field"), _cases(["body"]))
def test_body(name, field):
    article = processed(name)
    assert normalise_text(article.body or "") == normalise_text(PAGES[name].expected[field]), \
        article.notes


@pytest.mark.parametrize(("name", "field"), _cases(["must_contain"]))
def test_must_contain(name, field):
    body = processed(name).body or ""
    missing = [s for s in PAGES[name].expected[field] if _snippet(s) not in body]
    assert not missing


@pytest.mark.parametrize(("name", "field"), _cases(["must_not_contain"]))
def test_must_not_contain(name, field):
    article = processed(name)
    body = (article.body or "") + "\n"
    present = [s for s in PAGES[name].expected[field] if _snippet(s) in body or s in body]
    assert not present, article.notes


@pytest.mark.parametrize("name", list(PAGES))
def test_no_unexpected_missing_field(name):
    expected = PAGES[name].expected
    assert set(expected) <= CHECKED | NOT_EXTRACTION, "expected.json has unknown fields"
    article = processed(name)
    missing = [field for field in (*SCALAR_FIELDS, "published_at", "body")
               if expected.get(field) is not None and getattr(article, field) is None]
    assert not missing, article.notes
