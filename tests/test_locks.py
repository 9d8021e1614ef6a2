import os
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.digest.labels import Labels
from monitor.ops.locks import Holder, Lock, LockTimeout, SourceLocks, running, source_lock_name
from monitor.storage.migrations import open_storage

SITE = Path(__file__).resolve().parent.parent / "seeds" / "site"

HOLD = """
import sys, time
from monitor.ops.locks import Lock
lock = Lock(sys.argv[1], sys.argv[2])
assert lock.acquire()
print("held", flush=True)
time.sleep(120)
"""


def hold_in_child(folder, name) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", HOLD, str(folder), name],
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "held"
    return child


def test_one_holder_at_a_time_and_released_on_release(tmp_path):
    first, second = Lock(tmp_path, "source-a"), Lock(tmp_path, "source-a")
    assert first.acquire() and first.held
    assert not second.acquire()  # another open file, even in the same process
    assert Lock(tmp_path, "source-b").acquire()  # other names are independent
    holder = second.holder()
    assert holder.pid == os.getpid() and holder.since is not None
    first.release()
    assert second.holder() is None and second.acquire()
    second.release()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    child = hold_in_child(tmp_path, "source-x")
    try:
        lock = Lock(tmp_path, "source-x")
        assert not lock.acquire()
        assert lock.holder().pid == child.pid
        assert f"进程 {child.pid}" in lock.holder().describe()  # Chinese by default
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert lock.acquire()  # the kernel released it with the process
    lock.release()


def test_blocking_acquire_gives_up_after_its_timeout(tmp_path):
    with Lock(tmp_path, "schema-upgrade"):
        with pytest.raises(LockTimeout):
            Lock(tmp_path, "schema-upgrade").acquire(blocking=True, timeout=0.3)


def test_source_locks_take_the_free_ones_and_name_the_busy_ones(tmp_path):
    busy = Lock(tmp_path, source_lock_name("b"))
    busy.acquire()
    with SourceLocks(tmp_path) as locks:
        locked, others = locks.take(["a", "b", "c"])
        assert locked == ["a", "c"] and list(others) == ["b"]
        assert others["b"].pid == os.getpid()
        assert running(tmp_path, "a") is not None
    assert running(tmp_path, "a") is None  # released on leaving the block
    busy.release()


def test_crawl_skips_a_source_that_another_process_crawls(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    child = hold_in_child(tmp_path / "locks", source_lock_name("dmu-news"))
    try:
        code = main(["crawl", "--source", "dmu-news", "--replay", str(SITE)])
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    out = capsys.readouterr().out
    assert code == 0
    # in Chinese by default, the time in Asia/Shanghai and said so
    assert f"dmu-news               跳过：正由进程 {child.pid} 抓取（自北京时间 " in out
    assert "Nothing crawled" in out
    storage = open_storage(f"sqlite:///{tmp_path / 'm.db'}")
    assert storage.runs() == []  # nothing started
    storage.close()


def test_the_lock_message_says_its_time_zone():
    holder = Holder(pid=42, since=datetime(2026, 11, 23, 6, 52, 6, tzinfo=UTC))
    assert holder.describe(Labels("zh")) == "正由进程 42 抓取（自北京时间 2026-11-23 14:52:06 起）"
    assert holder.describe(Labels("en")) == \
        "already being crawled by pid 42 since 2026-11-23 14:52:06 Asia/Shanghai"
    assert Holder(None, None).describe(Labels("en")) == "already being crawled by another process"


def test_monitor_run_says_once_that_a_source_is_being_crawled(tmp_path, monkeypatch, capfd):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    child = hold_in_child(tmp_path / "locks", source_lock_name("dmu-news"))
    try:
        code = main(["run", "--source", "dmu-news", "--replay", str(SITE)])
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    out = capfd.readouterr().out  # this process's and the crawl's child's
    assert code == 0
    assert out.count(f"正由进程 {child.pid} 抓取") == 1, out
