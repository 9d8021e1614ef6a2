"""When and how crawls run: schedules, due sources, crawls in child processes, the daemon.

- ``trigger_for`` turns a source's ``schedule`` (cron expression or ``every N[m|h|d]``,
  Asia/Shanghai) into an APScheduler trigger; ``due_sources`` uses the same triggers for
  cron's ``monitor run``: a source is due when a fire time has passed since the start of
  its last run that finished normally (never run: due).
- ``crawl_in_child`` runs ``monitor crawl --source …`` in a child process with a hard time
  limit (Scrapy's reactor cannot restart inside one process, and a hung browser must be
  killable). On the limit the child's process group and descendants get SIGTERM, then
  SIGKILL after a grace time, and the run records it left open are closed as
  ``killed: time limit``. The child takes the sources' locks itself (``monitor.locks``).
- ``Daemon`` is ``monitor schedule``: APScheduler 3 with one job per enabled source plus the
  daily digest job, kept in the monitor's database (table ``apscheduler_jobs``) so that a
  restart keeps the schedule. Jobs coalesce, have a misfire grace time and run one
  instance at a time, so downtime does not trigger a burst of runs. Jobs that already exist
  with the same schedule are kept as stored (their missed run, if within the grace time,
  runs once on start); a new job of a due source runs at once. SIGTERM stops cleanly.
- In distributed mode (``monitor.distributed``) every node runs the same daemon with two
  jobs kept in memory (APScheduler 3 cannot share a job store between machines): dispatch
  (``MONITOR_DISPATCH_SCHEDULE``), whose claims in the database make it safe on every node,
  and the digest, sent once a day for the cluster (``Storage.once_a_day``).
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor import health_words
from monitor.config import _INTERVAL, Source
from monitor.crawl import SourceResult, read_report
from monitor.errors import plain_error
from monitor.labels import Labels, language
from monitor.locks import SourceLocks, lock_folder
from monitor.storage import Storage

logger = logging.getLogger(__name__)

TZ = ZoneInfo("Asia/Shanghai")
JOB_TABLE = "apscheduler_jobs"
KILLED = "killed: time limit"
STOPPED = "stopped: the scheduler shut down"
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


# ---------------------------------------------------------------- schedules


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


# ---------------------------------------------------------------- crawls in a child process


@dataclass
class ChildResult:
    sources: list[str]
    returncode: int | None
    seconds: float
    stopped: str | None = None  # KILLED or STOPPED when the parent ended it
    closed_runs: dict[str, list[int]] = field(default_factory=dict)  # source -> run ids
    # what the child reported (its JSON report file); None when it ended before writing it
    results: list[SourceResult] | None = None
    busy: dict[str, str] = field(default_factory=dict)  # source -> who is crawling it

    def describe(self) -> str:
        what = ", ".join(self.sources)
        if self.stopped:
            return f"crawl of {what} {self.stopped} after {self.seconds:.0f} s"
        return f"crawl of {what} exited with {self.returncode} after {self.seconds:.0f} s"

    def failures(self, time_limit: float) -> dict[str, str]:
        """{failed source: why, in one line}: from the child's report, else from how the
        child ended."""
        reasons: dict[str, str] = {}
        for result in self.results or []:
            if result.failed:
                reasons[result.source] = result.why()
        for name in self.closed_runs:
            reasons[name] = f"{self.stopped} ({time_limit:.0f} s)"
        reported = {r.source for r in self.results or []} | set(self.busy)
        for name in self.sources:
            if name in reasons or name in reported:
                continue
            if self.stopped:
                reasons[name] = f"crawl {self.stopped}"
            else:
                reasons[name] = (f"the crawl ended with exit code {self.returncode} without "
                                 "a report (see its log under data/logs)")
        return reasons


def crawl_command(names: list[str], *, sources_file: str | None = None,
                  replay: str | None = None, options: list[str] | None = None,
                  report: str | None = None) -> list[str]:
    """``monitor crawl`` of ``names``; ``options`` are ``-s NAME=VALUE`` settings; the
    child writes what it did to ``report`` (JSON)."""
    argv = [sys.executable, "-m", "monitor.cli"]
    if sources_file:
        argv += ["--sources-file", sources_file]
    argv.append("crawl")
    for name in names:
        argv += ["--source", name]
    if replay:
        argv += ["--replay", replay]
    for option in options or []:
        argv += ["-s", option]
    if report:
        argv += ["--report", report]
    return argv


def run_child(argv: list[str], *, time_limit: float, grace: float,
              stop: threading.Event | None = None, poll: float = 0.2,
              on_line: Callable[[str], None] | None = None,
              **popen) -> tuple[int | None, str | None, float]:
    """Run ``argv`` in its own process group: (exit code, why it was ended or None, seconds).
    Past ``time_limit``, or when ``stop`` is set, or when this process is interrupted, the
    child and its descendants get SIGTERM, then SIGKILL ``grace`` seconds later.
    ``on_line``: each line the child prints (stdout and stderr) goes there."""
    started = time.monotonic()
    if on_line is not None:
        popen.update(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                     errors="replace")
    process = subprocess.Popen(argv, start_new_session=True, **popen)
    if on_line is not None:
        def pump():
            for line in process.stdout:
                if line.strip():
                    on_line(line.rstrip())
        threading.Thread(target=pump, daemon=True, name=f"output of {process.pid}").start()
    stopped = None
    try:
        while True:
            try:
                code = process.wait(timeout=poll)
                return code, None, time.monotonic() - started
            except subprocess.TimeoutExpired:
                pass
            if time.monotonic() - started > time_limit:
                stopped = KILLED
            elif stop is not None and stop.is_set():
                stopped = STOPPED
            if stopped:
                logger.warning("%s: ending pid %d (%s)", stopped, process.pid, " ".join(argv))
                terminate(process, grace)
                return process.returncode, stopped, time.monotonic() - started
    except BaseException:  # KeyboardInterrupt, SystemExit: do not leave the crawl behind
        terminate(process, grace)
        raise


def _process_tree(root: int) -> list[tuple[int, str]]:
    """(pid, start time) of every descendant of ``root`` (Linux /proc; [] elsewhere)."""
    children: dict[int, list[tuple[int, str]]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append((int(entry.name), fields[19]))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child[0])
    return found


def _signal_tree(process: subprocess.Popen, tree: list[tuple[int, str]], sig: int) -> None:
    """Signal the child's process group and the descendants found earlier that still run
    (same pid and start time: a pid reused by another process is left alone)."""
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass
    for pid, started in tree:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            if fields[19] == started:
                os.kill(pid, sig)
        except (OSError, IndexError):
            pass


def terminate(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM to the child's tree, SIGKILL to whatever is left after ``grace`` seconds."""
    tree = _process_tree(process.pid)
    _signal_tree(process, tree, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    tree = sorted(set(tree) | set(_process_tree(process.pid)))
    _signal_tree(process, tree, signal.SIGKILL)
    process.wait()


def crawl_in_child(names: list[str], settings, *, stop: threading.Event | None = None,
                   sources_file: str | None = None, options: list[str] | None = None,
                   **popen) -> ChildResult:
    """Crawl ``names`` in a child process under ``MONITOR_CRAWL_TIME_LIMIT`` (``options``:
    its ``-s NAME=VALUE`` settings); when the parent had to end it, close the run records
    it left open."""
    started_at = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="monitor-crawl-") as folder:
        report = Path(folder) / "report.json"
        code, stopped, seconds = run_child(
            crawl_command(names, sources_file=sources_file,
                          replay=settings.get("MONITOR_REPLAY_DIR") or None,
                          options=options, report=str(report)),
            time_limit=settings.getfloat("MONITOR_CRAWL_TIME_LIMIT"),
            grace=settings.getfloat("MONITOR_CRAWL_KILL_GRACE"),
            stop=stop, **popen,
        )
        reported = read_report(report)
    result = ChildResult(list(names), code, seconds, stopped)
    if reported is not None:
        result.results, result.busy = reported
    if stopped:
        storage = Storage.from_settings(settings)
        try:
            with SourceLocks(lock_folder(settings)) as locks:
                locked, _busy = locks.take(list(names))  # busy: a newer crawl closes them
                overriding = ("shutdown",) if stopped == KILLED else ()
                for name in locked:
                    closed = storage.end_unfinished_runs(
                        name, stopped, started_after=started_at, overriding=overriding)
                    if closed:
                        result.closed_runs[name] = closed
        finally:
            storage.close()
    return result


