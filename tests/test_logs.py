"""Crawl logs are pruned; the daemon's log has one time zone and names the source of each
line a crawl printed."""

import logging
import os
import sys
import time
from datetime import UTC, datetime

from monitor.config.loader import load_settings
from monitor.ops.child import run_child
from monitor.ops.crawl import log_file_path
from monitor.ops.daemon import DaemonLogFormatter


def test_old_crawl_logs_are_pruned_when_a_crawl_starts(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_LOG_KEEP_DAYS", "7")
    logs = tmp_path / "logs"
    logs.mkdir()
    now = time.time()
    for name, age_days in [("crawl-old.log", 8), ("crawl-recent.log", 6), ("other.txt", 30)]:
        path = logs / name
        path.write_text("x")
        os.utime(path, (now - age_days * 86400, now - age_days * 86400))
    new = log_file_path(load_settings(), now=now)
    assert new.parent == logs
    assert sorted(p.name for p in logs.iterdir()) == ["crawl-recent.log", "other.txt"]

    monkeypatch.setenv("MONITOR_LOG_KEEP_DAYS", "0")  # 0 keeps every log
    log_file_path(load_settings(), now=now + 100 * 86400)
    assert (logs / "crawl-recent.log").exists()


def test_daemon_log_times_are_in_the_schedules_time_zone():
    record = logging.LogRecord("monitor.ops.scheduler", logging.INFO, __file__, 1,
                               "%s: crawl starting", ("dmu-news",), None)
    record.created = datetime(2026, 11, 23, 0, 30, tzinfo=UTC).timestamp()
    line = DaemonLogFormatter("%(asctime)s %(message)s").format(record)
    assert line == "2026-11-23 08:30:00+0800 dmu-news: crawl starting"


def test_a_childs_output_reaches_the_log_line_by_line():
    lines = []
    code, stopped, _seconds = run_child(
        [sys.executable, "-c", "import sys; print('one'); print('two', file=sys.stderr)"],
        time_limit=300, grace=1, on_line=lines.append)
    assert code == 0 and stopped is None
    deadline = time.monotonic() + 60  # the reader thread may still be at work
    while len(lines) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(lines) == ["one", "two"]
