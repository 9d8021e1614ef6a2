"""Distributed mode (its switch, keys and Redis): crawl workers on several machines, one
Redis queue, PostgreSQL as the authority.

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

import os
import socket
from dataclasses import dataclass

import redis
from sqlalchemy.engine import make_url

from monitor.errors import ConfigError
from monitor.storage.engine import StorageError


class ClusterError(StorageError):
    """Redis cannot be used; the message says why in plain words."""


# ---------------------------------------------------------------- mode and keys


def distributed_mode(settings) -> bool:
    """True when ``MONITOR_REDIS_URL`` is set; a ConfigError when the database is not
    PostgreSQL (SQLite cannot be shared between machines)."""
    if not settings.get("MONITOR_REDIS_URL"):
        return False
    database = settings.get("MONITOR_DATABASE_URL")  # derived by the loader when not set
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
        return cls(settings.get("MONITOR_REDIS_PREFIX"))


def node_id(settings) -> str:
    """This process in the cluster: ``MONITOR_NODE_ID`` or host-pid."""
    return settings.get("MONITOR_NODE_ID") or f"{socket.gethostname()}-{os.getpid()}"


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
