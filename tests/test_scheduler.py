"""Schedules and due sources with frozen time; the daemon's job store, coalescing, misfires
and one-instance-at-a-time with accelerated time (time-machine shifts the clock, the
scheduler is woken up); crawls in child processes killed by the time limit or by SIGTERM."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
)

from monitor.config.loader import load_settings
from monitor.config.sources import Source
from monitor.ops.child import KILLED, STOPPED, ChildResult, crawl_in_child
from monitor.ops.crawl import SourceResult
from monitor.ops.daemon import Daemon
from monitor.ops.locks import Lock, source_lock_name
from monitor.ops.schedules import due_sources, is_due
from monitor.storage.migrations import open_storage

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"
CST = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=CST)


def at(hour: int, minute: int = 0, second: int = 0, day: int = 23) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=CST)


def source(name: str, schedule: str) -> Source:
    return Source(name, "generic", (f"https://{name}.example/",), schedule=schedule)


# ---------------------------------------------------------------- schedules and due sources


def test_a_cron_source_is_due_once_its_time_has_passed_since_the_last_run():
    last = at(7, 0, 5)  # the 07:00 run started a few seconds late
    assert not is_due("0 7 * * *", last, at(8))
    assert not is_due("0 7 * * *", last, at(6, 59, day=24))
    assert is_due("0 7 * * *", last, at(7, 0, 1, day=24))
    assert is_due("0 7 * * *", None, at(8))  # never ran


def test_an_interval_source_is_due_after_its_interval_with_some_slack():
    last = at(7, 0, 5)
    assert not is_due("every 2h", last, at(9))
    assert is_due("every 2h", last, at(9), slack=timedelta(minutes=5))
    assert not is_due("every 2h", last, at(8, 30), slack=timedelta(minutes=5))
    # the slack is at most a quarter of the interval
    assert not is_due("every 10m", last, at(7, 5), slack=timedelta(minutes=5))


def test_due_sources_reads_the_last_successful_runs(db_url):
    storage = open_storage(db_url)
    for name, started, reason in [("daily", at(7, 0, 5), "finished"),
                                  ("hourly", at(7, 30), "finished"),
                                  ("hourly", at(8, 10), "killed: time limit")]:
        run_id = storage.start_run(name, "generic", started_at=started)
        storage.finish_run(run_id, reason=reason, pages=1, new_articles=0, errors={}, stats={})
    sources = [source("daily", "0 7 * * *"), source("hourly", "every 1h"),
               source("new", "30 7 * * *")]
    due = due_sources(sources, storage, now=at(8, 40))
    assert [s.name for s in due] == ["hourly", "new"]  # a killed run does not count
    storage.close()


# ---------------------------------------------------------------- the daemon's job store


@pytest.fixture
def settings(tmp_path, monkeypatch, db_url):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", db_url)
    monkeypatch.setenv("MONITOR_MISFIRE_GRACE", "600")
    open_storage(db_url).close()  # the schema, as `monitor schedule` upgrades it on start
    return load_settings()


class FakeCrawls:
    """Stands for the child crawls: records each call, can hold it until released."""

    def __init__(self):
        self.calls: list[tuple[str, datetime]] = []
        self.release = threading.Event()
        self.release.set()
        self.called = threading.Semaphore(0)

    def __call__(self, names):
        self.calls.append((names[0], datetime.now(UTC)))
        self.called.release()
        self.release.wait(300)
        return ChildResult(list(names), 0, 0.1,
                           results=[SourceResult(name, pages=1, reason="finished")
                                    for name in names])

    def wait_for(self, count: int, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while len(self.calls) < count:
            assert self.called.acquire(timeout=max(deadline - time.monotonic(), 0.01)), \
                f"{len(self.calls)} crawl(s), expected {count}"


def jobs(daemon) -> dict[str, datetime]:
    return {job.id: job.next_run_time for job in daemon.scheduler.get_jobs()}


def succeeded(settings, name: str, started: datetime) -> None:
    storage = open_storage(settings.get("MONITOR_DATABASE_URL"))
    run_id = storage.start_run(name, "generic", started_at=started)
    storage.finish_run(run_id, reason="finished", pages=1, new_articles=1, errors={}, stats={})
    storage.close()


def test_restart_keeps_the_stored_jobs_and_their_next_run_times(settings):
    sources = [source("six", "every 6h"), source("morning", "30 7 * * *"),
               source("fresh", "0 9 * * *")]
    succeeded(settings, "six", T0 - timedelta(hours=1))
    succeeded(settings, "morning", T0 - timedelta(hours=20))
    with time_machine.travel(T0, tick=False):
        first = Daemon(settings, sources, crawl=FakeCrawls())
        report = first.start(paused=True)
        planned = jobs(first)
        first.shutdown()
    assert sorted(report.added) == ["crawl:fresh", "crawl:morning", "crawl:six", "digest"]
    assert planned["crawl:morning"] == at(7, 30)
    assert planned["crawl:six"] == T0 + timedelta(hours=6)  # from when the job was made
    assert planned["crawl:fresh"] == T0  # never ran: at once
    assert planned["digest"] == at(8)

    sources[2] = source("fresh", "0 10 * * *")  # changed in sources.toml
    del sources[1]  # removed
    with time_machine.travel(T0 + timedelta(minutes=40), tick=False):
        second = Daemon(settings, sources, crawl=FakeCrawls())
        report = second.start(paused=True)
        kept = jobs(second)
        second.shutdown()
    assert sorted(report.kept) == ["crawl:six", "digest"]
    assert report.replaced == ["crawl:fresh"] and report.removed == ["crawl:morning"]
    assert kept["crawl:six"] == planned["crawl:six"]  # not 6 h after the restart
    assert kept["crawl:fresh"] == T0 + timedelta(minutes=40)  # still never ran: at once


def finished_jobs(daemon) -> threading.Semaphore:
    """Released each time a job has run to its end (not when it merely started)."""
    done = threading.Semaphore(0)
    daemon.scheduler.add_listener(lambda event: done.release(),
                                  EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    return done


def test_downtime_gives_one_coalesced_run_not_a_burst(settings):
    crawls = FakeCrawls()
    with time_machine.travel(T0, tick=True) as clock:
        daemon = Daemon(settings, [source("fast", "every 2h")], crawl=crawls)
        done = finished_jobs(daemon)
        daemon.start()
        try:
            crawls.wait_for(1)  # never ran: at once
            assert done.acquire(timeout=120)  # and its job has ended
            clock.shift(timedelta(hours=10, minutes=1))  # five fire times passed
            daemon.scheduler.wakeup()
            crawls.wait_for(2)
            assert done.acquire(timeout=120)
            assert len(crawls.calls) == 2
            assert jobs(daemon)["crawl:fast"] > datetime.now(UTC) + timedelta(hours=1)
        finally:
            daemon.shutdown()


def test_a_run_missed_by_more_than_the_grace_time_is_skipped(settings):
    crawls, missed = FakeCrawls(), threading.Event()
    succeeded(settings, "daily", at(7, day=22))
    with time_machine.travel(T0, tick=True) as clock:
        daemon = Daemon(settings, [source("daily", "0 7 * * *")], crawl=crawls)
        daemon.scheduler.add_listener(lambda event: missed.set(), EVENT_JOB_MISSED)
        daemon.start()
        try:
            assert jobs(daemon)["crawl:daily"] == at(7)
            clock.shift(timedelta(hours=3))  # down from 06:00 to 09:00; grace 10 min
            daemon.scheduler.wakeup()
            assert missed.wait(120)
            assert crawls.calls == []
            assert jobs(daemon)["crawl:daily"] == at(7, day=24)
        finally:
            daemon.shutdown()


def test_a_job_never_runs_twice_at_once(settings):
    crawls, refused = FakeCrawls(), threading.Event()
    crawls.release.clear()  # the first crawl hangs until released
    with time_machine.travel(T0, tick=True) as clock:
        daemon = Daemon(settings, [source("slow", "every 1h")], crawl=crawls)
        daemon.scheduler.add_listener(lambda event: refused.set(), EVENT_JOB_MAX_INSTANCES)
        done = finished_jobs(daemon)
        daemon.start()
        try:
            crawls.wait_for(1)
            clock.shift(timedelta(hours=1, minutes=1))
            daemon.scheduler.wakeup()
            assert refused.wait(120)  # still running: the new run is not started
            assert len(crawls.calls) == 1
            crawls.release.set()
            assert done.acquire(timeout=120)  # the first run has ended
            clock.shift(timedelta(hours=1))
            daemon.scheduler.wakeup()
            crawls.wait_for(2)
        finally:
            crawls.release.set()
            daemon.shutdown()


# ---------------------------------------------------------------- real child crawls


def leftover_processes(marker: str) -> list[int]:
    """Processes other than this one whose environment holds ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def rows(tmp_path, query):
    with sqlite3.connect(tmp_path / "m.db") as connection:
        connection.row_factory = sqlite3.Row
        return [dict(r) for r in connection.execute(query)]


