"""Spider middleware: incremental crawling by date.

Article links listed with a date older than the source's horizon are not followed, and a
list is not paginated past a page whose oldest entry is older than the horizon.

The horizon of a source is its last successful run minus ``MONITOR_HORIZON_DAYS``; before
any successful run it is the list page's own fetch time minus ``MONITOR_FIRST_RUN_DAYS``.
Spiders mark article requests with ``meta["listed_date"]``, next-page requests with
``meta["oldest_listed"]`` (the oldest date on the page that links them), and both with
``meta["list_fetched_at"]``. The page limit of the source applies in every case.

A backfill (``MONITOR_BACKFILL_SINCE``, ``monitor backfill``) sets every source's horizon
to that date, and judges a next page by the *newest* date of the page that links it
(``meta["newest_listed"]``): the list is walked back until a page whose every dated item is
older, so an old pinned item (置顶) at the top of a page does not end the walk.

Horizons are read when the spider opens, and again for a source whenever a long-running
crawl starts it anew (``source_started``: the distributed worker taking a start request),
so a worker running for days uses each source's latest run.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from scrapy import Request, signals
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware

from monitor.config.zone import TZ
from monitor.crawling.database import crawler_storage

# a signal, sent with ``source=`` (a Source) when a crawl of the source starts in a crawl
# that is already running: its horizon is read again
source_started = object()


class HorizonMiddleware(BaseSpiderMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        self.days = crawler.settings.getfloat("MONITOR_HORIZON_DAYS")
        self.first_run_days = crawler.settings.getfloat("MONITOR_FIRST_RUN_DAYS")
        self.last_runs: dict[str, datetime | None] = {}
        self.days_of: dict[str, float] = {}
        self.since = backfill_since(crawler.settings.get("MONITOR_BACKFILL_SINCE"))
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.read_horizon, source_started)

    def spider_opened(self, spider) -> None:
        for source in getattr(spider, "sources", ()):
            self.read_horizon(source)

    def read_horizon(self, source) -> None:
        """The source's last successful run, from the database."""
        last = crawler_storage(self.crawler).last_successful_run(source.name)
        self.last_runs[source.name] = last.started_at if last else None
        self.days_of[source.name] = (
            source.horizon_days if source.horizon_days is not None else self.days
        )

    def horizon(self, source: str, list_fetched_at: datetime | None) -> datetime | None:
        if self.since is not None:
            return self.since
        last = self.last_runs.get(source)
        if last is not None:
            return last - timedelta(days=self.days_of.get(source, self.days))
        if list_fetched_at is not None:
            return list_fetched_at - timedelta(days=self.first_run_days)
        return None

    def get_processed_request(self, request: Request, response) -> Request | None:
        meta = request.meta
        dated = meta.get("listed_date") if meta.get("article") else meta.get(
            "newest_listed" if self.since is not None else "oldest_listed")
        horizon = self.horizon(meta.get("source"), meta.get("list_fetched_at"))
        if dated is None or horizon is None or dated >= horizon:
            return request
        counter = "skipped_old" if meta.get("article") else "stopped_at_horizon"
        self.crawler.stats.inc_value(f"monitor/{meta.get('source')}/{counter}")
        return None


def backfill_since(text: str | None) -> datetime | None:
    """``MONITOR_BACKFILL_SINCE`` (``YYYY-MM-DD``) as the start of that day in China's time."""
    if not text:
        return None
    return datetime.combine(date.fromisoformat(str(text).strip()), time(), tzinfo=TZ)
