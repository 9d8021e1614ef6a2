"""``monitor add URL``: a working source from an institution's address.

Fetches the page (live, or from saved pages with ``--replay``), tells a list page from an
article page (an article shows its own date line and one main text; from an article page
its column is found through the breadcrumb, ``monitor.extraction.column``), then reads the
list as a crawl would (``monitor.ops.check``): its links, the dates they show, its next
page, the first articles with the rule behind each field. The feeds and sitemaps the page
announces are read too (``monitor.extraction.feeds``): a feed that holds the list's
articles becomes the first start URL (the list page stays: it goes further back, for
``monitor backfill``). The kind is inferred (NetEase, China News, an institution —
hospital, university, health commission, institute — or any other site), the CMS named
from its marks (``monitor.extraction.cms``), and a commented ``[[source]]`` entry written:
selectors only where detection needed help (here: ``javascript`` when the links appear
only in Chromium, ``allowed_domains`` when the articles live on another host).

``propose`` does the reading and returns a ``Proposal`` (its ``entry`` is the TOML text);
``append_entry`` appends it to the sources file, the text above left byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config.sources import Source, load_sources
from monitor.errors import MonitorError
from monitor.extraction.cms import guess_cms
from monitor.extraction.column import column_links
from monitor.extraction.feeds import Announced, read_feed
from monitor.extraction.feeds import announced_feeds as find_feeds
from monitor.extraction.registry import family_for
from monitor.extraction.sitename import SITE_META, is_site_name, site_names, title_segments
from monitor.ops.check import (
    CheckError,
    CheckResult,
    Fetcher,
    describe,
    run_check,
)
from monitor.page.fetched import Page
from monitor.page.urls import url_key
from monitor.processing import process_page

DEFAULT_SCHEDULE = "every 6h"
MIN_LIST_LINKS = 3  # a column page with fewer article links is no list
MIN_ARTICLE_BODY = 150  # characters of main text an article page has at least
FEED_SHARE = 0.5  # a feed holding this share of the list's first links holds the articles
FEED_SAMPLE = 10
MAX_COLUMNS = 3  # breadcrumb links tried, the deepest first
MAX_FEEDS = 3
# What an institution's site says of itself: its host, its name.
INSTITUTION_HOSTS = re.compile(r"\.(?:edu|gov|ac|org)\.cn$|\.edu$|\.gov$")
INSTITUTION_WORDS = re.compile(
    r"大学|学院|学校|医院|卫生院|保健院|卫生健康|卫健|卫生局|卫生厅|疾病预防|疾控|医学|研究所"
    r"|研究院|研究中心|医疗|中医|委员会|管理局|卫生")
INSTITUTION_CMS = ("博达 VSB", "WebPlus", "TRS WCM", "大汉 Hanweb")
# Host labels that name no institution, and column pages that name no column.
_HOST_NOISE = frozenset("www com cn net org edu gov ac http https m wap news".split())
_PAGE_NOISE = re.compile(r"^(?:index|default|list|lists|main|home)(?:[_-]?\d+)?$", re.I)


class AddError(MonitorError):
    """The page cannot become a source, or the entry cannot be written: one plain line."""


@dataclass
class Proposal:
    url: str  # as given
    list_url: str  # the list page read (the column of an article page)
    page_kind: str  # "list" or "article"
    check: CheckResult
    kind: str
    name: str
    title: str
    start_urls: list[str]
    javascript: bool = False
    allowed_domains: list[str] = field(default_factory=list)
    cms: tuple[str, str] | None = None
    feeds: list[tuple[Announced, int, int]] = field(default_factory=list)  # feed, items, shared
    used_feed: str | None = None
    column_from: str | None = None  # how an article page's column was found
    warnings: list[str] = field(default_factory=list)
    entry: str = ""

    @property
    def dated_share(self) -> float:
        links = self.check.links
        return sum(1 for link in links if link.listed_at) / len(links) if links else 0.0

    @property
    def ok(self) -> bool:
        return bool(self.check.links) and (self.check.wanted == 0 or self.check.read > 0)


def tree(page: Page):
    return page.selector.root


def is_article_page(page: Page) -> bool:
    """True when ``page`` is one article: it shows its own date (a date line, a site rule,
    the page's meta tags: not a date guessed from the whole text) and a main text."""
    article = process_page(page, drop_unusable=False)
    origin = article.published_origin or ""
    body = len(article.body or "")
    return bool(origin) and not origin.startswith("generic:") and body >= MIN_ARTICLE_BODY


def infer_kind(page: Page, title: str, cms: tuple[str, str] | None) -> str:
    family = family_for(page)
    if family.name in ("netease", "chinanews"):
        return family.name
    host = (urlsplit(page.url).hostname or "").lower()
    if (INSTITUTION_HOSTS.search(host) or INSTITUTION_WORDS.search(title or "")
            or (cms and cms[0] in INSTITUTION_CMS)):
        return "institution"
    return "generic"


def site_title(page: Page) -> str:
    """The site's own name: the ``<title>`` part that is the site's name, else the name its
    logo, meta tags or rights line give, else the last ``<title>`` part."""
    root = tree(page)
    names = site_names(root)
    head = next(root.iter("title"), None)
    parts = title_segments(head.text_content() if head is not None else "")
    for part in reversed(parts):
        if is_site_name(part, names):
            return part
    for meta in root.iter("meta"):
        if (meta.get("property") or meta.get("name") or "").lower() in SITE_META \
                and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    return parts[-1] if parts else ""


def default_name(list_url: str) -> str:
    """``https://www.dmu.edu.cn/tzgg/gzdt.htm`` → ``dmu-gzdt``: the host's own label and
    the column's."""
    parts = urlsplit(list_url)
    labels = [label for label in (parts.hostname or "").lower().split(".")
              if label not in _HOST_NOISE]
    site = labels[-1] if labels else "site"
    segments = [s for s in parts.path.split("/") if s]
    column = ""
    while segments:
        stem = segments.pop().rsplit(".", 1)[0]
        if stem and not _PAGE_NOISE.match(stem) and not stem.isdigit():
            column = stem
            break
    slug = re.sub(r"[^a-z0-9]+", "-", f"{site}-{column}".lower()).strip("-")
    return slug or "site"


def _free_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name}-{number}" in taken:
        number += 1
    return f"{name}-{number}"


