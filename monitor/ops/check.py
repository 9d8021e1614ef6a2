"""``monitor check SOURCE|URL``: what the monitor sees on a source, before it is trusted.

For the person deploying the monitor: fetches the source's start pages (live, or from a
saved-page folder with ``--replay``), finds the article links with the dates the list
shows and the next list pages, then extracts the first few articles with the rule that
produced each field. A field that fell through to the generic fallback (trafilatura, or
anything but the site family's template on a NetEase / China News / VSB source) gives a
warning. The list pages of a ``javascript = true`` source are rendered in Chromium, as the
crawl renders them (``Fetcher.render``). ``check`` returns it all as a ``CheckResult``;
``render_text`` prints it for people, ``CheckResult.as_json`` is the contract for scripts::

    {"source", "kind", "links": [{"url", "title", "listed_at", "listed_text"}],
     "next_pages": [...], "articles": [{"url", "title", "published_at", "outlet",
     "author", "body", "site", "rules": {field: rule}, "warnings": [...]}],
     "warnings": [...], "ok": bool}

Exit 0 when articles were found and read (with ``articles=0``: when links were found), 1
when no article link was found or no article could be read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
RENDER_WAIT_MS = 1500  # after the load event, time for a list's scripts to fill it in
FALLBACK_WARNING = "generic fallback, not the site's rules"


class CheckError(MonitorError):
    """A page could not be fetched: one plain line."""


@dataclass
class Fetcher:
    """Pages by URL: from a saved-page folder (``--replay``) or the network; ``render``
    runs the page's scripts in Chromium (``launch_options``: the crawl's
    ``PLAYWRIGHT_LAUNCH_OPTIONS``, with the system browser's path)."""

    replay_dir: str | None = None
    launch_options: dict | None = None

    def __post_init__(self) -> None:
        self._index = None
        if self.replay_dir:
            self._index = ReplayIndex.from_dir(self.replay_dir)

    def saved(self, url: str):
        if self._index is not None:
            saved = self._index.get(url)
            if saved is None:
                raise CheckError(f"no saved page for {url} in {self.replay_dir}")
            return saved
        try:
            return fetch_live(url)
        except (OSError, ValueError) as error:
            raise CheckError(f"could not fetch {url}: {error}") from error

    def get(self, url: str) -> Page:
        saved = self.saved(url)
        if saved.status >= 400:
            raise CheckError(f"{url} answered HTTP {saved.status}")
        return Page.from_saved(saved)

    @property
    def can_render(self) -> bool:
        return bool((self.launch_options or {}).get("executable_path"))

    def render(self, url: str) -> Page:
        """The page as Chromium shows it once its scripts ran; with ``--replay`` every
        request of the browser (the page, its scripts, its XHR) is answered from the saved
        pages, as the crawl's download handler does."""
        if not self.can_render:
            raise CheckError("no Chromium found (install Debian's chromium, or set "
                             "MONITOR_BROWSER)")
        first = self.get(url)  # a missing saved page is the same one line as without JS
        # start-up: Playwright is imported only when a page is rendered
        from playwright.sync_api import Error as BrowserError
        from playwright.sync_api import sync_playwright

        options = dict(self.launch_options or {})
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(**options)
                try:
                    tab = browser.new_page()
                    if self._index is not None:
                        tab.route("**/*", self._fulfil)
                    tab.goto(url, wait_until="load", timeout=30_000)
                    tab.wait_for_timeout(RENDER_WAIT_MS)
                    html = tab.content()
                finally:
                    browser.close()
        except BrowserError as error:
            raise CheckError(f"could not render {url} in Chromium: "
                             f"{str(error).splitlines()[0]}") from error
        return Page(url=url, body=html.encode("utf-8"),
                    headers={"Content-Type": "text/html; charset=utf-8"},
                    fetched_at=first.fetched_at)

    def _fulfil(self, route) -> None:
        saved = self._index.get(route.request.url)
        if saved is None:
            route.fulfill(status=404, body="not saved")
            return
        headers = {k: v for k, v in saved.headers.items()
                   if k.lower() not in ("content-length", "content-encoding",
                                        "transfer-encoding", "connection")}
        route.fulfill(status=saved.status, headers=headers, body=saved.body)


