import itertools
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from monitor.cli.main import main
from monitor.config.sources import Source
from monitor.ops.health import Check, History, Thresholds, check_sources, evaluate, failing_checks
from monitor.ops.locks import Holder, Lock, source_lock_name
from monitor.storage.migrations import open_storage
from monitor.storage.models import CrawlRun

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LIMITS = Thresholds(empty_runs=3, max_error_rate=0.5, coverage_drop=0.3, coverage_articles=5,
                    time_limit=1800)


RUN_IDS = itertools.count(1)


def run(hours_ago: float, *, minutes: float = 2, reason: str | None = "finished", pages=10,
        new=3, errors=None, date=1.0, body=1.0) -> CrawlRun:
    started = NOW - timedelta(hours=hours_ago)
    return CrawlRun(
        id=next(RUN_IDS), source="src", spider="generic", started_at=started,
        finished_at=None if reason is None else started + timedelta(minutes=minutes),
        finish_reason=reason, pages=pages, new_articles=new, errors=errors or {},
        stats={"coverage": {"date": date, "body": body, "outlet": 1.0}} if new else {},
    )


def checks(runs, *, schedule="every 2h", running=None) -> dict[str, Check]:
    history = History("src", runs, LIMITS, NOW, schedule=schedule, running=running)
    return {c.check: c for c in evaluate(history)}


def test_a_healthy_history_passes_every_check():
    history = [run(2 * i) for i in range(12)]  # every 2 hours, newest first
    result = checks(history)
    assert set(result) == {"finished", "time_limit", "new_articles", "error_rate",
                           "date_coverage", "body_coverage", "on_time"}
    assert all(c.ok for c in result.values()), [c.message for c in result.values() if not c.ok]


def test_a_short_history_is_not_judged_on_what_needs_more_runs():
    result = checks([run(0)])
    assert "new_articles" not in result and "date_coverage" not in result
    assert checks([]) == {}


def test_zero_new_articles_for_n_runs_in_a_row():
    result = checks([run(0, new=0), run(2, new=0), run(4, new=0), run(6)])
    assert not result["new_articles"].ok
    assert "no new article in the last 3 runs" in result["new_articles"].message
    assert checks([run(0, new=0), run(2, new=0), run(4)])["new_articles"].ok


def test_a_layout_change_shows_as_a_date_coverage_drop():
    before = [run(2 * i + 4, new=3, date=1.0) for i in range(6)]
    after = [run(0, new=3, date=0.0), run(2, new=3, date=1 / 3)]
    result = checks(after + before)
    assert not result["date_coverage"].ok
    assert "dates found for 17% of the last 6 new articles against 100% before" in \
        result["date_coverage"].message
    assert result["body_coverage"].ok
    # recent runs are pooled to 5 articles; too few articles left before them to judge
    assert "date_coverage" not in checks([run(0, new=2, date=0.0), run(2, new=3), run(4, new=4)])


def test_error_rate_above_the_threshold():
    result = checks([run(0, pages=10, errors={"http_404": 5, "timeout": 2})])
    assert not result["error_rate"].ok
    assert "7 error(s) for 10 page(s) (70%, limit 50%): 5× http 404, 2× timeout" in \
        result["error_rate"].message
    site_down = checks([run(0, pages=0, new=0, errors={"dns": 1})])["error_rate"]
    assert not site_down.ok and "(100%" in site_down.message
    assert checks([run(0, errors={"http_404": 1})])["error_rate"].ok


def test_runs_over_the_time_limit_and_killed_runs():
    slow = checks([run(1, minutes=45)])
    assert not slow["time_limit"].ok and "took 45 min, over the 30 min limit" in \
        slow["time_limit"].message
    killed = checks([run(1, minutes=30.1, reason="killed: time limit")])
    assert not killed["time_limit"].ok and not killed["finished"].ok
    assert "ended: killed: time limit" in killed["finished"].message
    holder = Holder(pid=4321, since=NOW - timedelta(hours=2))
    hung = checks([run(2, reason=None), run(4)], running=holder)
    assert "finished" not in hung  # still going
    assert not hung["time_limit"].ok
    assert "running for 2.0 h, over the 30 min limit (pid 4321)" in hung["time_limit"].message