def known_source(sources: list[Source], urls: list[str]) -> Source | None:
    """The source whose start URLs hold one of ``urls`` (any form of the URL)."""
    keys = {url_key(url) for url in urls}
    for source in sources:
        if keys & {url_key(url) for url in source.start_urls}:
            return source
    return None


def _find_column(page: Page, fetcher: Fetcher) -> tuple[Page, str] | None:
    for url in column_links(tree(page), page.url)[:MAX_COLUMNS]:
        try:
            column = fetcher.get(url)
        except CheckError:
            continue
        listing = family_for(column).parse_list(column, {})
        if len(listing.articles) >= MIN_LIST_LINKS:
            return column, url
    return None


def _read_feeds(announced: list[Announced], fetcher: Fetcher, links: list[str]
                ) -> list[tuple[Announced, int, int, list]]:
    sample = {url_key(url) for url in links[:FEED_SAMPLE]}
    read = []
    for feed in announced[:MAX_FEEDS]:
        try:
            page = fetcher.get(feed.url)
        except CheckError:
            read.append((feed, 0, 0, []))
            continue
        found = read_feed(page.body, feed.url)
        items = found.items if found else []
        shared = len(sample & {url_key(item.url) for item in items})
        read.append((feed, len(items), shared, items))
    return read


def propose(url: str, fetcher: Fetcher, sources: list[Source], *, name: str | None = None,
            title: str | None = None, articles: int = 3) -> Proposal:
    """Read ``url`` as a new source; ``AddError`` when it cannot be one."""
    taken = {source.name for source in sources}
    if name and name in taken:
        raise AddError(f"a source named {name!r} is already in the sources file")
    if (known := known_source(sources, [url])) is not None:
        raise AddError(f"{url} is already a start URL of source {known.name!r}")
    try:
        page = fetcher.get(url)
    except CheckError as error:
        raise AddError(str(error)) from error
    page_kind, column_from, list_page = "list", None, page
    if is_article_page(page):
        page_kind = "article"
        found = _find_column(page, fetcher)
        if found is None:
            raise AddError(f"{url} is an article page and no column (breadcrumb 当前位置, "
                           "返回列表) leading to its list was found: give the list page's URL")
        list_page, column_url = found
        column_from = f"the breadcrumb of the article page {url}"
        if (known := known_source(sources, [column_url])) is not None:
            raise AddError(f"the article's column {column_url} is already a start URL of "
                           f"source {known.name!r}")
    list_url = list_page.url
    cms = guess_cms(list_page.text, list_url)
    site = title or site_title(list_page) or site_title(page)
    kind = infer_kind(list_page, site, cms)
    probe = Source(name=name or default_name(list_url), kind=kind, start_urls=(list_url,),
                   title=site)
    result = run_check(probe, fetcher, articles=articles)
    warnings = list(result.warnings)
    javascript = False
    if not result.links and fetcher.can_render:
        rendered = run_check(Source(probe.name, kind, (list_url,), javascript=True),
                             fetcher, articles=articles)
        if rendered.links:
            result, javascript = rendered, True
            warnings = list(rendered.warnings)
    links = [link.url for link in result.links]
    announced = find_feeds(tree(list_page), list_url)
    if page is not list_page:
        announced += [a for a in find_feeds(tree(page), url) if a not in announced]
    feeds = _read_feeds(announced, fetcher, links)
    start_urls = [list_url]
    used_feed = None
    wanted = min(len(links), FEED_SAMPLE)
    for feed, count, shared, _items in feeds:
        if feed.kind in ("rss", "atom") and wanted and shared >= FEED_SHARE * wanted:
            used_feed = feed.url
            start_urls = [feed.url, list_url]
            break
        if not links and count and feed.kind in ("rss", "atom", "sitemap"):
            used_feed = feed.url  # no list in the page: the feed is the list
            start_urls = [feed.url]
            result = run_check(Source(probe.name, "generic", (feed.url,)), fetcher,
                               articles=articles)
            kind = "generic" if kind != "institution" else kind
            break
    if (known := known_source(sources, start_urls)) is not None:
        raise AddError(f"{start_urls[0]} is already a start URL of source {known.name!r}")
    start_hosts = {urlsplit(u).hostname for u in start_urls}
    article_hosts = {urlsplit(link.url).hostname for link in result.links}
    allowed = sorted(h for h in start_hosts | article_hosts if h) \
        if article_hosts - start_hosts and kind in ("institution", "generic") else []
    proposal = Proposal(
        url=url, list_url=list_url, page_kind=page_kind, check=result, kind=kind,
        name=name or _free_name(default_name(list_url), taken), title=site,
        start_urls=start_urls, javascript=javascript, allowed_domains=allowed, cms=cms,
        feeds=[(feed, count, shared) for feed, count, shared, _ in feeds],
        used_feed=used_feed, column_from=column_from, warnings=warnings)
    proposal.entry = entry_text(proposal)
    return proposal


