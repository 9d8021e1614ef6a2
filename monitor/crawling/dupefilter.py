"""Duplicate filter that names redirect loops.

Scrapy drops a request whose URL was already requested, without calling its errback: a
redirect that leads back to a URL of its own chain (A → B → A) would vanish without a
word. Such a request is counted as a ``redirect_loop`` error of its source instead.
"""

from __future__ import annotations

import logging

from scrapy.dupefilters import RFPDupeFilter

logger = logging.getLogger(__name__)


class RedirectLoopDupeFilter(RFPDupeFilter):
    @classmethod
    def from_crawler(cls, crawler):
        dupefilter = super().from_crawler(crawler)
        dupefilter.stats = crawler.stats
        return dupefilter

    def request_seen(self, request) -> bool:
        seen = super().request_seen(request)
        chain = request.meta.get("redirect_urls")
        if seen and chain and getattr(self, "stats", None) is not None:
            source = request.meta.get("source", "unknown")
            message = (f"redirect loop: {' → '.join([*chain, request.url])}"
                       if len(chain) < 5 else f"redirect loop from {chain[0]} back to "
                       f"{request.url}")
            self.stats.inc_value(f"monitor/{source}/errors/redirect_loop")
            self.stats.set_value(f"monitor/{source}/last_error", message)
            logger.warning("%s: %s", source, message)
        return seen
