"""Sources' schedules: ``trigger_for`` turns a source's ``schedule`` (cron expression or
``every N[m|h|d]``, Asia/Shanghai) into an APScheduler trigger; the daemon runs those
triggers, and ``due_sources`` uses the same ones for cron's ``monitor run``: a source is due
when a fire time has passed since the start of its last run that finished normally (never
run: due)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config.sources import _INTERVAL, Source
from monitor.config.zone import TZ
from monitor.storage.database import Storage

_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def trigger_for(schedule: str) -> BaseTrigger:
    """The APScheduler trigger of a ``schedule`` that ``config.check_schedule`` accepted."""
    match = _INTERVAL.match(schedule.strip())
    if match:
        return IntervalTrigger(**{_UNITS[match[2]]: int(match[1])}, timezone=TZ)
    return CronTrigger.from_crontab(schedule, timezone=TZ)


def next_run_after(schedule: str, last_start: datetime, now: datetime) -> datetime | None:
    """The first fire time of ``schedule`` after a run that started at ``last_start``."""
    return trigger_for(schedule).get_next_fire_time(last_start, max(now, last_start))


def is_due(schedule: str, last_start: datetime | None, now: datetime,
           slack: timedelta = timedelta(0)) -> bool:
    """Whether a run should have happened since ``last_start``. ``slack`` lets an interval
    schedule run that much early, so that a run started a few seconds after cron's minute
    is not pushed to the next cron call (cron expressions need none: they name the time)."""
    if last_start is None:
        return True
    trigger = trigger_for(schedule)
    due_at = trigger.get_next_fire_time(last_start, max(now, last_start))
    if due_at is None:
        return False
    if isinstance(trigger, IntervalTrigger):
        due_at -= min(slack, trigger.interval / 4)
    return due_at <= now


def due_sources(sources: list[Source], storage: Storage, now: datetime | None = None,
                slack: timedelta = timedelta(0)) -> list[Source]:
    now = now or datetime.now(UTC)
    last = storage.last_successful_starts()
    return [s for s in sources if is_due(s.schedule, last.get(s.name), now, slack)]
