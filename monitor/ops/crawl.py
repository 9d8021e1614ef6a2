"""Run the crawl of some sources in this process, one Scrapy crawler per source.

Scrapy's reactor cannot be restarted in one process: call ``crawl_sources`` once per
process (the CLI does; the scheduler starts a child process per crawl).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from monitor.config import paths
from monitor.config.sources import Source
from monitor.crawling.run_record import grouped, source_stats
from monitor.digest.labels import Labels, language
from monitor.ops.locks import SourceLocks
from monitor.page.replay import ReplayIndex
from monitor.storage.database import Storage

PLAIN_HTTP_HANDLER = "monitor.crawling.download_handler.ReplayingHTTPHandler"


_ENDINGS = {
    "shutdown": "stopped (SIGTERM or Ctrl-C) before it finished",
    "database error": "the database could not be written",
}


@dataclass
class SourceResult:
    source: str
    pages: int = 0
    new_articles: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    reason: str = ""
    last_error: str | None = None

    @property
    def failed(self) -> bool:
        """Errors and nothing fetched, an article that could not be stored, or the crawl
        did not finish normally."""
        return ((bool(self.errors) and self.pages == 0) or bool(self.errors.get("storage"))
                or self.reason not in ("finished", ""))

    def one_line(self) -> str:
        """``source: why it failed``, for a failed source."""
        return f"{self.source}: {self.why()}"

    def why(self) -> str:
        """Why it failed: how the crawl ended when it did not finish, else the last error."""
        if self.reason not in ("finished", ""):
            ended = _ENDINGS.get(self.reason, f"the crawl ended: {self.reason}")
            if self.last_error and self.reason != "database error":
                return f"{ended}; last error: {self.last_error}"
            return f"{ended}: {self.last_error}" if self.last_error else ended
        return self.last_error or "failed"

    def as_json(self) -> dict:
        return asdict(self)


def write_report(path: str | os.PathLike, results: list[SourceResult],
                 busy: dict[str, str]) -> None:
    """What a crawl did, for the process that started it (``monitor crawl --report``):
    written whole to a temporary name, then renamed, so a reader never sees half a file."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"results": [r.as_json() for r in results], "busy": busy},
                                  ensure_ascii=False), "utf-8")
    partial.replace(path)


def read_report(path: str | os.PathLike) -> tuple[list[SourceResult], dict[str, str]] | None:
    """The report ``write_report`` left, or None when the crawl ended before writing it."""
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return [SourceResult(**r) for r in data.get("results", [])], dict(data.get("busy", {}))


def replayable(sources: list[Source], replay_dir: str | Path) -> tuple[list[Source], list[Source]]:
    """Split sources into those with a saved start page in ``replay_dir`` and the others."""
    index = ReplayIndex.from_dir(replay_dir)
    kept = [s for s in sources if any(index.has(url) for url in s.start_urls)]
    return kept, [s for s in sources if s not in kept]


def log_file_path(settings: Settings, now: float | None = None) -> Path:
    """A new crawl log in the log folder (``monitor.config.paths``); logs last written more than
    ``MONITOR_LOG_KEEP_DAYS`` ago are deleted."""
    folder = paths.log_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    prune_logs(folder, settings.getfloat("MONITOR_LOG_KEEP_DAYS"), now=now)
    return folder / f"crawl-{datetime.now():%Y%m%d-%H%M%S}-{os.getpid()}.log"


def prune_logs(folder: Path, keep_days: float, now: float | None = None) -> list[Path]:
    """Delete the crawl logs in ``folder`` not written for ``keep_days`` (0: keep all)."""
    if keep_days <= 0:
        return []
    cutoff = (now if now is not None else time.time()) - keep_days * 86400
    removed = []
    for path in folder.glob("crawl-*.log"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except OSError:  # another crawl pruned it a moment ago
            continue
    return removed


def crawl_sources(sources: list[Source], settings: Settings) -> list[SourceResult]:
    """Crawl ``sources`` (one crawler each, concurrently) and return what each did."""
    process = CrawlerProcess(settings)
    crawlers: list[tuple[Source, Crawler]] = []
    for source in sources:
        crawler_settings = settings.copy()
        if not source.javascript:
            crawler_settings.set(
                "DOWNLOAD_HANDLERS",
                {"http": PLAIN_HTTP_HANDLER, "https": PLAIN_HTTP_HANDLER},
                priority="cmdline",
            )
        spider_cls = process.spider_loader.load(source.kind)  # one spider per kind
        # the first crawler installs the reactor (asyncio, for scrapy-playwright)
        crawler = Crawler(spider_cls, crawler_settings, init_reactor=not crawlers)
        crawlers.append((source, crawler))
        process.crawl(crawler, source=source.name)
    process.start()
    results = []
    for source, crawler in crawlers:
        counters = source_stats(crawler.stats.get_stats(), source.name)
        results.append(
            SourceResult(
                source=source.name,
                pages=int(counters.get("pages", 0)),
                new_articles=int(counters.get("new_articles", 0)),
                errors=grouped(counters, "errors"),
                reason=crawler.stats.get_value("finish_reason", ""),
                last_error=counters.get("last_error"),
            )
        )
    return results


@dataclass
class LockedCrawl:
    """What ``crawl_with_locks`` did: each crawled source's result, the sources another
    process was crawling (name → who), the earlier runs it found interrupted."""

    results: list[SourceResult] = field(default_factory=list)
    busy: dict[str, str] = field(default_factory=dict)
    interrupted: dict[str, int] = field(default_factory=dict)
    log_file: Path | None = None


def crawl_with_locks(sources: list[Source], settings: Settings, say=print) -> LockedCrawl:
    """Take the sources' locks, close the runs a killed crawl left open, crawl the sources
    that were free (``say`` gets the progress lines); the locks are released at the end."""
    outcome = LockedCrawl()
    with SourceLocks(paths.lock_dir(settings)) as locks:
        locked, busy = locks.take([s.name for s in sources])
        words = Labels(language(settings.get("MONITOR_LANGUAGE")))
        outcome.busy = {name: holder.describe(words) for name, holder in busy.items()}
        if not locked:
            return outcome
        storage = Storage.from_settings(settings)
        try:
            for name in locked:
                closed = storage.end_unfinished_runs(name, "interrupted")
                if closed:
                    outcome.interrupted[name] = len(closed)
        finally:
            storage.close()
        outcome.log_file = log_file_path(settings)
        settings.set("LOG_FILE", str(outcome.log_file), priority="cmdline")
        for name, count in outcome.interrupted.items():
            say(f"  {name:<22} {count} earlier run(s) had been interrupted: recorded as such")
        replay = settings.get("MONITOR_REPLAY_DIR")
        mode = f"saved pages in {replay}" if replay else "the live sites"
        say(f"Crawling {len(locked)} source(s) from {mode} (full log: {outcome.log_file})")
        outcome.results = crawl_sources([s for s in sources if s.name in locked], settings)
    return outcome
