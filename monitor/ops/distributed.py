"""Distributed mode: crawl workers on several machines, one Redis queue, PostgreSQL as the
authority.

``MONITOR_REDIS_URL`` with a PostgreSQL ``MONITOR_DATABASE_URL`` switches it on
(``distributed_mode``); with SQLite it is refused. Then:

- ``dispatch`` (``monitor dispatch``, or ``monitor schedule`` on every node) claims the due
  sources in the database, each once whoever runs it (``Storage.claim_sources``), opens a
  run record for each and pushes their start requests, as JSON, on ``<prefix>:start``.
- ``monitor worker`` (``run_worker``) is one Scrapy crawler of ``spiders.worker`` on
  scrapy-redis: it takes one start request at a time when idle, and every request it makes
  goes to the shared queue ``<prefix>:requests``, which every worker takes from. The same
  pipelines store articles; counts go to the dispatched run records (``WorkerRecorder``).
- Redis only holds work in flight. It has no acknowledgement: a killed worker loses the
  requests it had taken. So the database decides what is never fetched again (stored URL
  keys, checked for all links of a list page in one query: ``SkipStoredMiddleware``), and the
  next dispatch of a source lists everything again. Redis's dedup is per dispatch cycle
  (``CycleDupeFilter``: one set per cycle, expiring), so flushing Redis loses no article
  and refetches none.
- Story grouping (the LSH bands are in the database) is done under a PostgreSQL advisory
  lock in ``Storage.add_article``, so two copies of one story stored at once end in one.
- Politeness holds across workers: before each download a worker takes a slot of the
  site in Redis (``monitor.crawling.domain_slots``): at most
  ``MONITOR_CONCURRENCY_PER_DOMAIN`` downloads of a site at once in the whole cluster, and
  ``MONITOR_DOWNLOAD_DELAY`` seconds between two of them; a killed worker's slots expire.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from scrapy import Request, signals
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from sqlalchemy.engine import make_url

from monitor.config.sources import ConfigError, Source
from monitor.crawling.database import crawler_storage
from monitor.crawling.run_record import RunRecorder, grouped, source_stats
from monitor.storage.database import Storage, StorageError

DEFAULT_PREFIX = "medcoop"


class ClusterError(StorageError):
    """Redis cannot be used; the message says why in plain words."""


# ---------------------------------------------------------------- mode and keys


def distributed_mode(settings) -> bool:
    """True when ``MONITOR_REDIS_URL`` is set; a ConfigError when the database is not
    PostgreSQL (SQLite cannot be shared between machines)."""
    if not settings.get("MONITOR_REDIS_URL"):
        return False
    database = settings.get("MONITOR_DATABASE_URL") or "sqlite:///"
    if make_url(database).get_backend_name() != "postgresql":
        raise ConfigError(
            "MONITOR_REDIS_URL (distributed mode) needs a PostgreSQL MONITOR_DATABASE_URL: "
            f"{make_url(database).get_backend_name()} cannot be shared between machines "
            "(unset MONITOR_REDIS_URL to crawl on this machine alone)")
    return True


def require_distributed(settings, command: str) -> None:
    if not distributed_mode(settings):
        raise ConfigError(f"`monitor {command}` needs MONITOR_REDIS_URL (the Redis server of "
                          "the cluster) and a PostgreSQL MONITOR_DATABASE_URL")


@dataclass(frozen=True)
class Keys:
    """The cluster's Redis keys, all under one prefix (several clusters can share a Redis)."""

    prefix: str

    @property
    def start(self) -> str:  # JSON start requests pushed by dispatch
        return f"{self.prefix}:start"

    @property
    def requests(self) -> str:  # scrapy-redis's shared request queue
        return f"{self.prefix}:requests"

    @property
    def seen(self) -> str:  # scrapy-redis's dedup sets, one per cycle: <seen>:<cycle>
        return f"{self.prefix}:seen"

    @property
    def workers(self) -> str:  # worker id -> JSON (host, pid, started), while it runs
        return f"{self.prefix}:workers"

    def domain(self, host: str) -> tuple[str, str]:
        """A site's download slots (lease -> expiry) and its next free time
        (``monitor.crawling.domain_slots``)."""
        return f"{self.prefix}:domain:{host}:slots", f"{self.prefix}:domain:{host}:next"

    @classmethod
    def from_settings(cls, settings) -> Keys:
        return cls(settings.get("MONITOR_REDIS_PREFIX") or DEFAULT_PREFIX)


def node_id() -> str:
    """This process in the cluster: ``MONITOR_NODE_ID`` or host-pid."""
    return os.environ.get("MONITOR_NODE_ID") or f"{socket.gethostname()}-{os.getpid()}"


def redis_client(settings):
    """A client of the cluster's Redis, checked to answer (else a ClusterError)."""
    url = settings.get("MONITOR_REDIS_URL")
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=10, socket_timeout=30)
        client.ping()
    except (redis.RedisError, ValueError) as exc:
        raise ClusterError(f"cannot use Redis at {_safe(url)}: {exc}") from exc
    return client


def _safe(url: str) -> str:
    try:
        return make_url(url.replace("redis://", "redis+x://", 1)).render_as_string() \
            .replace("redis+x://", "redis://", 1)
    except Exception:  # not a URL at all: say so without echoing a password
        return "the configured MONITOR_REDIS_URL"


# ---------------------------------------------------------------- dispatch


@dataclass
class Dispatched:
    source: str
    run_id: int
    urls: list[str]
    error: str | None = None  # the start requests could not be queued: claim released