def source_for(target: str, sources_file: str | None) -> Source:
    """The configured source named ``target``, or an ad-hoc one for a URL."""
    if "://" in target:
        return Source(name=target, kind="", start_urls=(target,))
    return get_source(load_sources(sources_file), target)


@dataclass
class CheckedLink:
    url: str
    title: str | None
    listed_text: str | None  # the date as the list shows it
    listed_at: object = None  # that date read (datetime), None when absent or unreadable

    def as_json(self) -> dict:
        return {"url": self.url, "title": self.title,
                "listed_at": self.listed_at.isoformat() if self.listed_at else None,
                "listed_text": self.listed_text}


@dataclass
class CheckedList:
    url: str
    family: str = ""
    links: list[CheckedLink] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    rendered: bool = False
    error: str | None = None


@dataclass
class CheckedArticle:
    url: str
    article: object = None  # the processed Article, None when it could not be fetched
    error: str | None = None
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        if self.article is None:
            return {"url": self.url, "error": self.error}
        article = self.article
        origins = field_rules(article)
        return {
            "url": self.url,
            "title": article.title,
            "published_at": article.published_at.isoformat() if article.published_at else None,
            "outlet": article.outlet,
            "author": article.author,
            "body": article.body,
            "site": article.site,
            "rules": {name: origins.get(name) or None for name in FIELDS},
            "warnings": self.warnings,
        }


@dataclass
class CheckResult:
    source: Source
    lists: list[CheckedList] = field(default_factory=list)
    articles: list[CheckedArticle] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    wanted: int = 3  # articles asked for

    @property
    def links(self) -> list[CheckedLink]:
        return [link for listed in self.lists for link in listed.links]

    @property
    def next_pages(self) -> list[str]:
        return [url for listed in self.lists for url in listed.next_pages]

    @property
    def read(self) -> int:
        return sum(1 for a in self.articles if a.article is not None
                   and a.article.title and a.article.body)

    @property
    def ok(self) -> bool:
        return bool(self.links) and (self.wanted == 0 or self.read > 0)

    def as_json(self) -> dict:
        return {
            "source": self.source.name,
            "kind": self.source.kind or None,
            "links": [link.as_json() for link in self.links],
            "next_pages": self.next_pages,
            "articles": [a.as_json() for a in self.articles],
            "warnings": self.warnings,
            "ok": self.ok,
        }


def source_selectors(source: Source) -> dict[str, str]:
    selectors = dict(source.selectors)
    if source.article_url_pattern:
        selectors["article_url_pattern"] = source.article_url_pattern
    return selectors


def read_list(page: Page, kind: str | None, selectors: dict) -> CheckedList:
    """The article links and next pages the crawl would take from the list ``page``."""
    family = family_for_kind(kind, page)
    listing = family.parse_list(page, selectors)
    links = []
    for link in listing.articles:
        listed = parse_date(link.listed_at, fetched_at=page.fetched_at) \
            if link.listed_at else None
        links.append(CheckedLink(link.url, link.title, link.listed_at, listed))
    return CheckedList(page.url, family.name, links, list(listing.next_pages))


def read_article(fetcher: Fetcher, url: str, source: Source, *, kind: str | None,
                 selectors: dict) -> CheckedArticle:
    try:
        page = fetcher.get(url)
    except CheckError as error:
        return CheckedArticle(url, error=str(error))
    article = process_page(page, source=source.name, kind=kind,
                           selectors=selectors or None, drop_unusable=False)
    specific = source.kind in SITE_RULE_KINDS
    origins = field_rules(article)
    warnings = [f"{name}: {FALLBACK_WARNING} ({origins.get(name)})" for name in FIELDS
                if getattr(article, name) is not None
                and is_fallback(name, origins.get(name) or "", specific)]
    return CheckedArticle(url, article, warnings=warnings)


