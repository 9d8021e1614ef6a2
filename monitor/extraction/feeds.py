"""Feeds and sitemaps: those a page announces, and the article links one holds.

Pure: an lxml tree or a feed's bytes in, URLs and items out.

* ``announced_feeds``: ``<link rel="alternate" type="application/rss+xml">`` (or
  ``atom+xml``, ``rdf+xml``), ``<link rel="sitemap">`` and links to ``sitemap*.xml`` files.
* ``read_feed``: RSS 2.0, RSS 1.0 (RDF), Atom, a sitemap (``<urlset>``: each ``<loc>``
  with its ``<lastmod>``; a Google News sitemap's ``<news:title>`` and
  ``<news:publication_date>``) and a sitemap index (its sitemaps are the next pages).
  Each item's date is given as ISO 8601 text, which ``monitor.article.dates`` reads like
  any shown date. None when the bytes are no feed (an HTML page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

from lxml import etree

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/rdf+xml": "rss",
    "application/feed+json": "",  # JSON Feed: not read
}
_FEED_START = re.compile(rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                         rb"(?:<\?xml-stylesheet[^>]*>\s*)?<(?:[\w-]+:)?"
                         rb"(rss|feed|RDF|urlset|sitemapindex)\b", re.DOTALL)
_SITEMAP_HREF = re.compile(r"sitemap[\w-]*\.xml(?:\.gz)?$", re.IGNORECASE)
MAX_ITEMS = 5000  # a sitemap of a whole site: the first ones are enough to judge and crawl


@dataclass(frozen=True)
class Announced:
    url: str
    kind: str  # "rss", "atom", "sitemap"
    title: str = ""


@dataclass
class FeedItem:
    url: str
    title: str | None = None
    listed_at: str | None = None  # ISO 8601 text


@dataclass
class Feed:
    kind: str  # "rss", "atom", "sitemap", "sitemapindex"
    title: str = ""
    items: list[FeedItem] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)  # a sitemap index's sitemaps


def announced_feeds(root, url: str) -> list[Announced]:
    """The feeds and sitemaps the HTML page ``root`` at ``url`` announces, in page order."""
    found: dict[str, Announced] = {}
    for link in root.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        href = (link.get("href") or "").strip()
        if not href:
            continue
        kind = None
        if "alternate" in rel:
            kind = FEED_TYPES.get((link.get("type") or "").strip().lower()) or None
        elif "sitemap" in rel:
            kind = "sitemap"
        if kind:
            absolute = urljoin(url, href)
            found.setdefault(absolute, Announced(absolute, kind, (link.get("title") or "").strip()))
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if href and _SITEMAP_HREF.search(urlsplit(href).path):
            absolute = urljoin(url, href)
            found.setdefault(absolute, Announced(absolute, "sitemap",
                                                 (anchor.text_content() or "").strip()))
    return list(found.values())


def looks_like_feed(body: bytes) -> bool:
    """True when ``body`` starts like an RSS / Atom feed or a sitemap."""
    return _FEED_START.match(body[:4096]) is not None


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child(element, *names: str):
    for child in element:
        if _local(child.tag) in names:
            return child
    return None


def _text(element, *names: str) -> str | None:
    child = _child(element, *names) if names else element
    if child is None:
        return None
    text = " ".join("".join(child.itertext()).split())
    return text or None


def _iso(text: str | None) -> str | None:
    """An RSS date (RFC 822) as ISO 8601 text; ISO text as it is."""
    if not text:
        return None
    if re.match(r"^\d{4}-\d{2}", text):
        return text
    try:
        return parsedate_to_datetime(text).isoformat()
    except (TypeError, ValueError, IndexError):
        return text


def read_feed(body: bytes, url: str) -> Feed | None:
    """The items of the feed or sitemap ``body`` served at ``url``; None when it is none."""
    if not looks_like_feed(body):
        return None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None:
        return None
    kind = _local(root.tag)
    if kind == "rss" or kind == "RDF":
        channel = _child(root, "channel")
        title = _text(channel, "title") if channel is not None else None
        entries = [e for e in root.iter() if _local(e.tag) == "item"]
        feed = Feed("rss", title or "")
        for entry in entries[:MAX_ITEMS]:
            link = _text(entry, "link") or (entry.get("{http://www.w3.org/1999/02/22-rdf-syntax"
                                                     "-ns#}about") or "").strip()
            guid = _child(entry, "guid")
            if not link and guid is not None and guid.get("isPermaLink", "true") != "false":
                link = _text(guid)
            if link:
                feed.items.append(FeedItem(urljoin(url, link), _text(entry, "title"),
                                           _iso(_text(entry, "pubDate", "date", "published"))))
        return feed
    if kind == "feed":
        feed = Feed("atom", _text(root, "title") or "")
        for entry in [e for e in root if _local(e.tag) == "entry"][:MAX_ITEMS]:
            links = [e for e in entry if _local(e.tag) == "link"]
            chosen = next((e for e in links if e.get("rel", "alternate") == "alternate"
                           and e.get("href")), None)
            if chosen is not None:
                feed.items.append(FeedItem(urljoin(url, chosen.get("href").strip()),
                                           _text(entry, "title"),
                                           _iso(_text(entry, "published", "updated"))))
        return feed
    if kind in ("urlset", "sitemapindex"):
        feed = Feed(kind)
        for entry in [e for e in root if _local(e.tag) in ("url", "sitemap")][:MAX_ITEMS]:
            loc = _text(entry, "loc")
            if not loc:
                continue
            if kind == "sitemapindex":
                feed.next_pages.append(urljoin(url, loc))
                continue
            news = _child(entry, "news")
            title = _text(news, "title") if news is not None else None
            shown = _text(news, "publication_date") if news is not None else None
            feed.items.append(FeedItem(urljoin(url, loc), title,
                                       _iso(shown or _text(entry, "lastmod"))))
        # newest first, as a list page (the spiders take the first links of a long list)
        feed.items.sort(key=lambda item: item.listed_at or "", reverse=True)
        return feed
    return None