def dispatch(storage: Storage, client, sources: list[Source], *, settings,
             force: bool = False, now: datetime | None = None) -> list[Dispatched]:
    """Claim the due sources (every one of ``sources`` with ``force``) and queue their
    start requests; what was claimed. A source another dispatcher claimed first, here or
    on another machine, is left out. A source whose start requests Redis did not take is
    released (``Storage.release_claim``) and comes back with its ``error``."""
    from monitor.ops.scheduler import is_due

    now = now or datetime.now(UTC)
    by_name = {s.name: s for s in sources}
    seen = storage.source_claims(list(by_name))
    if not force:
        slack = timedelta(seconds=settings.getfloat("MONITOR_DUE_SLACK"))
        seen = {name: last for name, last in seen.items()
                if is_due(by_name[name].schedule, last, now, slack)}
    node = node_id()
    cycle = f"{now:%Y%m%dT%H%M%S%f}-{node}"
    runs = storage.claim_sources(seen, spiders={n: by_name[n].kind for n in seen},
                                 node=node, cycle=cycle, now=now)
    keys = Keys.from_settings(settings)
    queued = []
    for name, run_id in sorted(runs.items()):
        urls = list(by_name[name].start_urls)
        try:
            client.rpush(keys.start, *[json.dumps({"url": url, "source": name,
                                                   "run_id": run_id, "cycle": cycle})
                                       for url in urls])
        except redis.RedisError as exc:  # no worker will ever see them: undo the claim
            error = " ".join(f"could not queue the start requests in Redis: {exc}".split())
            storage.release_claim(name, previous=seen[name], cycle=cycle, run_id=run_id,
                                  reason=error)
            queued.append(Dispatched(name, run_id, urls, error=error))
            continue
        queued.append(Dispatched(name, run_id, urls))
    return queued


# ---------------------------------------------------------------- the worker's components


class CycleDupeFilter(RFPDupeFilter):
    """scrapy-redis's dedup of requests in flight, one Redis set per dispatch cycle (from
    ``meta["cycle"]``) that expires after ``MONITOR_REDIS_SEEN_TTL`` seconds: two sources
    of one cycle linking the same page fetch it once, and the next cycle is not blocked by
    what this one saw (the database decides what is never fetched again)."""

    ttl = 86400

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
        self.worker = crawler.settings.get("MONITOR_WORKER_ID") or node_id()
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


# ---------------------------------------------------------------- the worker


def worker_settings(settings, *, until_idle: float | None = None):
    """The project's settings turned into a worker's: scrapy-redis scheduler on the
    cluster's keys (persistent: a closing worker must not delete the shared queue), the
    cluster's per-site slots and the worker's run recorder; the pipelines are the usual
    ones."""
    keys = Keys.from_settings(settings)
    settings = settings.copy()
    overrides = {
        "SCHEDULER": "monitor.ops.distributed.DistributedScheduler",
        "SCHEDULER_PERSIST": True,
        "SCHEDULER_QUEUE_KEY": keys.requests,
        "SCHEDULER_DUPEFILTER_KEY": keys.seen,
        "DUPEFILTER_CLASS": "monitor.ops.distributed.CycleDupeFilter",
        "REDIS_URL": settings.get("MONITOR_REDIS_URL"),
        "REDIS_START_URLS_KEY": keys.start,
        "MONITOR_UNTIL_IDLE": until_idle,
        "MONITOR_PROGRESS": False,
        "SPIDER_MIDDLEWARES": {**settings.getdict("SPIDER_MIDDLEWARES"),
                               "monitor.ops.distributed.CycleMetaMiddleware": 530},
        # per-site politeness is the cluster's (domain slots), not each worker's own
        "DOWNLOADER_MIDDLEWARES": {**settings.getdict("DOWNLOADER_MIDDLEWARES"),
                                   "monitor.crawling.domain_slots.DomainSlotMiddleware": 900},
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "EXTENSIONS": {**{k: v for k, v in settings.getdict("EXTENSIONS").items()
                          if k != "monitor.crawling.run_record.RunRecorder"},
                       "monitor.ops.distributed.WorkerRecorder": 100},
    }
    for key, value in overrides.items():
        settings.set(key, value, priority="cmdline")
    return settings


@dataclass
class WorkerResult:
    worker: str
    pages: int
    new_articles: int
    articles_fetched: int
    reason: str
    sources: list[str]  # the sources it crawled pages of

    def last_line(self) -> str:
        return f"worker {self.worker}: {self.pages} pages, {self.new_articles} new articles"


def run_worker(settings, *, until_idle: float | None = None) -> WorkerResult:
    """Run one worker in this process until SIGTERM (or ``until_idle`` seconds with an
    empty queue)."""
    from scrapy.crawler import Crawler, CrawlerProcess

    from spiders.worker import WorkerSpider

    redis_client(settings).close()  # a plain line now rather than a traceback later
    settings = worker_settings(settings, until_idle=until_idle)
    process = CrawlerProcess(settings)
    crawler = Crawler(WorkerSpider, settings, init_reactor=True)
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    mine = next(e for e in crawler.extensions.middlewares if isinstance(e, WorkerRecorder))
    return WorkerResult(
        worker=mine.worker,
        pages=int(sum(v for k, v in stats.items()
                      if k.startswith("monitor/") and k.endswith("/pages"))),
        new_articles=int(sum(v for k, v in stats.items()
                             if k.startswith("monitor/") and k.endswith("/new_articles"))),
        articles_fetched=mine.articles_fetched,
        reason=stats.get("finish_reason", ""),
        sources=sorted(mine.runs),
    )
