"""Extension: count what each source's crawl did and record the run in the database.

Counters live in the crawler's stats under ``monitor/<source>/...``: pages,
new_articles, skipped_stored, skipped_old, dropped/<kind>, errors/<kind>, last_error. One
``crawl_runs`` row per source is opened when the spider opens and completed when it
closes; a run killed in between keeps ``finished_at`` empty: it was interrupted.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.utils.defer import deferred_from_coro

from monitor.crawling.database import crawler_storage
from monitor.crawling.drops import StoreFailed
from monitor.storage.database import Storage
from monitor.storage.engine import StorageError


def source_stats(stats: dict, source: str) -> dict:
    """The ``monitor/<source>/`` counters, without the prefix."""
    prefix = f"monitor/{source}/"
    return {key[len(prefix):]: value for key, value in stats.items() if key.startswith(prefix)}


def grouped(counters: dict, group: str) -> dict[str, int]:
    """``{"errors/http_404": 2}`` -> ``{"http_404": 2}`` for group "errors"."""
    prefix = group + "/"
    return {k[len(prefix):]: v for k, v in counters.items() if k.startswith(prefix)}


class RunRecorder:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.storage: Storage | None = None
        self.runs: dict[str, int] = {}
        self.stopping = False
        for handler, signal in (
            (self.spider_opened, signals.spider_opened),
            (self.spider_closed, signals.spider_closed),
            (self.response_received, signals.response_received),
            (self.item_scraped, signals.item_scraped),
            (self.item_dropped, signals.item_dropped),
            (self.item_error, signals.item_error),
            (self.spider_error, signals.spider_error),
        ):
            crawler.signals.connect(handler, signal)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def _inc(self, source: str | None, key: str) -> None:
        self.stats.inc_value(f"monitor/{source or 'unknown'}/{key}")

    def spider_opened(self, spider) -> None:
        """Open each source's run record. A database that cannot take it fails the sources
        and stops the crawl: nothing it fetched could be stored."""
        try:
            self.storage = crawler_storage(self.crawler)
            for source in getattr(spider, "sources", ()):
                run_id = self.storage.start_run(source.name, spider.name)
                self.runs[source.name] = run_id
                self.stats.set_value(f"monitor/{source.name}/run_id", run_id)
        except StorageError as exc:
            for source in getattr(spider, "sources", ()):
                self._inc(source.name, "errors/storage")
                self.stats.set_value(f"monitor/{source.name}/last_error",
                                     f"could not record the run: {exc}")
            self._stop(spider, "database error")

    def response_received(self, response, request, spider) -> None:
        if "source" in request.meta:
            self._inc(request.meta["source"], "pages")

    def item_scraped(self, item, response, spider) -> None:
        self._inc(getattr(item, "source", None), "new_articles")

    def item_dropped(self, item, response, exception, spider) -> None:
        self._inc(getattr(item, "source", None), f"dropped/{getattr(exception, 'kind', 'other')}")

    def item_error(self, item, response, spider, failure) -> None:
        """A pipeline failed on an article. A store that failed fails the source; when the
        database cannot be written at all, the crawl stops (its pages would be lost too)."""
        source = getattr(item, "source", None)
        if failure.check(StoreFailed, StorageError):
            self._inc(source, "errors/storage")
            self.stats.set_value(f"monitor/{source}/last_error", str(failure.value))
            if failure.check(StorageError) or failure.value.fatal:
                self._stop(spider, "database error")
            return
        self._inc(source, "errors/pipeline")
        self.stats.set_value(
            f"monitor/{source}/last_error",
            f"could not process {getattr(item, 'url', '?')}: {failure.getErrorMessage()}",
        )

    def _stop(self, spider, reason: str) -> None:
        if not self.stopping:
            self.stopping = True
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))

    def spider_error(self, failure, response, spider) -> None:
        source = response.meta.get("source") if response is not None else None
        if failure.check(StorageError):  # a middleware's look-up: the database failed
            self._inc(source, "errors/storage")
            self.stats.set_value(f"monitor/{source}/last_error", str(failure.value))
            self._stop(spider, "database error")
            return
        self._inc(source, "errors/parse")
        self.stats.set_value(
            f"monitor/{source}/last_error",
            f"could not read {response.url}: {failure.getErrorMessage()}",
        )

    def spider_closed(self, spider, reason) -> None:
        if self.storage is None:
            return
        stats = self.stats.get_stats()
        for source, run_id in self.runs.items():
            try:
                self._finish(source, run_id, reason, source_stats(stats, source))
            except StorageError as exc:  # the run stays open: the next crawl closes it
                self._inc(source, "errors/storage")
                self.stats.set_value(f"monitor/{source}/last_error",
                                     f"could not record the end of the run: {exc}")

    def _finish(self, source: str, run_id: int, reason: str, counters: dict) -> None:
        self.storage.finish_run(
            run_id,
            reason=reason,
            pages=int(counters.get("pages", 0)),
            new_articles=int(counters.get("new_articles", 0)),
            errors=grouped(counters, "errors"),
            stats={
                "skipped_stored": int(counters.get("skipped_stored", 0)),
                "skipped_old": int(counters.get("skipped_old", 0)),
                "skipped": grouped(counters, "skipped"),
                "links_cut": int(counters.get("links_cut", 0)),
                "stopped_at_horizon": int(counters.get("stopped_at_horizon", 0)),
                "dropped": grouped(counters, "dropped"),
                "last_error": counters.get("last_error"),
                "coverage": self.storage.run_coverage(run_id),
            },
        )
