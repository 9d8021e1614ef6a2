"""Health checks of each source, over its run history, in the manner of Spidermon.

Each check is a small function over a source's recent runs (``crawl_runs``) that says ok or
failing, as a kind and its numbers (``Check.kind``, ``Check.values``; the words are made in
the reader's language by ``monitor.digest.health_words``), or nothing when it does not apply yet
(too little history). A site that changed its layout shows up as a coverage drop or as
silence. Thresholds are ``MONITOR_HEALTH_*`` settings.

- finished: the last run ended normally (not killed, interrupted or stopped)
- time_limit: the last run, or the one going on, stayed within MONITOR_CRAWL_TIME_LIMIT
- new_articles: the source has not gone quiet, judged against time and its own rhythm
  (``monitor.ops.rhythm``): silent for longer than MONITOR_HEALTH_QUIET_FACTOR × its usual gap
  between days with new articles (at most MONITOR_HEALTH_QUIET_MAX_GAP_DAYS) and than
  MONITOR_HEALTH_QUIET_MIN_DAYS days, once it has new articles on
  MONITOR_HEALTH_QUIET_HISTORY_DAYS days; only runs that finished normally are observations
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
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import paths
from monitor.config.sources import Source, load_sources
from monitor.digest import health_words
from monitor.errors import ConfigError
from monitor.ops.locks import Holder, running
from monitor.ops.rhythm import Rule, silence
from monitor.ops.schedules import next_run_after
from monitor.storage.database import Storage
from monitor.storage.models import CrawlRun


@dataclass(frozen=True)
class Thresholds:
    """The health checks' limits; their defaults are the settings' (monitor/settings.py)."""

    max_error_rate: float
    coverage_drop: float
    coverage_articles: int
    time_limit: float
    quiet: Rule = field(default_factory=Rule)  # when a source has gone quiet (monitor.ops.rhythm)
    history: int = 60  # runs read per source

    @classmethod
    def from_settings(cls, settings) -> Thresholds:
        return cls(
            max_error_rate=settings.getfloat("MONITOR_HEALTH_MAX_ERROR_RATE"),
            coverage_drop=settings.getfloat("MONITOR_HEALTH_COVERAGE_DROP"),
            coverage_articles=settings.getint("MONITOR_HEALTH_COVERAGE_ARTICLES"),
            time_limit=settings.getfloat("MONITOR_CRAWL_TIME_LIMIT"),
            quiet=Rule(factor=settings.getfloat("MONITOR_HEALTH_QUIET_FACTOR"),
                       min_days=settings.getfloat("MONITOR_HEALTH_QUIET_MIN_DAYS"),
                       max_gap_days=settings.getfloat("MONITOR_HEALTH_QUIET_MAX_GAP_DAYS"),
                       min_active_days=settings.getint("MONITOR_HEALTH_QUIET_HISTORY_DAYS")),
        )


@dataclass(frozen=True)
class Check:
    """A check's result: ``kind`` (``new_articles.quiet``…) and its numbers ``values``
    (JSON: times as ISO text); ``message`` is its sentence in ``$MONITOR_LANGUAGE``."""

    source: str
    check: str
    ok: bool
    kind: str
    values: dict = field(default_factory=dict)
    run_id: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def message(self) -> str:
        """The check's sentence in the default language (outputs pass their reader's
        language to ``monitor.digest.health_words.describe``)."""
        return health_words.describe(self)


@dataclass
class History:
    """What the checks look at for one source."""

    source: str
    runs: list[CrawlRun]  # newest first
    limits: Thresholds
    now: datetime
    schedule: str | None = None
    running: Holder | None = None  # the holder of the source's lock: a crawl is going on
    # start times of its runs that stored new articles, newest first, over a longer past
    # than ``runs`` (its rhythm); None: taken from ``runs``
    new_article_starts: list[datetime] | None = None

    @property
    def completed(self) -> list[CrawlRun]:
        return [r for r in self.runs if r.finished_at is not None]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# ---------------------------------------------------------------- the checks


def finished(h: History) -> Check | None:
    if not h.runs:
        return None
    latest = h.runs[0]
    if latest.finished_at is None:
        if h.running:
            return None  # going on
        return Check(h.source, "finished", False, "finished.interrupted",
                     {"started": _iso(latest.started_at)}, latest.id)
    if latest.finish_reason == "finished":
        return Check(h.source, "finished", True, "finished.ok", {}, latest.id)
    return Check(h.source, "finished", False, "finished.ended",
                 {"started": _iso(latest.started_at), "reason": latest.finish_reason},
                 latest.id)


def time_limit(h: History) -> Check | None:
    limit = h.limits.time_limit
    if h.runs and h.runs[0].finished_at is None and h.running:
        going = (h.now - h.runs[0].started_at).total_seconds()
        if going > limit:
            return Check(h.source, "time_limit", False, "time_limit.running",
                         {"seconds": going, "limit": limit, "pid": h.running.pid},
                         h.runs[0].id)
    if not h.completed:
        return None
    last = h.completed[0]
    took = (last.finished_at - last.started_at).total_seconds()
    if (last.finish_reason or "").startswith("killed") or took > limit:
        return Check(h.source, "time_limit", False, "time_limit.over",
                     {"seconds": took, "limit": limit, "reason": last.finish_reason}, last.id)
    return Check(h.source, "time_limit", True, "time_limit.ok", {"seconds": took}, last.id)


def observing(run: CrawlRun) -> bool:
    """A run that saw the site: it finished normally and fetched a page. A killed,
    interrupted, timed-out run, or one that could not start or reach the site, says
    nothing about whether the site published."""
    return run.finish_reason == "finished" and run.finished_at is not None and run.pages > 0


def new_articles(h: History) -> Check | None:
    """Has the source gone quiet, against time and its own rhythm (``monitor.ops.rhythm``)?"""
    starts = h.new_article_starts
    if starts is None:
        starts = [r.started_at for r in h.runs if r.new_articles]
    observed = next((r for r in h.runs if observing(r)), None)
    found = silence(starts, observed.started_at if observed else None, h.limits.quiet)
    if found is None:
        return None
    values = {"last_new": _iso(found.last_new), "observed_at": _iso(found.observed_at),
              "silent_days": round(found.silent_days, 2), "gap_days": found.gap_days,
              "allowed_days": found.allowed_days}
    if found.quiet:
        return Check(h.source, "new_articles", False, "new_articles.quiet", values, observed.id)
    return Check(h.source, "new_articles", True, "new_articles.ok", values, observed.id)


def error_rate(h: History) -> Check | None:
    if not h.completed:
        return None
    last = h.completed[0]
    errors = sum((last.errors or {}).values())
    rate = errors / max(last.pages, errors, 1)
    values = {"errors": errors, "pages": last.pages, "rate": rate,
              "limit": h.limits.max_error_rate, "kinds": dict(last.errors or {})}
    if rate <= h.limits.max_error_rate:
        return Check(h.source, "error_rate", True, "error_rate.ok", values, last.id)
    return Check(h.source, "error_rate", False, "error_rate.high", values, last.id)


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


def coverage(field: str) -> Callable[[History], Check | None]:
    name = f"{field}_coverage"

    def check(h: History) -> Check | None:
        runs = [r for r in h.completed
                if r.new_articles and field in ((r.stats or {}).get("coverage") or {})]
        enough = h.limits.coverage_articles
        recent, recent_n, used = _pooled(runs, field, enough)
        before, before_n, _ = _pooled(runs[used:], field)
        if recent_n < enough or before_n < enough:
            return None
        values = {"field": field, "recent": recent, "recent_n": recent_n, "before": before}
        if before - recent > h.limits.coverage_drop:
            return Check(h.source, name, False, "coverage.drop", values, runs[0].id)
        return Check(h.source, name, True, "coverage.ok", values, runs[0].id)

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
    values = {"since": _iso(since), "good": bool(good), "schedule": h.schedule}
    if late:
        return Check(h.source, "on_time", False, "on_time.late",
                     {**values, "first": _iso(first), "second": _iso(second)})
    return Check(h.source, "on_time", True, "on_time.ok", {**values, "next": _iso(first)})


CHECKS: tuple[Callable[[History], Check | None], ...] = (
    finished,
    time_limit,
    new_articles,
    error_rate,
    coverage("date"),
    coverage("body"),
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
                          schedule=schedule, running=running(folder, name),
                          new_article_starts=storage.new_article_starts(name))
        results += evaluate(history)
    return results


def failing_checks(storage: Storage, settings, **options) -> list[dict]:
    """The failing checks as plain dicts {"source", "check", "ok", "kind", "values",
    "run_id"}: what the digest shows at its top (in words: ``monitor.digest.health_words``).
    ``options`` as for ``check_sources``."""
    return [c.as_dict() for c in check_sources(storage, settings, **options) if not c.ok]
