"""The distributed worker's Scrapy components (``monitor worker``; see
``monitor.crawling.cluster``): a scrapy-redis scheduler and dedup per dispatch cycle, the
cycle carried on every request, the run recorder that adds to the dispatched run records,
and the settings that turn the project's settings into a worker's."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime

from scrapy import Request, signals
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from monitor import settings as defaults
from monitor.crawling.cluster import Keys, node_id, redis_client
from monitor.crawling.database import crawler_storage
from monitor.crawling.run_record import RunRecorder, grouped, source_stats


class CycleDupeFilter(RFPDupeFilter):
    """scrapy-redis's dedup of requests in flight, one Redis set per dispatch cycle (from
    ``meta["cycle"]``) that expires after ``MONITOR_REDIS_SEEN_TTL`` seconds: two sources
    of one cycle linking the same page fetch it once, and the next cycle is not blocked by
    what this one saw (the database decides what is never fetched again)."""

    ttl = defaults.MONITOR_REDIS_SEEN_TTL

    @classmethod
    def from_spider(cls, spider):
        dupefilter = super().from_spider(spider)
        dupefilter.ttl = spider.settings.getint("MONITOR_REDIS_SEEN_TTL")
        return dupefilter

    def request_seen(self, request) -> bool:
        key = f"{self.key}:{request.meta.get('cycle', 'none')}"
        with self.server.pipeline() as pipe:
            pipe.sadd(key, self.request_fingerprint(request))
            pipe.expire(key, self.ttl)
            added, _ = pipe.execute()
        return added == 0


class CycleMetaMiddleware(BaseSpiderMiddleware):
    """Requests made from a response carry its ``cycle`` and ``run_id`` on (dedup per cycle,
    counts per run)."""

    def get_processed_request(self, request: Request, response) -> Request:
        if response is not None:
            for key in ("cycle", "run_id"):
                if key in response.meta:
                    request.meta.setdefault(key, response.meta[key])
        return request


# sent by DistributedScheduler with ``request=``: this worker took a request from the queue
request_taken = object()


class DistributedScheduler(Scheduler):
    """scrapy-redis's scheduler, telling the worker which requests it took (the run they
    belong to must wait for this worker's report)."""

    @classmethod
    def from_crawler(cls, crawler):
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        return scheduler

    def next_request(self):
        request = super().next_request()
        if request is not None:
            self.crawler.signals.send_catch_log(request_taken, request=request)
        return request


class WorkerRecorder(RunRecorder):
    """The worker's run records: the dispatcher opened one per claimed source. A worker
    joins a run when it takes one of its requests, and reports what it did for it
    (``Storage.add_to_run``) each time it runs out of work and when it stops; the last
    report ends the run. It also registers the worker in Redis while it runs."""

    def __init__(self, crawler):
        super().__init__(crawler)
        self.worker = crawler.settings.get("MONITOR_WORKER_ID") or node_id(crawler.settings)
        self.reported: dict[str, dict] = {}  # source -> its counters at the last report
        self.joined: set[int] = set()  # runs with requests taken since the last report
        self.articles_fetched = 0
        crawler.signals.connect(self.request_taken, request_taken)
        crawler.signals.connect(self.spider_idle, signals.spider_idle)
        crawler.signals.connect(self.engine_stopped, signals.engine_stopped)

    def spider_opened(self, spider) -> None:
        self.storage = crawler_storage(self.crawler)
        self.client = redis_client(self.crawler.settings)
        self.keys = Keys.from_settings(self.crawler.settings)
        self.client.hset(self.keys.workers, self.worker, json.dumps(
            {"host": socket.gethostname(), "pid": os.getpid(),
             "started": datetime.now(UTC).isoformat()}))

    def request_taken(self, request) -> None:
        run_id = request.meta.get("run_id")
        if run_id is not None and run_id not in self.joined:
            self.storage.join_run(run_id, self.worker)
            self.joined.add(run_id)

    def response_received(self, response, request, spider) -> None:
        source, run_id = request.meta.get("source"), request.meta.get("run_id")
        if source is None:
            return
        if run_id is not None and self.runs.get(source) != run_id:
            if source in self.runs:
                self.report(source)
            self.runs[source] = run_id
            self.stats.set_value(f"monitor/{source}/run_id", run_id)
        self._inc(source, "pages")
        if request.meta.get("article"):
            self.articles_fetched += 1

    def report(self, source: str) -> int | None:
        """Add the source's counts since the last report to its current run (when there
        are some, or the run waits for this worker's report); the run's id."""
        run_id = self.runs[source]
        counters = source_stats(self.stats.get_stats(), source)
        before = self.reported.get(source, {})
        delta = {key: value - before.get(key, 0) for key, value in counters.items()
                 if isinstance(value, int | float) and key != "run_id"}
        self.reported[source] = counters
        if not any(delta.values()) and run_id not in self.joined:
            return None
        self.storage.add_to_run(
            run_id,
            pages=int(delta.get("pages", 0)),
            new_articles=int(delta.get("new_articles", 0)),
            errors=grouped(delta, "errors"),
            stats={"skipped_stored": int(delta.get("skipped_stored", 0)),
                   "skipped_old": int(delta.get("skipped_old", 0)),
                   "stopped_at_horizon": int(delta.get("stopped_at_horizon", 0)),
                   "dropped": grouped(delta, "dropped"),
                   "last_error": counters.get("last_error")},
            worker=self.worker,
        )
        return run_id

    def report_all(self) -> None:
        done = {self.report(source) for source in list(self.runs)}
        for run_id in self.joined - done:  # taken, but nothing came of it
            self.storage.add_to_run(run_id, pages=0, new_articles=0, errors={}, stats={},
                                    worker=self.worker)
        self.joined.clear()

    def spider_idle(self, spider) -> None:
        self.report_all()

    def spider_closed(self, spider, reason) -> None:
        self.report_all()

    def engine_stopped(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.hdel(self.keys.workers, self.worker)
            client.close()


def worker_settings(settings, *, until_idle: float | None = None):
    """The project's settings turned into a worker's: scrapy-redis scheduler on the
    cluster's keys (persistent: a closing worker must not delete the shared queue), the
    cluster's per-site slots and the worker's run recorder; the pipelines are the usual
    ones."""
    keys = Keys.from_settings(settings)
    settings = settings.copy()
    overrides = {
        "SCHEDULER": "monitor.crawling.worker.DistributedScheduler",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.seen,
        "DUPEFILTER_CLASS": "monitor.crawling.worker.CycleDupeFilter",
        "REDIS_URL": settings.get("MONITOR_REDIS_URL"),
        "REDIS_START_URLS_KEY": keys.start,
        "MONITOR_UNTIL_IDLE": until_idle,
        "MONITOR_PROGRESS": False,
        "SPIDER_MIDDLEWARES": {**settings.getdict("SPIDER_MIDDLEWARES"),
                               "monitor.crawling.worker.CycleMetaMiddleware": 530},
        # per-site politeness is the cluster's (domain slots), not each worker's own
        "DOWNLOADER_MIDDLEWARES": {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                                   "monitor.crawling.domain_slots.DomainSlotMiddleware": 900},
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "EXTENSIONS": {**{k: v for k, v in settings.getdict("EXTENSIONS").items()
                          if k != "monitor.crawling.run_record.RunRecorder"},
                       "monitor.crawling.worker.WorkerRecorder": 100},
    }
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings
