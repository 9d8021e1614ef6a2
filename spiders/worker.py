"""The distributed worker's spider: every source of every kind, start requests from Redis
(``monitor.crawling.cluster``); routing is ``SourceSpider``'s."""

from __future__ import annotations

import json
import time

from scrapy.exceptions import DontCloseSpider
from scrapy_redis.spiders import RedisMixin

from monitor.config.sources import Source
from monitor.crawling.horizon import source_started
from spiders.base import SourceSpider


class WorkerSpider(RedisMixin, SourceSpider):
    name = "worker"
    kind = "*"
    redis_batch_size = 1  # one source at a time: the others are for the other workers

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        domains = set(spider.allowed_domains)
        for kind_spider in SourceSpider.__subclasses__():
            domains.update(kind_spider.kind_domains)
        spider.allowed_domains = sorted(domains)
        spider.until_idle = crawler.settings.get("MONITOR_UNTIL_IDLE")
        spider.idle_since = time.monotonic()
        spider.setup_redis(crawler)
        return spider

    @classmethod
    def select_sources(cls, sources: list[Source], names: list[str]) -> list[Source]:
        return list(sources)  # a dispatcher may force a disabled one

    async def start(self):
        for request in self.next_requests():
            yield request

    def make_request_from_data(self, data):
        """A start request pushed by ``monitor.ops.dispatch.dispatch``; the source's horizon
        is read again (this worker may have run since before the source's last run)."""
        try:
            task = json.loads(data)
            source = self.source_named(task["source"])
        except (ValueError, KeyError, StopIteration, TypeError):
            self.logger.warning("ignored a start request this worker cannot read: %r",
                                data[:200])
            return []
        # a new crawl of the source: the horizon middleware reads its latest run again
        self.crawler.signals.send_catch_log(source_started, source=source)
        return self.list_request(task["url"], source, 1, run_id=task.get("run_id"),
                                 cycle=task.get("cycle"))

    def spider_idle(self):
        """Take the next start request; with ``--until-idle``, close once nothing was found
        for that long."""
        found = 0
        for request in self.next_requests():
            self.crawler.engine.crawl(request)
            found += 1
        now = time.monotonic()
        if found:
            self.idle_since = None
            raise DontCloseSpider
        if self.idle_since is None:
            self.idle_since = now
        if self.until_idle is not None and now - self.idle_since >= float(self.until_idle):
            return
        raise DontCloseSpider
