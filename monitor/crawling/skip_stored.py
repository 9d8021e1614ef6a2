"""Spider middleware: never download an article page that is already stored.

The article links a list page yields are looked up together, in one query: each is
dropped when its URL key is stored, as an article's own key or as the key of the address
the article was fetched from (``Storage.stored_url_keys``).
"""

from __future__ import annotations

from scrapy import Request, signals

from monitor.crawling.database import crawler_storage
from monitor.page.urls import url_key
from monitor.storage.database import Storage


class SkipStoredMiddleware:
    """Drops requests marked ``meta["article"]`` whose page is stored; counts them per
    source (``skipped_stored``)."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.storage: Storage | None = None
        crawler.signals.connect(self.spider_opened, signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self) -> None:
        self.storage = crawler_storage(self.crawler)

    def process_spider_output(self, response, result):
        yield from self.unstored(list(result))

    async def process_spider_output_async(self, response, result):
        for output in self.unstored([output async for output in result]):
            yield output

    def unstored(self, outputs: list) -> list:
        """``outputs`` without the requests of stored articles."""
        keys = {id(o): url_key(o.url) for o in outputs
                if isinstance(o, Request) and o.meta.get("article")}
        if not keys or self.storage is None:
            return outputs
        stored = self.storage.stored_url_keys(keys.values())
        kept = []
        for output in outputs:
            if keys.get(id(output)) in stored:
                source = output.meta.get("source", "unknown")
                self.crawler.stats.inc_value(f"monitor/{source}/skipped_stored")
            else:
                kept.append(output)
        return kept