def run_check(source: Source, fetcher: Fetcher, *, articles: int = 3) -> CheckResult:
    """What the monitor finds on ``source``: its lists (rendered in Chromium for a
    JavaScript source, as the crawl does), then the first ``articles`` articles."""
    kind = source.kind or None
    selectors = source_selectors(source)
    result = CheckResult(source, wanted=articles)
    for url in source.start_urls:
        try:
            if source.javascript and fetcher.can_render:
                page, rendered = fetcher.render(url), True
            else:
                page, rendered = fetcher.get(url), False
        except CheckError as error:
            result.lists.append(CheckedList(url, error=str(error)))
            result.warnings.append(str(error))
            continue
        listed = read_list(page, kind, selectors)
        listed.rendered = rendered
        result.lists.append(listed)
    if source.javascript and not fetcher.can_render:
        result.warnings.append(
            "this source's lists are built by JavaScript: the crawl reads them through "
            "Chromium, which is not installed here (links below are from the raw HTML)")
    for link in result.links[:max(articles, 0)]:
        checked = read_article(fetcher, link.url, source, kind=kind, selectors=selectors)
        result.articles.append(checked)
        result.warnings.extend(f"{link.url}: {w}" for w in checked.warnings)
        if checked.error:
            result.warnings.append(checked.error)
    return result


def render_text(result: CheckResult, out: Callable[[str], None] = print) -> None:
    """``result`` for people: the links with their shown dates, the next pages, each
    field of the sampled articles with its rule."""
    source = result.source
    out(f"source {source.name} (kind {source.kind or 'detected from each page'})")
    for listed in result.lists:
        if listed.error:
            out(f"FAILED: {listed.error}")
            continue
        how = ", rendered in Chromium" if listed.rendered else ""
        out(f"{listed.url}: {len(listed.links)} article link(s) ({listed.family} rules{how})")
        for link in listed.links:
            shown = (f"{link.listed_text} = {link.listed_at:%Y-%m-%d %H:%M}" if link.listed_at
                     else f"{link.listed_text} (unreadable)" if link.listed_text
                     else "no date listed")
            out(f"  {link.url}  [{shown}]  {link.title or ''}")
        for next_page in listed.next_pages[:3]:
            out(f"  next list page: {next_page}")
    if source.javascript and not any(listed.rendered for listed in result.lists):
        out("WARNING: this source's lists are built by JavaScript; the crawl reads them "
            "through Chromium, not installed here: links above come from the raw HTML")
    if not result.links:
        if source.javascript and not any(listed.rendered for listed in result.lists):
            return
        out("FAILED: no article link found: check the start URL, the kind and the "
            "list_links / article_url_pattern selectors")
        return
    for checked in result.articles:
        out("")
        out(f"article {checked.url}")
        if checked.article is None:
            out(f"  FAILED: {checked.error}")
            continue
        for line in describe(checked.article, specific=source.kind in SITE_RULE_KINDS):
            out("  " + line)
    if result.wanted and not result.read:
        out("FAILED: no article could be read (no title or no body)")


def exit_code(result: CheckResult) -> int:
    """0 when it works; 1 when no link was found or no article read. A JavaScript list that
    could not be rendered here is no failure (the crawl renders it): 0, with its warning."""
    if not result.links and result.source.javascript and not any(
            listed.rendered for listed in result.lists):
        return 0
    return 0 if result.ok else 1


def check(source: Source, fetcher: Fetcher, *, articles: int = 3,
          out: Callable[[str], None] = print) -> int:
    """Print what the monitor finds on ``source``; the exit code (0 / 1)."""
    result = run_check(source, fetcher, articles=articles)
    render_text(result, out)
    return exit_code(result)


def field_rules(article) -> dict[str, str]:
    origins = dict(article.field_origins)
    origins["published_at"] = article.published_origin or ""
    return origins


def is_fallback(name: str, origin: str, specific: bool) -> bool:
    return origin.startswith("generic:") or (specific and name in ("title", "body")
                                             and not origin.startswith("site:"))


def describe(article, *, specific: bool) -> list[str]:
    """One line per field: value, the rule that gave it, a warning on a fallback."""
    lines = [f"site rules: {article.site or 'none'}"]
    origins = field_rules(article)
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
        warning = f"  WARNING: {FALLBACK_WARNING}" if is_fallback(name, origin, specific) \
            else ""
        lines.append(f"{name}: {shown}  ({origin or 'no rule'}){warning}")
    return lines
