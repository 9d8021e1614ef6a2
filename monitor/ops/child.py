"""Crawls in a child process: ``crawl_in_child`` runs ``monitor crawl --source …`` with a hard
time limit (Scrapy's reactor cannot restart inside one process, and a hung browser must be
killable). On the limit the child's process group and descendants get SIGTERM, then SIGKILL
after a grace time, and the run records it left open are closed as ``killed: time limit``.
The child takes the sources' locks itself (``monitor.ops.locks``) and reports through a
JSON file (``ChildResult.results``), not its output."""

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
from datetime import UTC, datetime
from pathlib import Path

from monitor.config import paths
from monitor.ops.crawl import SourceResult, read_report
from monitor.ops.locks import SourceLocks
from monitor.storage.database import Storage

KILLED = "killed: time limit"
STOPPED = "stopped: the scheduler shut down"

logger = logging.getLogger(__name__)


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
    argv = [sys.executable, "-m", "monitor.cli.main"]
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
            with SourceLocks(paths.lock_dir(settings)) as locks:
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