def test_a_run_left_open_by_a_dead_process_is_reported_interrupted():
    result = checks([run(1, reason=None), run(3)])
    assert not result["finished"].ok and "was interrupted" in result["finished"].message


def test_a_source_that_stopped_running_is_late():
    assert checks([run(3)])["on_time"].ok  # one 2-hour slot missed: maybe running late
    late = checks([run(10)])["on_time"]
    assert not late.ok and "did not happen" in late.message and "'every 2h'" in late.message
    daily = checks([run(30)], schedule="0 7 * * *")["on_time"]
    assert daily.ok  # 2026-11-22 14:00 CST; due 11-23 07:00, next 11-24 07:00
    assert not checks([run(60)], schedule="0 7 * * *")["on_time"].ok


# ---------------------------------------------------------------- over the database


def record(storage, source, *, new=0, errors=None, reason="finished", started=None):
    run_id = storage.start_run(source, "generic", started_at=started)
    storage.finish_run(run_id, reason=reason, pages=5, new_articles=new, errors=errors or {},
                       stats={})
    return run_id


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_HEALTH_EMPTY_RUNS", "3")
    from monitor.config.loader import load_settings

    return load_settings()


SOURCES = [Source("quiet", "generic", ("https://a.example/",), schedule="every 1h"),
           Source("fine", "generic", ("https://b.example/",), schedule="every 1h"),
           Source("off", "generic", ("https://c.example/",), enabled=False)]


def test_failing_checks_of_the_stored_runs(db_url, settings):
    storage = open_storage(db_url)
    for _ in range(3):
        record(storage, "quiet")
        record(storage, "fine", new=2)
    record(storage, "off", errors={"dns": 3})
    failing = failing_checks(storage, sources=SOURCES, settings=settings)
    assert [(c["source"], c["check"]) for c in failing] == [("quiet", "new_articles")]
    assert isinstance(failing[0]["message"], str) and failing[0]["run_id"]
    assert check_sources(storage, sources=SOURCES, settings=settings, only=["fine"])
    storage.close()


def test_a_crawl_going_on_is_not_reported_interrupted(tmp_path, settings):
    storage = open_storage(f"sqlite:///{tmp_path / 'm.db'}")
    storage.start_run("fine", "generic")  # no end yet
    failing = failing_checks(storage, sources=SOURCES, settings=settings)
    assert [c["check"] for c in failing] == ["finished"]
    with Lock(tmp_path / "locks", source_lock_name("fine")):
        assert failing_checks(storage, sources=SOURCES, settings=settings) == []
    storage.close()


def test_the_digest_starts_with_the_failing_checks(db_url, settings, monkeypatch, tmp_path):
    from monitor.digest.build import build_digest
    from monitor.digest.render import render_json, render_text

    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "quiet"\nkind = "generic"\n'
                       'start_urls = ["https://a.example/"]\nschedule = "every 1h"\n')
    monkeypatch.setenv("MONITOR_SOURCES", str(sources))
    storage = open_storage(db_url)
    for _ in range(3):
        record(storage, "quiet")
    digest = build_digest(storage, date.today())
    lines = render_text(digest).splitlines()
    assert lines[1] == "HEALTH: 1 failing check(s)"
    assert lines[2].startswith("  ! quiet [new_articles]: no new article in the last 3 runs")
    assert json.loads(render_json(digest))["health"][0]["check"] == "new_articles"
    storage.close()


def test_monitor_health_exits_1_when_a_check_fails(tmp_path, monkeypatch, capsys, settings):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "quiet"\nkind = "generic"\n'
                       'start_urls = ["https://a.example/"]\nschedule = "every 1h"\n'
                       '[[source]]\nname = "new"\nkind = "generic"\n'
                       'start_urls = ["https://b.example/"]\n')
    storage = open_storage(url)
    for _ in range(3):
        record(storage, "quiet", errors={"http_500": 9})
    storage.close()
    assert main(["--sources-file", str(sources), "health"]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 source(s) with failing checks (2 failing" in out
    assert "  FAIL  error_rate     the last run had 9 error(s) for 5 page(s)" in out
    assert "new  (no runs yet)" in out
    assert main(["--sources-file", str(sources), "health", "--source", "new",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
