"""Downloader middleware: never download an article page that is already stored."""

from __future__ import annotations

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest

from monitor.storage import Storage
from monitor.urls import url_key


class SkipStoredMiddleware:
    """Drops requests marked ``meta["article"]`` whose URL key is in the database."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.storage: Storage | None = None
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        self.storage = Storage.from_settings(self.crawler.settings)

    def spider_closed(self) -> None:
        if self.storage is not None:
            self.storage.close()

    def process_request(self, request: Request) -> None:
        if not request.meta.get("article") or self.storage is None:
            return
        if self.storage.has_url_key(url_key(request.url)):
            source = request.meta.get("source", "unknown")
            self.crawler.stats.inc_value(f"monitor/{source}/skipped_stored")
            raise IgnoreRequest(f"already stored: {request.url}")