def _toml(value) -> str:
    """A TOML value: strings as basic strings (JSON's escapes are TOML's), lists of them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)


def _comment(text: str) -> str:
    return "# " + " ".join(str(text).split())


def entry_text(proposal: Proposal, today: date | None = None) -> str:
    """The commented ``[[source]]`` entry for ``proposal``."""
    check = proposal.check
    links = check.links
    lines = ["", _comment(f"added by `monitor add {proposal.url}` on "
                          f"{(today or date.today()).isoformat()}")]
    if proposal.column_from:
        lines.append(_comment(f"the list page is the column found through {proposal.column_from}"))
    nexts = check.next_pages
    lines.append(_comment(
        f"list: {len(links)} article link(s), {proposal.dated_share:.0%} with a shown date; "
        + (f"next page {nexts[0]}" if nexts else "no next page found")))
    if proposal.cms:
        lines.append(_comment(f"CMS: {proposal.cms[0]} (marked by {proposal.cms[1]!r})"))
    if proposal.used_feed:
        lines.append(_comment(f"feed {proposal.used_feed} holds the list's articles: read first"))
    if proposal.javascript:
        lines.append(_comment("the list's links appear only once its scripts ran: read "
                              "through Chromium"))
    if proposal.allowed_domains:
        lines.append(_comment("the articles are on another host than the list"))
    lines += [
        "[[source]]",
        f"name = {_toml(proposal.name)}",
        f"title = {_toml(proposal.title)}",
        f"kind = {_toml(proposal.kind)}",
        f"start_urls = {_toml(proposal.start_urls)}",
    ]
    if proposal.javascript:
        lines.append("javascript = true")
    if proposal.allowed_domains:
        lines.append(f"allowed_domains = {_toml(proposal.allowed_domains)}")
    lines += [f"schedule = {_toml(DEFAULT_SCHEDULE)}", f"last_seen = {_toml('not checked')}"]
    return "\n".join(lines) + "\n"


def append_entry(path: str | os.PathLike, entry: str) -> None:
    """Append ``entry`` to the sources file at ``path`` (created when missing): what was
    there stays byte for byte; the result must load (``load_sources``) with the new source,
    else nothing is written. Written whole to a temporary file, then renamed."""
    path = Path(path)
    old = path.read_bytes() if path.exists() else b""
    joint = b"" if not old or old.endswith(b"\n") else b"\n"
    new = old + joint + entry.encode("utf-8")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".toml",
                                         dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(new)
        try:
            load_sources(temporary)
        except MonitorError as error:
            raise AddError(f"the new entry would make {path} invalid; nothing written: "
                           f"{str(error).splitlines()[0]}") from error
        if path.exists():
            shutil.copymode(path, temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def report(proposal: Proposal) -> list[str]:
    """What ``monitor add`` found, for people."""
    check = proposal.check
    lines = []
    if proposal.page_kind == "article":
        lines.append(f"{proposal.url} is an article page; its column {proposal.list_url} was "
                     f"found through {proposal.column_from}")
    lines.append(f"list page {proposal.list_url}"
                 + (" (rendered in Chromium)" if proposal.javascript else ""))
    cms = f"{proposal.cms[0]} (marked by {proposal.cms[1]!r})" if proposal.cms else "not recognised"
    lines.append(f"  site: {proposal.title or '?'}; CMS: {cms}; kind: {proposal.kind}")
    links = check.links
    dated = sum(1 for link in links if link.listed_at)
    lines.append(f"  {len(links)} article link(s), {dated} with a shown date "
                 f"({proposal.dated_share:.0%})")
    for link in links[:10]:
        shown = f"{link.listed_at:%Y-%m-%d %H:%M}" if link.listed_at else (
            f"{link.listed_text} (unreadable)" if link.listed_text else "no date")
        lines.append(f"    {link.url}  [{shown}]  {link.title or ''}")
    if len(links) > 10:
        lines.append(f"    … {len(links) - 10} more")
    nexts = check.next_pages
    lines.append(f"  next list page: {nexts[0]}" if nexts else "  next list page: none found")
    for feed, count, shared in proposal.feeds:
        used = "  → used as a start URL" if feed.url == proposal.used_feed else ""
        lines.append(f"  announces {feed.kind} {feed.url}: {count} item(s), {shared} of the "
                     f"list's first links{used}")
    for checked in check.articles:
        lines.append(f"  article {checked.url}")
        if checked.article is None:
            lines.append(f"    FAILED: {checked.error}")
            continue
        lines += ["    " + line for line in describe(
            checked.article, specific=proposal.kind in ("netease", "chinanews"))]
    for warning in proposal.warnings:
        lines.append(f"  WARNING: {warning}")
    return lines
