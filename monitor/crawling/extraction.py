"""Article extraction for the spiders, in the crawl process or in worker processes.

Extraction (parsing the page, finding its text block, title and dates) is most of the CPU a
crawled article costs. With ``MONITOR_EXTRACT_PROCESSES`` = 0 (the default) it runs in the
crawl process, between downloads. With N > 0 it runs in N worker processes
(``concurrent.futures.ProcessPoolExecutor``, spawned on first use),
while the crawl process goes on downloading, cleaning, classifying and storing: on a
machine with spare cores the crawl is then bound by the network, not by one core.

The result is the same either way: ``monitor.extraction.chain.extract_article`` on the same page.
The raw page does not travel back (the crawl process has it). A worker that dies (killed,
out of memory) fails that page as a parse error, named in the run record; the next pages
get a new pool.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from monitor.article.item import Article
from monitor.extraction.chain import extract_article
from monitor.page.fetched import Page


class ExtractionCrashed(Exception):
    """The worker process extracting a page died."""


def extract_in_worker(page: Page, options: dict) -> Article:
    """``extract_article`` in a worker process; the raw page is left out of the answer."""
    article = extract_article(page, **options)
    article.raw_html = b""
    return article


class Extractor:
    """Extracts articles in this process (``processes`` = 0) or in a pool of processes."""

    def __init__(self, processes: int = 0, *, target=extract_in_worker):
        self.processes = processes  # at least 0 (checked with the settings)
        self.target = target  # the worker's function (a test gives one that dies)
        self.pool: ProcessPoolExecutor | None = None
        self._retrying: asyncio.Lock | None = None  # one retry after a crash at a time

    @classmethod
    def from_settings(cls, settings) -> Extractor:
        return cls(settings.getint("MONITOR_EXTRACT_PROCESSES"))

    async def extract(self, page: Page, **options) -> Article:
        """The article on ``page`` (``options``: those of ``extract_article``)."""
        if not self.processes:
            return extract_article(page, **options)
        pool = self._pool()
        try:
            article = await asyncio.wrap_future(pool.submit(self.target, page, options))
        except BrokenProcessPool:
            # a worker died and every page the pool had fails with it: each is tried again,
            # one retry at a time, and the page it dies on again is the one that kills it
            self._discard(pool)
            if self._retrying is None:
                self._retrying = asyncio.Lock()
            async with self._retrying:
                pool = self._pool()
                try:
                    article = await asyncio.wrap_future(pool.submit(self.target, page, options))
                except BrokenProcessPool:
                    self._discard(pool)
                    raise ExtractionCrashed(
                        f"the extraction process died while reading {page.url} (killed or "
                        "out of memory); a new one takes the next pages") from None
        article.raw_html = page.body
        return article

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            # spawned, not forked: the crawl process runs threads and holds connections
            self.pool = ProcessPoolExecutor(self.processes,
                                            mp_context=multiprocessing.get_context("spawn"))
        return self.pool

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Stop using a broken pool (once: other pages may have replaced it already)."""
        if self.pool is pool:
            self.pool = None
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop the worker processes (after the pages they have)."""
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