def stored_yet(tmp_path) -> bool:
    """Some article is stored (the database may not exist, or have no schema, yet)."""
    try:
        return (tmp_path / "m.db").exists() and bool(rows(tmp_path, "select id from articles"))
    except sqlite3.OperationalError:  # created a moment ago, schema not there yet
        return False


@pytest.fixture
def crawl_env(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    monkeypatch.setenv("MONITOR_REPLAY_DIR", str(SITE))
    monkeypatch.setenv("MONITOR_PROGRESS", "0")
    return tmp_path


def test_a_crawl_killed_at_its_time_limit_leaves_whole_articles_and_no_lock(crawl_env,
                                                                            monkeypatch):
    """The limit is reached when the first article is stored, however slow the machine:
    the parent's clock jumps past the time limit at that observable event."""
    import types

    import monitor.ops.child as scheduler

    names = ["chinanews-scroll", "dmu-news"]
    monkeypatch.setenv("MONITOR_DOWNLOAD_DELAY", "2")  # 8 articles: the crawl is mid-way
    monkeypatch.setenv("MONITOR_CRAWL_TIME_LIMIT", "600")
    monkeypatch.setenv("MONITOR_CRAWL_KILL_GRACE", "0")  # SIGKILL at once, mid-crawl
    real = time.monotonic
    monkeypatch.setattr(scheduler, "time", types.SimpleNamespace(
        monotonic=lambda: real() + (3600 if stored_yet(crawl_env) else 0)))
    result = crawl_in_child(names, load_settings(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    monkeypatch.setattr(scheduler, "time", time)
    assert result.stopped == KILLED
    assert sorted(result.closed_runs) == names
    assert result.failures(600) == {name: f"{KILLED} (600 s)" for name in names}
    assert leftover_processes(f"MONITOR_DATA_DIR={crawl_env}") == []
    for name in names:
        assert Lock(crawl_env / "locks", source_lock_name(name)).holder() is None

    runs = rows(crawl_env, "select * from crawl_runs")
    articles = rows(crawl_env, "select * from articles")
    assert {r["finish_reason"] for r in runs} == {KILLED}
    assert all(r["finished_at"] for r in runs)
    assert 0 < len(articles) < 8  # killed mid-crawl
    assert sum(r["new_articles"] for r in runs) == len(articles)
    for article in articles:  # each article was written whole, in one transaction
        assert article["title"] and article["body"] and article["raw_html"]
        assert article["run_id"] in {r["id"] for r in runs}
    assert rows(crawl_env, "pragma integrity_check") == [{"integrity_check": "ok"}]

    # the next crawl is not blocked and stores the rest
    monkeypatch.setenv("MONITOR_DOWNLOAD_DELAY", "0")
    monkeypatch.setenv("MONITOR_CRAWL_TIME_LIMIT", "300")
    again = crawl_in_child(names, load_settings(), stdout=subprocess.DEVNULL)
    assert again.returncode == 0 and again.stopped is None and again.failures(300) == {}
    assert sorted(r.source for r in again.results) == names  # its report, not its output
    assert len(rows(crawl_env, "select id from articles")) == 8
    last = rows(crawl_env, "select finish_reason from crawl_runs order by id desc limit 2")
    assert [r["finish_reason"] for r in last] == ["finished", "finished"]


def test_sigterm_stops_the_daemon_and_its_crawl_cleanly(crawl_env, tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "chinanews-scroll"\nkind = "chinanews"\n'
                       'start_urls = ["https://www.chinanews.com.cn/scroll-news/news1.html"]\n'
                       'schedule = "every 1h"\nmax_list_pages = 10\n')
    env = {**os.environ, "MONITOR_DOWNLOAD_DELAY": "2", "MONITOR_PROGRESS": "1"}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "monitor.cli.main", "--sources-file", str(sources), "schedule",
         "--replay", str(SITE)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not stored_yet(crawl_env):  # wait until the crawl is under way
            assert time.monotonic() < deadline and daemon.poll() is None, daemon.stderr.read()
            time.sleep(0.2)
        crawler = Lock(crawl_env / "locks", source_lock_name("chinanews-scroll")).holder()
        assert crawler and crawler.pid != daemon.pid
        daemon.send_signal(signal.SIGTERM)
        _out, err = daemon.communicate(timeout=60)
    finally:
        if daemon.poll() is None:
            daemon.kill()
    assert daemon.returncode == 0, err
    assert "SIGTERM received: stopping" in err and "scheduler stopped" in err
    assert leftover_processes(f"MONITOR_DATA_DIR={crawl_env}") == []
    assert not Path(f"/proc/{crawler.pid}").exists()
    (run,) = rows(crawl_env, "select * from crawl_runs")
    # Scrapy closed it in its grace time, or the daemon did after killing it
    assert run["finish_reason"] in ("shutdown", STOPPED) and run["finished_at"]
    assert {r["id"] for r in rows(crawl_env, "select id from apscheduler_jobs")} == {
        "crawl:chinanews-scroll", "digest"}  # kept for the next start


# ---------------------------------------------------------------- the cron cycle


def test_monitor_run_exits_1_with_one_line_per_failed_source_then_waits_for_the_schedule(
        tmp_path):
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "dead"\nkind = "generic"\n'
                       'start_urls = ["http://127.0.0.1:9/list"]\nschedule = "every 1h"\n')
    env = {**os.environ, "MONITOR_DATA_DIR": str(tmp_path),
           "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}

    def run():
        return subprocess.run(
            [sys.executable, "-m", "monitor.cli.main", "--sources-file", str(sources), "run"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    first = run()
    assert first.returncode == 1, first.stderr
    failed = [line for line in first.stderr.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith("FAILED dead: ")
    assert "refused" in failed[0]
    assert "1 of 1 enabled source(s) due." in first.stdout

    second = run()  # the failed site is retried at its next time, not at every cron call
    assert second.returncode == 0, second.stderr
    assert "0 of 1 enabled source(s) due." in second.stdout
    assert "健康检查：1 项未通过" in second.stdout  # at the top of the digest, in Chinese


def test_the_digest_job_writes_and_records_the_new_digest(settings, tmp_path):
    daemon = Daemon(settings, [], crawl=FakeCrawls())
    path = daemon.write_digest(now=at(8))
    assert path == tmp_path / "digests" / "2026-11-23.txt"
    assert "2026-11-23" in path.read_text("utf-8").splitlines()[0]
    assert '"date": "2026-11-23"' in path.with_suffix(".json").read_text("utf-8")
    assert path.with_suffix(".html").read_text("utf-8").lstrip().startswith("<!DOCTYPE html>")
    assert "<feed" in (tmp_path / "feed.atom").read_text("utf-8")  # and the Atom feed
    (recorded,) = daemon.storage.digests()  # no delivery configured: recorded as written
    assert recorded.status == "recorded"
    daemon.write_digest(now=at(9))  # the next one starts where this one ended
    assert daemon.storage.last_digest_end() == at(9)
    daemon.shutdown()
