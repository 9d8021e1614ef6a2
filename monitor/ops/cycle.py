"""One cycle, what cron's ``monitor run`` and each of the daemon's jobs do: the due sources →
one crawl of them in a child process under the time limit → their health checks → the
digest of what is new. In distributed mode the sources are claimed and queued for the
workers instead (``monitor.ops.dispatch``)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from monitor.config.sources import Source, get_source
from monitor.crawling.cluster import redis_client
from monitor.digest import health_words
from monitor.digest.labels import labels_for
from monitor.ops.child import ChildResult, crawl_in_child
from monitor.ops.crawl import SourceResult, replayable
from monitor.ops.digests import digest_with_health
from monitor.ops.dispatch import dispatch
from monitor.ops.health import check_sources
from monitor.ops.schedules import due_sources
from monitor.storage.database import Storage


@dataclass
class CycleReport:
    """What ``run_cycle`` did, for the CLI and the daemon to print or log."""

    enabled: int = 0  # enabled sources in the sources file
    selected: list[str] = field(default_factory=list)  # due (or forced) sources
    forced: bool = False  # sources named or --all: not chosen by their schedules
    skipped: dict[str, str] = field(default_factory=dict)  # source -> why not crawled
    child: ChildResult | None = None
    # distributed mode: the sources claimed and queued for the workers instead of a crawl
    # (monitor.ops.dispatch.Dispatched; one with an error was released), None otherwise
    dispatched: list | None = None
    failures: dict[str, str] = field(default_factory=dict)  # failed source -> why, one line
    checks: list = field(default_factory=list)  # the crawled sources' health checks
    digest: object | None = None  # monitor.digest.build.Digest when asked for

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def results(self) -> list[SourceResult]:
        return (self.child.results or []) if self.child else []


def run_cycle(settings, sources: list[Source], *, names: list[str] | None = None,
              everything: bool = False, digest: bool = True,
              crawl: Callable[[list[str]], ChildResult] | None = None,
              stop: threading.Event | None = None, sources_file: str | None = None,
              options: list[str] | None = None, now: datetime | None = None,
              storage: Storage | None = None) -> CycleReport:
    """One cycle: the due sources (or ``names``, or every enabled one with ``everything``)
    → one crawl of them in a child process under the time limit (``crawl`` replaces it in
    tests) → their health checks → the digest of what is new (``digest=False``: none).
    In distributed mode the sources are claimed and queued for the workers instead
    (``monitor.ops.dispatch.dispatch``: due by their claims, whoever dispatched them), and
    the workers check their health.
    The child reports through a JSON file (``ChildResult.results``), not its output.
    ``sources`` is the whole sources file; ``options``: the child's ``-s NAME=VALUE``
    settings; the database schema must be current. ``storage``: the caller's (the daemon
    keeps one for its life), else one opened for the cycle."""
    now = now or datetime.now(UTC)
    words = labels_for(settings)
    enabled = [s for s in sources if s.enabled]
    report = CycleReport(enabled=len(enabled), forced=bool(names) or everything)
    distributed = bool(settings.get("MONITOR_REDIS_URL"))  # checked by the CLI and Daemon
    own = storage is None
    storage = Storage.from_settings(settings) if own else storage
    try:
        if names:
            chosen = [get_source(sources, name) for name in names]
        elif everything or distributed:  # distributed: the claims say which are due
            chosen = enabled
        else:
            slack = timedelta(seconds=settings.getfloat("MONITOR_DUE_SLACK"))
            chosen = due_sources(enabled, storage, now=now, slack=slack)
        report.selected = [s.name for s in chosen]
        replay = settings.get("MONITOR_REPLAY_DIR")
        if replay and chosen:
            chosen, without = replayable(chosen, replay)
            for source in without:
                report.skipped[source.name] = words("no_saved_page", folder=replay)
        if distributed:
            report.dispatched = _dispatch(storage, chosen, settings, force=report.forced,
                                          now=now)
            report.selected = [d.source for d in report.dispatched]
            report.failures = {d.source: d.error for d in report.dispatched if d.error}
        elif chosen:
            crawl_names = [s.name for s in chosen]
            if crawl is None:
                with _sigterm_ends_the_cycle():
                    report.child = crawl_in_child(crawl_names, settings, stop=stop,
                                                  sources_file=sources_file, options=options)
            else:
                report.child = crawl(crawl_names)
            report.skipped.update(report.child.busy)
            report.failures = report.child.failures(
                settings.getfloat("MONITOR_CRAWL_TIME_LIMIT"))
            report.checks = check_sources(storage, sources=sources, settings=settings,
                                          only=crawl_names)
            for check in report.checks:
                if not check.ok:
                    report.failures.setdefault(
                        check.source, f"{health_words.describe(check, words)} "
                        f"[{health_words.check_name(check.check, words)}]")
        if digest:
            report.digest = digest_with_health(storage, settings)
    finally:
        if own:
            storage.close()
    return report


def _dispatch(storage: Storage, sources: list[Source], settings, *, force: bool,
              now: datetime) -> list:
    """``run_cycle``'s step in distributed mode: claim and queue ``sources``."""
    if not sources:
        return []
    client = redis_client(settings)
    try:
        return dispatch(storage, client, sources, settings=settings, force=force, now=now)
    finally:
        client.close()


class _sigterm_ends_the_cycle:
    """In the main thread: SIGTERM (systemd, kill) raises SystemExit(143), so that the
    running child crawl is ended with its process tree (``run_child``) before we exit."""

    def __enter__(self):
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._stop)
        return self

    @staticmethod
    def _stop(signum, _frame):
        raise SystemExit(128 + signum)

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
