"""Dedup keys of an article: the page's URL key, the fingerprint of its text, the
signature of its story (``monitor.stories``) and its event (``monitor.storyevents``)."""

from __future__ import annotations

import hashlib
import re
import unicodedata

from monitor.items import Article
from monitor.simplified import simplified
from monitor.stories import signature, story_text
from monitor.storyevents import event
from monitor.urls import url_key

_NOT_TEXT = re.compile(r"[\W_]+", re.UNICODE)


def text_fingerprint(body: str | None) -> str | None:
    """Hash of the body with width, case, whitespace and punctuation normalised away."""
    if not body:
        return None
    text = _NOT_TEXT.sub("", unicodedata.normalize("NFKC", body).lower())
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
    """Fill the article's URL key, text fingerprint, story signature and event."""
    article.url_key = page_key(article)
    article.fingerprint = text_fingerprint(article.body)
    title, body = simplified(article)
    article.story_signature = signature(story_text(title, body, simplified=True)).to_bytes()
    article.story_event = event(title, body, simplified=True, published=article.published_at)
    return article
