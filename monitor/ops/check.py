"""``monitor check SOURCE|URL``: what the monitor sees on a source, before it is trusted.

For the person deploying the monitor: fetches the source's start pages (live, or from a
saved-page folder with ``--replay``), prints the article links found with the dates the
list shows, then extracts the first few articles and prints each field with the rule that
produced it. A field that fell through to the generic fallback (trafilatura, or anything
but the site family's template on a NetEase / China News / VSB source) is marked
``WARNING``. Exit 0 when articles were found and read, 1 when no article link was found
or no article could be read (the layout changed, or the source is misconfigured).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from monitor.article.dates import parse_date
from monitor.config.kinds import SITE_RULE_KINDS
from monitor.config.sources import Source, get_source, load_sources
from monitor.errors import MonitorError
from monitor.extraction.registry import family_for_kind
from monitor.page.fetched import Page
from monitor.page.replay import ReplayIndex
from monitor.page.saved import fetch_live
from monitor.processing import process_page

FIELDS = ("title", "published_at", "outlet", "author", "body")
BODY_PREVIEW = 60


class CheckError(MonitorError):
    """A page could not be fetched: one plain line."""


@dataclass
class Fetcher:
    """Pages by URL: from a saved-page folder (``--replay``) or the network."""

    replay_dir: str | None = None

    def __post_init__(self) -> None:
        self._index = None
        if self.replay_dir:
            self._index = ReplayIndex.from_dir(self.replay_dir)

    def get(self, url: str) -> Page:
        if self._index is not None:
            saved = self._index.get(url)
            if saved is None:
                raise CheckError(f"no saved page for {url} in {self.replay_dir}")
        else:
            try:
                saved = fetch_live(url)
            except (OSError, ValueError) as error:
                raise CheckError(f"could not fetch {url}: {error}") from error
        if saved.status >= 400:
            raise CheckError(f"{url} answered HTTP {saved.status}")
        return Page.from_saved(saved)


def source_for(target: str, sources_file: str | None) -> Source:
    """The configured source named ``target``, or an ad-hoc one for a URL."""
    if "://" in target:
        return Source(name=target, kind="", start_urls=(target,))
    return get_source(load_sources(sources_file), target)


def check(source: Source, fetcher: Fetcher, *, articles: int = 3,
          out: Callable[[str], None] = print) -> int:
    """Print what the monitor finds on ``source``; the exit code (0 / 1)."""
    kind = source.kind or None
    selectors = dict(source.selectors)
    if source.article_url_pattern:
        selectors["article_url_pattern"] = source.article_url_pattern
    out(f"source {source.name} (kind {source.kind or 'detected from each page'})")
    if source.javascript:
        out("WARNING: this source's lists need JavaScript; links below come from the raw "
            "HTML only (the crawl renders them in Chromium)")
    links = []
    for url in source.start_urls:
        try:
            page = fetcher.get(url)
        except CheckError as error:
            out(f"FAILED: {error}")
            continue
        family = family_for_kind(kind, page)
        listing = family.parse_list(page, selectors)
        out(f"{url}: {len(listing.articles)} article link(s) ({family.name} rules)")
        for link in listing.articles:
            listed = parse_date(link.listed_at, fetched_at=page.fetched_at) \
                if link.listed_at else None
            shown = f"{link.listed_at} = {listed:%Y-%m-%d %H:%M}" if listed else (
                f"{link.listed_at} (unreadable)" if link.listed_at else "no date listed")
            out(f"  {link.url}  [{shown}]  {link.title or ''}")
        for next_page in listing.next_pages[:3]:
            out(f"  next list page: {next_page}")
        links.extend(listing.articles)
    if not links:
        out("FAILED: no article link found: check the start URL, the kind and the "
            "list_links / article_url_pattern selectors")
        return 1
    read = 0
    for link in links[:articles]:
        out("")
        out(f"article {link.url}")
        try:
            page = fetcher.get(link.url)
        except CheckError as error:
            out(f"  FAILED: {error}")
            continue
        article = process_page(page, source=source.name, kind=kind,
                               selectors=selectors or None, drop_unusable=False)
        read += bool(article.title and article.body)
        for line in describe(article, specific=source.kind in SITE_RULE_KINDS):
            out("  " + line)
    if not read:
        out("FAILED: no article could be read (no title or no body)")
        return 1
    return 0


def describe(article, *, specific: bool) -> list[str]:
    """One line per field: value, the rule that gave it, a warning on a fallback."""
    lines = [f"site rules: {article.site or 'none'}"]
    origins = dict(article.field_origins)
    origins["published_at"] = article.published_origin or ""
    for name in FIELDS:
        value = getattr(article, name)
        origin = origins.get(name) or ""
        if value is None:
            lines.append(f"{name}: MISSING")
            continue
        if name == "published_at":
            shown = value.isoformat()
        elif name == "body":
            shown = f"{len(value)} characters: {value[:BODY_PREVIEW]}…"
        else:
            shown = str(value)
        warning = ""
        if origin.startswith("generic:") or (specific and name in ("title", "body")
                                             and not origin.startswith("site:")):
            warning = "  WARNING: generic fallback, not the site's rules"
        lines.append(f"{name}: {shown}  ({origin or 'no rule'}){warning}")
    return lines
