"""Extension: one plain line per source on stdout when its crawl ends (the log goes to a file);
in a backfill (``MONITOR_BACKFILL_SINCE``) also one line per list page read, and where the
walk back ended."""

from __future__ import annotations

import sys
import time

from scrapy import signals
from scrapy.exceptions import NotConfigured

from monitor.crawling.run_record import grouped, source_stats

# a signal the spiders send for each list page they read: source, number, url, links,
# newest, oldest (the dates the page shows, or None)
list_page_read = object()


def progress_line(source: str, counters: dict, seconds: float, reason: str) -> str:
    errors = grouped(counters, "errors")
    error_count = sum(errors.values())
    line = (
        f"  {source:<22} pages {int(counters.get('pages', 0)):>3}   "
        f"new articles {int(counters.get('new_articles', 0)):>3}   "
        f"already stored {int(counters.get('skipped_stored', 0)):>3}   "
        f"older {int(counters.get('skipped_old', 0)):>3}   "
        f"errors {error_count:>2}   {seconds:5.1f}s"
    )
    if reason != "finished":
        line += f"   stopped: {reason}"
    if error_count:
        kinds = ", ".join(f"{n}× {kind.replace('_', ' ')}" for kind, n in sorted(errors.items()))
        line += f"\n  {'':<22} ! {kinds}; last: {counters.get('last_error', '?')}"
    dropped = {k: n for k, n in grouped(counters, "dropped").items() if k != "already_stored"}
    if dropped:
        kinds = ", ".join(f"{n}× {kind.replace('_', ' ')}" for kind, n in sorted(dropped.items()))
        line += f"\n  {'':<22} ! dropped, not articles: {kinds}"
    if counters.get("links_cut"):
        line += (f"\n  {'':<22} ! {int(counters['links_cut'])} links cut from long lists "
                 "(MONITOR_MAX_LINKS_PER_LIST)")
    return line


class ProgressReporter:
    def __init__(self, crawler, stream=None):
        self.crawler = crawler
        self.stream = stream or sys.stdout
        self.started = time.monotonic()
        self.backfill = crawler.settings.get("MONITOR_BACKFILL_SINCE")
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        if self.backfill:
            crawler.signals.connect(self.list_page, list_page_read)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("MONITOR_PROGRESS"):
            raise NotConfigured("MONITOR_PROGRESS is off")
        return cls(crawler)

    def spider_opened(self, spider) -> None:
        self.started = time.monotonic()

    def list_page(self, source, number, url, links, newest, oldest) -> None:
        shown = (f"listed {oldest:%Y-%m-%d} … {newest:%Y-%m-%d}" if newest is not None
                 else "no dates shown")
        print(f"  {source:<22} list page {number:>3}: {links:>3} link(s), {shown}  {url}",
              file=self.stream, flush=True)

    def spider_closed(self, spider, reason) -> None:
        stats = self.crawler.stats.get_stats()
        seconds = time.monotonic() - self.started
        for source in getattr(spider, "sources", ()):
            counters = source_stats(stats, source.name)
            line = progress_line(source.name, counters, seconds, reason)
            if self.backfill:
                line += "\n" + backfill_line(source.name, counters, self.backfill)
            print(line, file=self.stream, flush=True)


def backfill_line(source: str, counters: dict, since: str) -> str:
    """Where a backfill's walk back ended."""
    if counters.get("stopped_at_horizon"):
        return f"  {source:<22} reached {since}: the last list page read lists only older items"
    if counters.get("stopped_at_page_limit"):
        return (f"  {source:<22} ! stopped at the list page limit before reaching {since}: "
                "run again with a higher --max-pages (stored articles are not fetched again)")
    return f"  {source:<22} the list has no further page"


def feed_summary(feeds: list[str], counters: dict) -> str:
    """What a crawl with feed exports (``-O items.jsonl``) wrote and what it left out: the
    articles already stored and those older than the horizon are not fetched again, so an
    export after an earlier crawl can be empty."""
    exported = int(counters.get("new_articles", 0))
    stored = int(counters.get("skipped_stored", 0)) + int(counters.get("already_stored", 0))
    older = int(counters.get("skipped_old", 0))
    line = f"{exported} new article(s) exported to {', '.join(feeds)}"
    if stored:
        line += (f"; {stored} article(s) already stored were not exported (`monitor export` "
                 "writes stored ones)")
    if older:
        line += f"; {older} older than the crawl's horizon were not fetched"
    return line


class FeedSummary:
    """Extension: with feed exports (``scrapy crawl NAME -O items.jsonl``), one line at the
    end of the crawl saying how many articles were exported and how many were left out."""

    def __init__(self, crawler, feeds: list[str], stream=None):
        self.crawler = crawler
        self.feeds = feeds
        self.stream = stream or sys.stdout
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        feeds = list(crawler.settings.getdict("FEEDS"))
        if not feeds:
            raise NotConfigured("no feed export")
        return cls(crawler, [str(feed) for feed in feeds])

    def spider_closed(self, spider, reason) -> None:
        stats = self.crawler.stats.get_stats()
        total: dict[str, int] = {}
        for source in getattr(spider, "sources", ()):
            counters = source_stats(stats, source.name)
            counters["already_stored"] = grouped(counters, "dropped").get("already_stored", 0)
            for key in ("new_articles", "skipped_stored", "skipped_old", "already_stored"):
                total[key] = total.get(key, 0) + int(counters.get(key, 0))
        print(feed_summary(self.feeds, total), file=self.stream, flush=True)
