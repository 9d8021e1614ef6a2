"""Named locks between processes: one crawl of a source at a time, one schema upgrade at a time.

Whoever starts a crawl (cron's ``monitor run``, a child of ``monitor schedule``, a
``monitor crawl`` by hand) takes the source's lock first and keeps it until the crawl ends.

The lock is an OS file lock (``fcntl.flock``) on ``<MONITOR_LOCK_DIR>/<name>.lock`` held
on an open file. The kernel releases it when the holding process ends, however it ends
(SIGKILL after a time limit, the OOM killer, a reboot), so a killed run never leaves a
stale lock: there is no timeout to guess and no clean-up pass, unlike lock rows in the
database with a heartbeat. What the killed run left in the database (its run record
without an end) is closed by the next holder of the lock (see ``Storage.end_unfinished_runs``).
The file also holds the holder's pid, start time and command, for messages only.

The limit: every process that crawls must see the same lock folder, i.e. run on one
machine. The lock file descriptors are not inherited by child processes (Python opens
files non-inheritable), so a browser left behind by a killed crawl holds no lock.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from monitor.config import paths
from monitor.config.zone import TZ
from monitor.digest.labels import Labels, language


class LockTimeout(RuntimeError):
    """A blocking acquire did not get the lock in time."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lock, as written in the lock file by the holder."""

    pid: int | None
    since: datetime | None
    command: str = ""

    def describe(self, words: Labels | None = None) -> str:
        """Who crawls the source since when (Asia/Shanghai time, said so), in ``words``'
        language (default ``$MONITOR_LANGUAGE``)."""
        words = words or Labels(language(None))
        since = words("lock_since", moment=f"{self.since.astimezone(TZ):%Y-%m-%d %H:%M:%S}"
                      ) if self.since else ""
        if self.pid:
            return words("lock_busy", pid=self.pid, since=since)
        return words("lock_busy_unknown", since=since)


def source_lock_name(source: str) -> str:
    return f"source-{source}"


class Lock:
    """A named lock in ``folder``; ``with Lock(folder, name):`` blocks until it is free."""

    def __init__(self, folder: str | os.PathLike, name: str):
        self.path = Path(folder) / f"{name}.lock"
        self.name = name
        self._file = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self, *, blocking: bool = False, timeout: float | None = None,
                poll: float = 0.1) -> bool:
        """Take the lock; False when ``blocking`` is off and another process holds it."""
        if self._file is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = None if timeout is None else time.monotonic() + timeout
        handle = open(self.path, "a+")  # stays open for as long as the lock is held
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not blocking:
                    handle.close()
                    return False
                if deadline is not None and time.monotonic() >= deadline:
                    handle.close()
                    raise LockTimeout(f"{self.path} still locked after {timeout} s") from None
                time.sleep(poll)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "since": datetime.now(UTC).isoformat(),
                                 "command": " ".join(sys.argv)[:300]}))
        handle.flush()
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is None:
            return
        self._file.seek(0)
        self._file.truncate()
        fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        self._file.close()
        self._file = None

    def holder(self) -> Holder | None:
        """Who holds the lock now; None when it is free (or held by this object)."""
        if self._file is not None or not self.path.exists():
            return None
        probe = Lock(self.path.parent, self.name)
        if probe.acquire():
            probe.release()
            return None
        try:
            data = json.loads(self.path.read_text() or "{}")
        except (OSError, ValueError):
            data = {}
        since = data.get("since")
        return Holder(pid=data.get("pid"), since=datetime.fromisoformat(since) if since else None,
                      command=data.get("command", ""))

    def __enter__(self) -> Lock:
        self.acquire(blocking=True)
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class SourceLocks:
    """The locks of the sources one process crawls: ``take`` what is free, release at exit."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self.held: dict[str, Lock] = {}

    def take(self, names: list[str]) -> tuple[list[str], dict[str, Holder]]:
        """Lock every free source of ``names``: (locked names, {busy name: holder})."""
        locked, busy = [], {}
        for name in names:
            lock = Lock(self.folder, source_lock_name(name))
            if lock.acquire():
                self.held[name] = lock
                locked.append(name)
            else:
                busy[name] = lock.holder() or Holder(None, None)
        return locked, busy

    def release(self) -> None:
        for lock in self.held.values():
            lock.release()
        self.held.clear()

    def __enter__(self) -> SourceLocks:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def running(folder: str | os.PathLike, source: str) -> Holder | None:
    """The holder of ``source``'s lock when a crawl of it is going on, else None."""
    return Lock(folder, source_lock_name(source)).holder()


def schema_lock(settings) -> Lock:
    """The lock held while the database schema is upgraded (``migrations.upgrade``)."""
    return Lock(paths.lock_dir(settings), "schema-upgrade")
