"""The scheduler daemon (``monitor schedule``).

``Daemon`` is ``monitor schedule``: APScheduler 3 with one job per enabled source plus the
daily digest job, kept in the monitor's database (table ``apscheduler_jobs``) so that a
restart keeps the schedule. Jobs coalesce, have a misfire grace time and run one instance at
a time, so downtime does not trigger a burst of runs. Jobs that already exist with the same
schedule are kept as stored (their missed run, if within the grace time, runs once on
start); a new job of a due source runs at once. SIGTERM stops cleanly.

In distributed mode every node runs the same daemon with two jobs kept in memory
(APScheduler 3 cannot share a job store between machines): dispatch
(``MONITOR_DISPATCH_SCHEDULE``), whose claims in the database make it safe on every node, and
the digest, sent once a day for the cluster (``Storage.once_a_day``).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from monitor.config import paths
from monitor.config.sources import Source
from monitor.config.zone import TZ
from monitor.crawling.cluster import ClusterError, node_id
from monitor.digest.delivery import DeliveryConfig, record, send_digest, write_feed
from monitor.digest.render import render_html, render_json, render_text
from monitor.errors import plain_error
from monitor.ops.child import ChildResult, crawl_in_child
from monitor.ops.cycle import CycleReport, run_cycle
from monitor.ops.digests import digest_with_health
from monitor.ops.schedules import is_due, trigger_for
from monitor.storage.database import Storage

JOB_TABLE = "apscheduler_jobs"

logger = logging.getLogger(__name__)


class DaemonLogFormatter(logging.Formatter):
    """Log times in the schedules' time zone (Asia/Shanghai), with its offset, like
    APScheduler's own times in its messages: one time zone in the whole log."""

    def formatTime(self, record, datefmt=None):
        moment = datetime.fromtimestamp(record.created, TZ)
        return moment.strftime(datefmt or "%Y-%m-%d %H:%M:%S%z")


