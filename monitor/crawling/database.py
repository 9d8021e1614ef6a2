"""One ``Storage`` per crawl process, shared by every component of every crawler in it.

``crawler_storage(crawler)`` opens it on first use (one engine, one connection pool) and
counts the crawlers using it; when the last of them stops its engine, it is closed. The
middlewares, pipelines and extensions call it instead of opening their own.
"""

from __future__ import annotations

from scrapy import signals

from monitor.storage.database import Storage
from monitor.storage.migrations import open_storage

_OPEN: dict[str, tuple[Storage, set[int]]] = {}  # database URL -> (storage, crawler ids)


class _Release:
    """Connected to ``engine_stopped`` of one crawler (signal receivers are weak: the
    crawler keeps this object alive)."""

    def __init__(self, url: str, crawler_id: int):
        self.url, self.crawler_id = url, crawler_id

    def release(self) -> None:
        entry = _OPEN.get(self.url)
        if entry is None:
            return
        storage, users = entry
        users.discard(self.crawler_id)
        if not users:
            del _OPEN[self.url]
            storage.close()


def crawler_storage(crawler) -> Storage:
    """The process's storage for the crawler's database, opened if needed."""
    url = crawler.settings.get("MONITOR_DATABASE_URL")
    entry = _OPEN.get(url)
    if entry is None:
        entry = _OPEN[url] = (open_storage(url), set())
    storage, users = entry
    if id(crawler) not in users:
        users.add(id(crawler))
        release = _Release(url, id(crawler))
        crawler._monitor_storage_release = release
        crawler.signals.connect(release.release, signals.engine_stopped)
    return storage