# ---------------------------------------------------------------- one cycle


@dataclass
class CycleReport:
    """What ``run_cycle`` did, for the CLI and the daemon to print or log."""

    enabled: int = 0  # enabled sources in the sources file
    selected: list[str] = field(default_factory=list)  # due (or forced) sources
    forced: bool = False  # sources named or --all: not chosen by their schedules
    skipped: dict[str, str] = field(default_factory=dict)  # source -> why not crawled
    child: ChildResult | None = None
    # distributed mode: the sources claimed and queued for the workers instead of a crawl
    # (monitor.distributed.Dispatched; one with an error was released), None otherwise
    dispatched: list | None = None
    failures: dict[str, str] = field(default_factory=dict)  # failed source -> why, one line
    checks: list = field(default_factory=list)  # the crawled sources' health checks
    digest: object | None = None  # monitor.digest.Digest when asked for

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
              options: list[str] | None = None, now: datetime | None = None) -> CycleReport:
    """One cycle: the due sources (or ``names``, or every enabled one with ``everything``)
    → one crawl of them in a child process under the time limit (``crawl`` replaces it in
    tests) → their health checks → the digest of what is new (``digest=False``: none).
    In distributed mode the sources are claimed and queued for the workers instead
    (``monitor.distributed.dispatch``: due by their claims, whoever dispatched them), and
    the workers check their health.
    The child reports through a JSON file (``ChildResult.results``), not its output.
    ``sources`` is the whole sources file; ``options``: the child's ``-s NAME=VALUE``
    settings; the database schema must be current."""
    from monitor.config import get_source
    from monitor.crawl import replayable
    from monitor.health import check_sources

    now = now or datetime.now(UTC)
    words = Labels(language(settings.get("MONITOR_LANGUAGE")))
    enabled = [s for s in sources if s.enabled]
    report = CycleReport(enabled=len(enabled), forced=bool(names) or everything)
    distributed = bool(settings.get("MONITOR_REDIS_URL"))  # checked by the CLI and Daemon
    storage = Storage.from_settings(settings)
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
            from monitor.digest import build_digest, digest_options

            report.digest = build_digest(storage, **digest_options(settings))
    finally:
        storage.close()
    return report