def configure_daemon_logging(stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(DaemonLogFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)


_daemon: Daemon | None = None


def crawl_job(source: str, schedule: str) -> None:
    """A source's job. Jobs are stored by reference to this function with their arguments;
    ``schedule`` tells on restart whether the stored job is still the configured one."""
    try:
        _current().run_crawl(source)
    except Exception as exc:  # one plain line in the log, not a traceback
        logger.error("%s: FAILED: %s", source, plain_error(exc))


def digest_job(schedule: str) -> None:
    try:
        _current().write_digest()
    except Exception as exc:
        logger.error("digest: FAILED: %s", plain_error(exc))


def dispatch_job(schedule: str) -> None:
    _current().run_dispatch()


def _current() -> Daemon:
    if _daemon is None:
        raise RuntimeError("no scheduler daemon in this process")
    return _daemon


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class _Undelivered(Exception):
    """A digest some channel did not take: its day must not be marked done."""

    def __init__(self, path: Path):
        super().__init__(str(path))
        self.path = path


class Daemon:
    """``monitor schedule``. ``crawl`` (names → ChildResult) is replaceable for tests."""

    def __init__(self, settings, sources: list[Source], *,
                 crawl: Callable[[list[str]], ChildResult] | None = None,
                 sources_file: str | None = None, distributed: bool = False):
        self.settings = settings
        self.distributed = distributed
        self.all_sources = list(sources)
        self.sources = [s for s in sources if s.enabled]
        self.sources_file = sources_file
        self.storage = Storage.from_settings(settings)
        self.stop = threading.Event()
        self.crawl = crawl or self._crawl_in_child
        self._active = 0
        self._idle = threading.Condition()
        self.grace = settings.getint("MONITOR_MISFIRE_GRACE")
        self.scheduler = BackgroundScheduler(
            timezone=TZ,
            jobstores={"default": MemoryJobStore() if distributed else
                       SQLAlchemyJobStore(engine=self.storage.engine, tablename=JOB_TABLE)},
            executors={"default": ThreadPoolExecutor(
                settings.getint("MONITOR_SCHEDULER_WORKERS"))},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.grace,
            },
        )

    # ------------------------------------------------------------ jobs

    def desired_jobs(self) -> dict[str, tuple[Callable, dict]]:
        jobs: dict[str, tuple[Callable, dict]] = {
            f"crawl:{s.name}": (crawl_job, {"source": s.name, "schedule": s.schedule})
            for s in self.sources
        }
        if self.distributed:  # the workers crawl; every node dispatches what is due
            jobs = {"dispatch": (dispatch_job, {"schedule": self.settings.get(
                "MONITOR_DISPATCH_SCHEDULE")})}
        jobs["digest"] = (digest_job, {"schedule": self.settings.get(
            "MONITOR_DIGEST_SCHEDULE")})
        return jobs

    def sync_jobs(self, now: datetime | None = None) -> SyncReport:
        """Make the stored jobs match sources.toml: keep unchanged ones as they are (with
        their next run time), replace changed ones, add new ones, remove the others."""
        now = now or datetime.now(UTC)
        report = SyncReport()
        stored = {job.id: job for job in self.scheduler.get_jobs()}
        desired = self.desired_jobs()
        for job_id in sorted(set(stored) - set(desired)):
            self.scheduler.remove_job(job_id)
            report.removed.append(job_id)
        last = self.storage.last_successful_starts()
        for job_id, (func, kwargs) in desired.items():
            job = stored.get(job_id)
            if job is not None and job.kwargs == kwargs and job.func is func:
                if job.misfire_grace_time != self.grace:
                    job.modify(misfire_grace_time=self.grace)
                report.kept.append(job_id)
                continue
            options = {}
            source = kwargs.get("source")
            if (source and is_due(kwargs["schedule"], last.get(source), now)) \
                    or job_id == "dispatch":
                options["next_run_time"] = now
            self.scheduler.add_job(func, trigger_for(kwargs["schedule"]), id=job_id,
                                   name=f"{job_id} ({kwargs['schedule']})", kwargs=kwargs,
                                   replace_existing=True, **options)
            (report.replaced if job is not None else report.added).append(job_id)
        return report

    def start(self, *, paused: bool = False) -> SyncReport:
        global _daemon
        _daemon = self
        self.scheduler.start(paused=True)
        report = self.sync_jobs()
        if not paused:
            self.scheduler.resume()
        return report

    def serve(self) -> None:
        """Run until SIGTERM or SIGINT, then stop cleanly."""
        def on_signal(signum, _frame):
            logger.info("%s received: stopping", signal.Signals(signum).name)
            self.stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        report = self.start()
        logger.info("scheduler started: %d job(s) kept, %d added, %d replaced, %d removed",
                    len(report.kept), len(report.added), len(report.replaced),
                    len(report.removed))
        for job in self.scheduler.get_jobs():
            logger.info("  %-32s next run %s", job.name,
                        job.next_run_time.isoformat() if job.next_run_time else "paused")
        while not self.stop.wait(1):
            pass
        self.shutdown()

    def shutdown(self) -> None:
        """Stop starting jobs; running crawls get SIGTERM (their runs end as "shutdown"),
        then SIGKILL after the grace time; wait for them, then close the database."""
        global _daemon
        self.stop.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        limit = self.settings.getfloat("MONITOR_CRAWL_KILL_GRACE") + 30
        with self._idle:
            self._idle.wait_for(lambda: self._active == 0, timeout=limit)
        self.storage.close()
        if _daemon is self:
            _daemon = None
        logger.info("scheduler stopped")

    # ------------------------------------------------------------ what jobs do

    def _crawl_in_child(self, names: list[str]) -> ChildResult:
        """The crawl's own output goes to the daemon's log, each line with its source."""
        who = ",".join(names)
        return crawl_in_child(names, self.settings, stop=self.stop,
                              sources_file=self.sources_file,
                              on_line=lambda line: logger.info("%s: %s", who, line.strip()))

    def run_crawl(self, name: str) -> CycleReport | None:
        """A source's job: ``run_cycle`` for that source, without the digest; each outcome
        is logged with the source's name."""
        if self.stop.is_set():
            return None
        with self._idle:
            self._active += 1
        try:
            logger.info("%s: crawl starting", name)
            report = run_cycle(self.settings, self.all_sources, names=[name], digest=False,
                               storage=self.storage, crawl=self.crawl)
            if report.child is not None:
                child = report.child
                log = logger.warning if child.stopped or child.returncode else logger.info
                log("%s: %s", name, child.describe())
            for result in report.results:
                logger.info("%s: %d page(s), %d new article(s)", result.source, result.pages,
                            result.new_articles)
            for source, why in report.skipped.items():
                logger.info("%s: skipped: %s", source, why)
            for source, why in report.failures.items():
                logger.warning("%s: FAILED: %s", source, why)
            return report
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def run_dispatch(self) -> list:
        """Distributed mode: claim the due sources and queue them for the workers (the
        cycle of ``run_cycle`` without its digest)."""
        if self.stop.is_set():
            return []
        try:
            queued = run_cycle(self.settings, self.all_sources, digest=False,
                               storage=self.storage).dispatched
        except ClusterError as exc:
            logger.error("dispatch: %s", exc)
            return []
        for item in queued:
            if item.error:
                logger.error("dispatch: %s (run %d): %s; released for the next dispatch",
                             item.source, item.run_id, item.error)
            else:
                logger.info("dispatch: %s (run %d): %d start request(s) queued", item.source,
                            item.run_id, len(item.urls))
        return [item for item in queued if not item.error]

    def write_digest(self, now: datetime | None = None) -> Path | None:
        """``write_digest_now``, and in distributed mode only on the first node that gets
        to it this day (None on the others)."""
        now = now or datetime.now(UTC)
        if not self.distributed:
            return self.write_digest_now(now)

        day = now.astimezone(TZ).date()
        try:
            with self.storage.once_a_day("digest", day, node_id(self.settings)) as mine:
                if not mine:
                    logger.info("digest of %s: already done by another node", day)
                    return None
                path, delivered = self._digest(now)
                if not delivered:  # the day is not marked done: the next node tries again
                    raise _Undelivered(path)
                return path
        except _Undelivered as undelivered:
            logger.error("digest of %s: not every channel delivered; the day stays open for "
                         "the next node", day)
            return undelivered.path

    def write_digest_now(self, now: datetime | None = None) -> Path:
        """The morning digest: the stories new since the last digest, written to
        ``<MONITOR_DATA_DIR>/digests/YYYY-MM-DD.txt`` / ``.json`` / ``.html`` (and the Atom
        feed, ``MONITOR_FEED_FILE``), then mailed
        or posted where delivery is configured (``MONITOR_SMTP_*``, ``MONITOR_WEBHOOK_*``).
        Without delivery it is recorded as written, so the next one starts where it ends;
        a failed delivery leaves its stories new for the next digest."""
        return self._digest(now)[0]

    def _digest(self, now: datetime | None = None) -> tuple[Path, bool]:
        """``write_digest_now``'s work: the digest's text file, and whether every channel
        delivered it (True without delivery)."""
        now = now or datetime.now(UTC)
        digest = digest_with_health(self.storage, self.settings, now=now)
        folder = paths.digest_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{now.astimezone(TZ).date().isoformat()}.txt"
        public = self.settings.get("MONITOR_PUBLIC_URL") or None
        path.write_text(render_text(digest, public) + "\n", "utf-8")
        path.with_suffix(".json").write_text(render_json(digest, public) + "\n", "utf-8")
        path.with_suffix(".html").write_text(render_html(digest, public) + "\n", "utf-8")
        feed = write_feed(self.storage, self.settings, now=now)
        logger.info("digest: Atom feed -> %s", feed)
        config = DeliveryConfig.from_settings(self.settings)
        delivered = True
        if config.channels():
            report = send_digest(self.storage, digest, config)
            for outcome in report.outcomes:
                (logger.info if outcome.ok else logger.error)("digest: %s", outcome.line())
            delivered = report.ok
        else:
            record(self.storage, digest, "recorded", {f"file {path}": "ok"})
        logger.info("digest: %d flagged stories -> %s", len(digest.entries), path)
        return path, delivered
