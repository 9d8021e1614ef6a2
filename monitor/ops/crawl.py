"""Run the crawl of some sources in this process, one Scrapy crawler per source.

Scrapy's reactor cannot be restarted in one process: call ``crawl_sources`` once per
process (the CLI does; the scheduler starts a child process per crawl).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings
from scrapy.utils.reactor import is_reactor_installed
from twisted.python.failure import Failure

from monitor.config import paths
from monitor.config.sources import Source
from monitor.crawling.run_record import grouped, source_stats
from monitor.digest.labels import labels_for
from monitor.ops.locks import SourceLocks
from monitor.page.replay import ReplayIndex
from monitor.storage.database import Storage
from monitor.storage.engine import StorageError

PLAIN_HTTP_HANDLER = "monitor.crawling.download_handler.ReplayingHTTPHandler"
# the finish reason of a source whose crawler failed before its spider opened (a class path
# in a setting that does not import, a reactor that cannot be installed…): a failed run
NOT_STARTED = "could not start"

logger = logging.getLogger(__name__)

_ENDINGS = {
    "shutdown": "stopped (SIGTERM or Ctrl-C) before it finished",
    "database error": "the database could not be written",
    NOT_STARTED: "the crawl could not start",
    "crawl error": "the crawl failed",
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
            if self.last_error and self.reason not in ("database error", NOT_STARTED):
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
    """Crawl ``sources`` (one crawler each, concurrently) and return what each did. A
    crawler that fails before its spider opens (a setting naming a class that does not
    import, a reactor that cannot be installed…) is a failed source with a run record
    (``NOT_STARTED``); the traceback goes to the crawl log, not the terminal."""
    crashed: dict[str, str] = {}  # source -> the error that ended its crawler
    crawlers: list[tuple[Source, Crawler | None]] = []
    try:
        process = CrawlerProcess(settings)
    except Exception as exc:  # every source fails with it, in one line
        process = None
        for source in sources:
            crashed[source.name] = _crashed(source.name, Failure(exc))
    for source in sources if process is not None else ():
        crawler_settings = settings.copy()
        if not source.javascript:
            crawler_settings.set(
                "DOWNLOAD_HANDLERS",
                {"http": PLAIN_HTTP_HANDLER, "https": PLAIN_HTTP_HANDLER},
                priority="cmdline",
            )
        try:
            spider_cls = process.spider_loader.load(source.kind)  # one spider per kind
            # the first crawler installs the reactor (asyncio, for scrapy-playwright); when
            # it could not, the next one tries again (and fails with the same reason)
            crawler = Crawler(spider_cls, crawler_settings,
                              init_reactor=not is_reactor_installed())
            deferred = process.crawl(crawler, source=source.name)
        except Exception as exc:  # this source fails, the others go on
            crashed[source.name] = _crashed(source.name, Failure(exc))
            crawlers.append((source, None))
            continue
        deferred.addErrback(_keep_failure, source.name, crashed)
        crawlers.append((source, crawler))
    if process is not None:
        process.start()
    results = []
    for source, crawler in crawlers or [(s, None) for s in sources]:
        counters = _counters(crawler, source.name)
        result = SourceResult(
            source=source.name,
            pages=int(counters.get("pages", 0)),
            new_articles=int(counters.get("new_articles", 0)),
            errors=grouped(counters, "errors"),
            reason=_finish_reason(crawler),
            last_error=counters.get("last_error"),
        )
        if source.name in crashed:
            result.last_error = crashed[source.name]
            if "run_id" not in counters:  # its spider never opened: no run record yet
                result.reason = NOT_STARTED
                result.errors = {**result.errors, "start": 1}
                _record_not_started(settings, source, result)
            elif result.reason in ("finished", ""):
                result.reason = "crawl error"
        results.append(result)
    return results


def _keep_failure(failure: Failure, source: str, crashed: dict[str, str]) -> None:
    """The errback of a source's crawl: its error kept in ``crashed`` (and consumed: not an
    "Unhandled error in Deferred" on the terminal)."""
    crashed.setdefault(source, _crashed(source, failure))


def _crashed(source: str, failure: Failure) -> str:
    """The error that ended ``source``'s crawler in one line; its traceback to the log."""
    logger.error("the crawl of %s failed", source,
                 exc_info=(failure.type, failure.value, failure.getTracebackObject()))
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"


def _counters(crawler: Crawler | None, source: str) -> dict:
    """The source's counters (none when its crawler failed before it had stats)."""
    try:
        return source_stats(crawler.stats.get_stats(), source) if crawler else {}
    except RuntimeError:  # Crawler.stats is set when the crawl starts
        return {}


def _finish_reason(crawler: Crawler | None) -> str:
    try:
        return (crawler.stats.get_value("finish_reason", "") or "") if crawler else ""
    except RuntimeError:
        return ""


def _record_not_started(settings: Settings, source: Source, result: SourceResult) -> None:
    """A run record for a source whose crawl could not start: a failed run that the health
    checks, the digest and ``monitor health`` see."""
    try:
        storage = Storage.from_settings(settings)
        try:
            run_id = storage.start_run(source.name, source.kind)
            storage.finish_run(run_id, reason=NOT_STARTED, pages=0, new_articles=0,
                               errors=result.errors, stats={"last_error": result.last_error})
        finally:
            storage.close()
    except StorageError as exc:
        result.errors = {**result.errors, "storage": 1}
        result.last_error = f"{result.last_error}; the run could not be recorded: {exc}"


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
        words = labels_for(settings)
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