def _dispatch(storage: Storage, sources: list[Source], settings, *, force: bool,
              now: datetime) -> list:
    """``run_cycle``'s step in distributed mode: claim and queue ``sources``."""
    from monitor.distributed import dispatch, redis_client

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


# ---------------------------------------------------------------- the daemon


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
                "MONITOR_DISPATCH_SCHEDULE", "every 1m")})}
        jobs["digest"] = (digest_job, {"schedule": self.settings.get(
            "MONITOR_DIGEST_SCHEDULE", "0 8 * * *")})
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
                               crawl=self.crawl)
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
        from monitor.distributed import ClusterError

        if self.stop.is_set():
            return []
        try:
            queued = run_cycle(self.settings, self.all_sources, digest=False).dispatched
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
        from monitor.distributed import node_id

        day = now.astimezone(TZ).date()
        try:
            with self.storage.once_a_day("digest", day, node_id()) as mine:
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
        from monitor.delivery import DeliveryConfig, record, send_digest, write_feed
        from monitor.digest import build_digest, digest_options
        from monitor.render import render_html, render_json, render_text

        now = now or datetime.now(UTC)
        digest = build_digest(self.storage, now=now, **digest_options(self.settings))
        folder = Path(self.settings.get("MONITOR_DATA_DIR") or "data") / "digests"
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
