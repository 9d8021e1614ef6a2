"""Spider middleware: stop paginating a list once it reaches articles older than the horizon.

The horizon of a source is its last successful run minus ``MONITOR_HORIZON_DAYS``; with
no successful run yet, only the source's page limit applies. Spiders mark next-page
requests with ``meta["oldest_listed"]``: the oldest date on the page that links them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scrapy import Request, signals
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from monitor.storage import Storage


class HorizonMiddleware(BaseSpiderMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.days = crawler.settings.getfloat("MONITOR_HORIZON_DAYS", 1.0)
        self.horizons: dict[str, datetime | None] = {}
        crawler.signals.connect(self.spider_opened, signals.spider_opened)

    def spider_opened(self, spider) -> None:
        storage = Storage.from_settings(self.crawler.settings)
        try:
            for source in getattr(spider, "sources", ()):
                last = storage.last_successful_run(source.name)
                days = source.horizon_days if source.horizon_days is not None else self.days
                self.horizons[source.name] = (
                    last.started_at - timedelta(days=days) if last else None
                )
        finally:
            storage.close()

    def get_processed_request(self, request: Request, response) -> Request | None:
        oldest = request.meta.get("oldest_listed")
        source = request.meta.get("source")
        horizon = self.horizons.get(source)
        if oldest is None or horizon is None or oldest >= horizon:
            return request
        self.crawler.stats.inc_value(f"monitor/{source}/stopped_at_horizon")
        return None
