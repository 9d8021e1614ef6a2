"""Dedup keys of an article: the page's URL key, the fingerprint of its text and the
signature of its story (``monitor.judgement.stories``)."""

from __future__ import annotations

import hashlib
import unicodedata

from monitor.article.item import Article
from monitor.article.text import comparison_key
from monitor.judgement.simplified import simplified
from monitor.judgement.stories import signature, story_text
from monitor.page.urls import url_key


def text_fingerprint(body: str | None) -> str | None:
    """Hash of the body with width, case, whitespace and punctuation normalised away."""
    if not body:
        return None
    text = comparison_key(unicodedata.normalize("NFKC", body).lower())
    return hashlib.sha1(text.encode("utf-8")).hexdigest() if text else None


def page_key(article: Article) -> str:
    """The URL key of the page: its own canonical link when that names a page of the same
    site (not the home page), else the fetched URL."""
    fetched = url_key(article.url)
    if article.canonical_url:
        canonical = url_key(article.canonical_url)
        same_site = canonical.split("/", 1)[0] == fetched.split("/", 1)[0]
        if same_site and "/" in canonical.strip("/"):
            return canonical
    return fetched


def dedup_keys(article: Article) -> Article:
    """Fill the article's URL key, text fingerprint and story signature."""
    article.url_key = page_key(article)
    article.fingerprint = text_fingerprint(article.body)
    text = story_text(*simplified(article), simplified=True)
    article.story_signature = signature(text).to_bytes()
    return article
