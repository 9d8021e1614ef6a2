"""Health checks of each source, over its run history, in the manner of Spidermon.

Each check is a small function over a source's recent runs (``crawl_runs``) that says ok or
failing in plain words, or nothing when it does not apply yet (too little history). A site
that changed its layout shows up as a coverage drop or as empty runs, not as silence.
Thresholds are ``MONITOR_HEALTH_*`` settings.

- finished: the last run ended normally (not killed, interrupted or stopped)
- time_limit: the last run, or the one going on, stayed within MONITOR_CRAWL_TIME_LIMIT
- new_articles: at least one new article in the last MONITOR_HEALTH_EMPTY_RUNS runs
- error_rate: errors of the last run per page fetched at most MONITOR_HEALTH_MAX_ERROR_RATE
- date_coverage, body_coverage: the share of new articles with a date / with a body over 200
  characters in the latest runs (pooled to MONITOR_HEALTH_COVERAGE_ARTICLES articles) fell
  by at most MONITOR_HEALTH_COVERAGE_DROP against the older runs
- on_time: the source ran successfully within its schedule (at most one fire time missed)

The checks run on demand over the stored runs: after each crawl (``monitor run``, the
scheduler's jobs), in ``monitor health`` and at the top of the digest (``failing_checks``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import paths
from monitor.config.sources import Source, load_sources
from monitor.config.zone import TZ
from monitor.errors import ConfigError
from monitor.ops.locks import Holder, running
from monitor.ops.schedules import next_run_after
from monitor.storage.database import Storage
from monitor.storage.models import CrawlRun


@dataclass(frozen=True)
class Thresholds:
    """The health checks' limits; their defaults are the settings' (monitor/settings.py)."""

    empty_runs: int
    max_error_rate: float
    coverage_drop: float
    coverage_articles: int
    time_limit: float
    history: int = 60  # runs read per source

    @classmethod
    def from_settings(cls, settings) -> Thresholds:
        return cls(
            empty_runs=settings.getint("MONITOR_HEALTH_EMPTY_RUNS"),
            max_error_rate=settings.getfloat("MONITOR_HEALTH_MAX_ERROR_RATE"),
            coverage_drop=settings.getfloat("MONITOR_HEALTH_COVERAGE_DROP"),
            coverage_articles=settings.getint("MONITOR_HEALTH_COVERAGE_ARTICLES"),
            time_limit=settings.getfloat("MONITOR_CRAWL_TIME_LIMIT"),
        )


@dataclass(frozen=True)
class Check:
    source: str
    check: str
    ok: bool
    message: str
    run_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class History:
    """What the checks look at for one source."""

    source: str
    runs: list[CrawlRun]  # newest first
    limits: Thresholds
    now: datetime
    schedule: str | None = None
    running: Holder | None = None  # the holder of the source's lock: a crawl is going on

    @property
    def completed(self) -> list[CrawlRun]:
        return [r for r in self.runs if r.finished_at is not None]


def _when(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


# ---------------------------------------------------------------- the checks


def finished(h: History) -> Check | None:
    if not h.runs:
        return None
    latest = h.runs[0]
    if latest.finished_at is None:
        if h.running:
            return None  # going on
        return Check(h.source, "finished", False,
                     f"the run started {_when(latest.started_at)} was interrupted: its process "
                     "ended before recording an end", latest.id)
    if latest.finish_reason == "finished":
        return Check(h.source, "finished", True, "the last run finished normally", latest.id)
    return Check(h.source, "finished", False, f"the last run (started "
                 f"{_when(latest.started_at)}) ended: {latest.finish_reason}", latest.id)


def time_limit(h: History) -> Check | None:
    limit = h.limits.time_limit
    if h.runs and h.runs[0].finished_at is None and h.running:
        going = (h.now - h.runs[0].started_at).total_seconds()
        if going > limit:
            return Check(h.source, "time_limit", False,
                         f"a crawl has been running for {_duration(going)}, over the "
                         f"{_duration(limit)} limit (pid {h.running.pid})", h.runs[0].id)
    if not h.completed:
        return None
    last = h.completed[0]
    took = (last.finished_at - last.started_at).total_seconds()
    if (last.finish_reason or "").startswith("killed") or took > limit:
        return Check(h.source, "time_limit", False,
                     f"the last run took {_duration(took)}, over the {_duration(limit)} limit"
                     f" ({last.finish_reason})", last.id)
    return Check(h.source, "time_limit", True, f"the last run took {_duration(took)}", last.id)


def new_articles(h: History) -> Check | None:
    count = h.limits.empty_runs
    runs = h.completed[:count]
    if len(runs) < count:
        return None
    if any(r.new_articles for r in runs):
        return Check(h.source, "new_articles", True,
                     f"new articles in the last {count} runs", runs[0].id)
    return Check(h.source, "new_articles", False,
                 f"no new article in the last {count} runs (since {_when(runs[-1].started_at)})",
                 runs[0].id)


def error_rate(h: History) -> Check | None:
    if not h.completed:
        return None
    last = h.completed[0]
    errors = sum((last.errors or {}).values())
    rate = errors / max(last.pages, errors, 1)
    if rate <= h.limits.max_error_rate:
        return Check(h.source, "error_rate", True,
                     f"{errors} error(s) for {last.pages} page(s) in the last run", last.id)
    kinds = ", ".join(f"{n}× {kind.replace('_', ' ')}"
                      for kind, n in sorted((last.errors or {}).items()))
    return Check(h.source, "error_rate", False,
                 f"the last run had {errors} error(s) for {last.pages} page(s) ({rate:.0%}, "
                 f"limit {h.limits.max_error_rate:.0%}): {kinds}", last.id)


def _pooled(runs: list[CrawlRun], field: str,
            at_least: int | None = None) -> tuple[float, int, int]:
    """Coverage of ``field`` over the first runs holding ``at_least`` new articles (all the
    runs when None): (share, articles, runs used)."""
    total = covered = used = 0
    for run in runs:
        if at_least is not None and total >= at_least:
            break
        total += run.new_articles
        covered += run.new_articles * run.stats["coverage"][field]
        used += 1
    return (covered / total if total else 0.0), total, used


def coverage(field: str, label: str) -> Callable[[History], Check | None]:
    name = f"{field}_coverage"

    def check(h: History) -> Check | None:
        runs = [r for r in h.completed
                if r.new_articles and field in ((r.stats or {}).get("coverage") or {})]
        enough = h.limits.coverage_articles
        recent, recent_n, used = _pooled(runs, field, enough)
        before, before_n, _ = _pooled(runs[used:], field)
        if recent_n < enough or before_n < enough:
            return None
        if before - recent > h.limits.coverage_drop:
            return Check(h.source, name, False,
                         f"{label} for {recent:.0%} of the last {recent_n} new articles against "
                         f"{before:.0%} before: has the site's layout changed?", runs[0].id)
        return Check(h.source, name, True,
                     f"{label} for {recent:.0%} of the last {recent_n} new articles "
                     f"({before:.0%} before)", runs[0].id)

    check.__name__ = name
    return check


def on_time(h: History) -> Check | None:
    if h.schedule is None or not h.runs:
        return None
    good = [r for r in h.completed if r.finish_reason == "finished"]
    since = good[0].started_at if good else h.runs[-1].started_at
    first = next_run_after(h.schedule, since, h.now)
    second = next_run_after(h.schedule, first, h.now) if first else None
    late = second is not None and h.now > second + timedelta(seconds=h.limits.time_limit)
    what = (f"last successful run {_when(since)}" if good
            else f"no successful run since {_when(since)}")
    if late:
        return Check(h.source, "on_time", False,
                     f"{what}: runs due at {_when(first)} and {_when(second)} did not happen "
                     f"(schedule {h.schedule!r}; is the scheduler or cron running?)")
    return Check(h.source, "on_time", True, f"{what}; next due {_when(first)}" if first else what)


CHECKS: tuple[Callable[[History], Check | None], ...] = (
    finished,
    time_limit,
    new_articles,
    error_rate,
    coverage("date", "dates found"),
    coverage("body", "bodies over 200 characters"),
    on_time,
)


def evaluate(history: History) -> list[Check]:
    return [c for c in (check(history) for check in CHECKS) if c is not None]


# ---------------------------------------------------------------- over the database


def check_sources(storage: Storage, settings, *, sources: list[Source] | None = None,
                  now: datetime | None = None, only: list[str] | None = None) -> list[Check]:
    """Every check of every enabled source (or of ``only``); ``sources`` default to the
    sources file, or to the sources in the run history when that file cannot be read."""
    if sources is None:
        try:
            sources = load_sources(settings.get("MONITOR_SOURCES"))
        except ConfigError:
            sources = None
    schedules: dict[str, str | None] = (
        {s.name: s.schedule for s in sources if s.enabled} if sources is not None
        else dict.fromkeys(storage.run_sources())
    )
    limits = Thresholds.from_settings(settings)
    now = now or datetime.now(UTC)
    folder: Path = paths.lock_dir(settings)
    results = []
    for name, schedule in schedules.items():
        if only is not None and name not in only:
            continue
        history = History(name, storage.recent_runs(name, limits.history), limits, now,
                          schedule=schedule, running=running(folder, name))
        results += evaluate(history)
    return results


def failing_checks(storage: Storage, settings, **options) -> list[dict]:
    """The failing checks as plain dicts {"source", "check", "ok", "message", "run_id"}:
    what the digest shows at its top. ``options`` as for ``check_sources``."""
    return [c.as_dict() for c in check_sources(storage, settings, **options) if not c.ok]

