"""``monitor worker``: one distributed crawl worker in this process (its components are in
``monitor.crawling.worker``)."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.crawler import Crawler, CrawlerProcess

from monitor.crawling.cluster import redis_client
from monitor.crawling.worker import WorkerRecorder, worker_settings
from spiders.worker import WorkerSpider


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
