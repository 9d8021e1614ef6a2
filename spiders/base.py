from __future__ import annotations

from typing import ClassVar

import scrapy
from scrapy import signals

from monitor import settings as defaults
from monitor.article.dates import parse_date
from monitor.article.item import DateCandidate
from monitor.config.sources import Source, load_sources
from monitor.crawling.extraction import Extractor
from monitor.crawling.failures import classify_failure
from monitor.crawling.progress import list_page_read
from monitor.errors import ConfigError
from monitor.extraction.registry import family_for_kind
from monitor.page.fetched import Page


class SourceSpider(scrapy.Spider):
    """Crawls the sources of one kind: their list pages, then the articles they link."""

    kind: ClassVar[str]
    # registrable domains of the kind's sites (list and article hosts differ on big sites)
    kind_domains: ClassVar[tuple[str, ...]] = ()
    # pages are cut at this size before parsing; None: MONITOR_MAX_PARSE_BYTES's default
    max_parse_bytes: int | None = None

    def __init__(self, *args, source: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_names = [n.strip() for n in (source or "").split(",") if n.strip()]
        self.sources: list[Source] = []
        self.max_links = defaults.MONITOR_MAX_LINKS_PER_LIST  # from_crawler: the setting
        self.max_list_pages = 0  # MONITOR_MAX_LIST_PAGES; 0: each source's own
        self.extractor = Extractor()  # in this process; from_crawler reads the setting

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.sources = cls.select_sources(
            load_sources(crawler.settings.get("MONITOR_SOURCES")), spider.source_names
        )
        spider.max_links = crawler.settings.getint("MONITOR_MAX_LINKS_PER_LIST")
        spider.max_list_pages = crawler.settings.getint("MONITOR_MAX_LIST_PAGES")
        domains = set(cls.kind_domains)
        for source in spider.sources:
            domains.update(source.domains)
        spider.allowed_domains = sorted(domains)
        spider.max_parse_bytes = crawler.settings.getint("MONITOR_MAX_PARSE_BYTES") or None
        spider.extractor = Extractor.from_settings(crawler.settings)
        crawler.signals.connect(spider.extractor.close, signals.spider_closed)
        return spider

    @classmethod
    def select_sources(cls, sources: list[Source], names: list[str]) -> list[Source]:
        by_name = {s.name: s for s in sources}
        for name in names:
            if name not in by_name:
                raise ConfigError(f"no source named {name!r} in the sources file")
            if by_name[name].kind != cls.kind:
                raise ConfigError(f"source {name!r} is of kind {by_name[name].kind!r}, "
                                  f"not {cls.kind!r}: crawl it with that spider")
        if names:
            return [by_name[name] for name in names]
        return [s for s in sources if s.kind == cls.kind and s.enabled]

    def source_named(self, name: str) -> Source:
        return next(s for s in self.sources if s.name == name)

    async def start(self):
        for source in self.sources:
            for url in source.start_urls:
                yield self.list_request(url, source, number=1)

    def list_request(self, url: str, source: Source, number: int, **meta) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.on_error,
            meta={"source": source.name, "list_page": number,
                  "playwright": source.javascript, **meta},
        )

    def parse_list(self, response):
        source = self.source_named(response.meta["source"])
        page = Page.from_response(response)
        selectors = dict(source.selectors)
        if source.article_url_pattern:
            selectors["article_url_pattern"] = source.article_url_pattern
        listing = family_for_kind(source.kind, page).parse_list(page, selectors)
        links = listing.articles[:self.max_links]  # lists put the newest first
        if len(listing.articles) > len(links):
            cut = len(listing.articles) - len(links)
            self.crawler.stats.inc_value(f"monitor/{source.name}/links_cut", cut)
            self.logger.warning("%s: %d link(s) on %s beyond MONITOR_MAX_LINKS_PER_LIST (%d) "
                                "not followed", source.name, cut, response.url, self.max_links)
        listed_dates = []
        for position, link in enumerate(links):
            listed = parse_date(link.listed_at, fetched_at=page.fetched_at) \
                if link.listed_at else None
            if listed is not None:
                listed_dates.append(listed)
            yield scrapy.Request(
                link.url,
                callback=self.parse_article,
                errback=self.on_error,
                priority=-position,  # fetched in list order, not last-listed first
                meta={"source": source.name, "article": True, "listed_date": listed,
                      "list_fetched_at": page.fetched_at},
            )
        number = response.meta["list_page"]
        if getattr(self, "crawler", None) is not None:  # a spider built without one: tests
            self.crawler.signals.send_catch_log(
                list_page_read, source=source.name, number=number, url=response.url,
                links=len(links), newest=max(listed_dates, default=None),
                oldest=min(listed_dates, default=None))
        if listing.next_pages and number < (self.max_list_pages or source.max_list_pages):
            yield self.list_request(listing.next_pages[0], source, number + 1,
                                    oldest_listed=min(listed_dates, default=None),
                                    newest_listed=max(listed_dates, default=None),
                                    list_fetched_at=page.fetched_at)
        elif listing.next_pages:
            self.crawler.stats.inc_value(f"monitor/{source.name}/stopped_at_page_limit")

    async def parse_article(self, response):
        source = self.source_named(response.meta["source"])
        selectors = dict(source.selectors)
        article = await self.extractor.extract(
            Page.from_response(response), source=source.name, kind=source.kind,
            selectors=selectors, max_bytes=self.max_parse_bytes)
        article.publisher = source.title or None
        listed = response.meta.get("listed_date")
        if listed is not None:  # the list's shown time: the last tier before the URL date
            article.date_candidates.append(DateCandidate(listed.isoformat(), "listed"))
        yield article

    def on_error(self, failure):
        """Every failed request: counted by kind (``monitor.crawling.failures``); an error
        is named in the run record and the log, a request left out on purpose is not."""
        request = failure.request
        source = request.meta.get("source", "unknown")
        found = classify_failure(failure, request.url)
        if found.skipped:
            if found.kind != "stored":  # SkipStoredMiddleware counted it already
                self.crawler.stats.inc_value(f"monitor/{source}/skipped/{found.kind}")
            return
        self.crawler.stats.inc_value(f"monitor/{source}/errors/{found.kind}")
        self.crawler.stats.set_value(f"monitor/{source}/last_error", found.message)
        self.logger.warning("%s: %s", source, found.message)
