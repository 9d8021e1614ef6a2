"""Has a source gone quiet? Judged against time and the source's own rhythm, not a count of
runs (pure; ``monitor.ops.health.new_articles`` applies it to the stored runs).

- Its rhythm: the days (Asia/Shanghai) on which its runs stored new articles; the usual
  gap is the median of the gaps between consecutive such days, at most ``max_gap_days``.
- Judged only with enough history: at least ``min_active_days`` such days.
- Its silence: from the start of the last run that stored new articles to the start of the
  last run that finished normally and fetched a page (an observation). Runs that were
  killed, interrupted, timed out, failed to start or fetched nothing are not evidence that
  the site went quiet: they observe nothing (the ``finished`` and ``error_rate`` checks
  report them).
- Quiet when the silence is longer than max(``factor`` × the usual gap, ``min_days``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from statistics import median

from monitor import settings as defaults
from monitor.config.zone import TZ

DAY = 86400.0


@dataclass(frozen=True)
class Rule:
    # silence allowed: this many usual gaps...
    factor: float = defaults.MONITOR_HEALTH_QUIET_FACTOR
    # ...but never less than this many days
    min_days: float = defaults.MONITOR_HEALTH_QUIET_MIN_DAYS
    # the usual gap counted at most this long
    max_gap_days: float = defaults.MONITOR_HEALTH_QUIET_MAX_GAP_DAYS
    # days with new articles needed before judging
    min_active_days: int = defaults.MONITOR_HEALTH_QUIET_HISTORY_DAYS


@dataclass(frozen=True)
class Silence:
    last_new: datetime  # start of the last run that stored new articles
    observed_at: datetime  # start of the last run that saw the site
    gap_days: float  # the usual gap between days with new articles
    allowed_days: float  # the silence allowed
    silent_days: float

    @property
    def quiet(self) -> bool:
        return self.silent_days > self.allowed_days


def active_days(moments: list[datetime]) -> list[date]:
    """The distinct days (Asia/Shanghai) of ``moments``, oldest first."""
    return sorted({m.astimezone(TZ).date() for m in moments})


def usual_gap(days: list[date]) -> float | None:
    """The median gap in days between consecutive ``days`` (sorted); None for fewer than 2."""
    gaps = [(b - a).days for a, b in pairwise(days)]
    return float(median(gaps)) if gaps else None


def silence(new_article_runs: list[datetime], observed_at: datetime | None,
            rule: Rule) -> Silence | None:
    """The source's silence (``new_article_runs``: start times of its runs that stored new
    articles; ``observed_at``: start of its last observing run); None when its history is
    too short to know its rhythm, or when no run has observed the site yet."""
    days = active_days(new_article_runs)
    if len(days) < max(rule.min_active_days, 2) or observed_at is None:
        return None
    gap = min(usual_gap(days), rule.max_gap_days)
    last_new = max(new_article_runs)
    silent = max((observed_at - last_new).total_seconds(), 0.0) / DAY
    return Silence(last_new=last_new, observed_at=observed_at, gap_days=gap,
                   allowed_days=max(rule.factor * gap, rule.min_days), silent_days=silent)
