import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from monitor.cli.main import main
from monitor.config.sources import Source
from monitor.digest.health_words import describe
from monitor.digest.labels import Labels
from monitor.ops.health import Check, History, Thresholds, check_sources, evaluate, failing_checks
from monitor.ops.locks import Holder, Lock, source_lock_name
from monitor.ops.rhythm import Rule
from monitor.storage.migrations import open_storage
from monitor.storage.models import CrawlRun

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LIMITS = Thresholds(max_error_rate=0.5, coverage_drop=0.3, coverage_articles=5,
                    time_limit=1800, quiet=Rule(factor=3, min_days=5, max_gap_days=30,
                                                min_active_days=5))
EN = Labels("en")


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


class Said(Check):
    """A check whose ``message`` is in English, whatever $MONITOR_LANGUAGE is."""

    @property
    def message(self) -> str:
        return describe(self, EN)


def checks(runs, *, schedule="every 2h", running=None) -> dict[str, Check]:
    history = History("src", runs, LIMITS, NOW, schedule=schedule, running=running)
    return {c.check: Said(**c.as_dict()) for c in evaluate(history)}


def test_a_healthy_history_passes_every_check():
    history = [run(12 * i) for i in range(16)]  # twice a day for 8 days, newest first
    result = checks(history)
    assert set(result) == {"finished", "time_limit", "new_articles", "error_rate",
                           "date_coverage", "body_coverage", "on_time"}
    assert all(c.ok for c in result.values()), [c.message for c in result.values() if not c.ok]


def test_a_short_history_is_not_judged_on_what_needs_more_runs():
    result = checks([run(0)])
    assert "new_articles" not in result and "date_coverage" not in result
    assert checks([]) == {}
    # new articles on 4 days only, then a long silence: too little history to know its rhythm
    assert "new_articles" not in checks([run(24 * 30, new=0)] +
                                        [run(24 * (40 + day)) for day in range(4)])


def test_silence_longer_than_the_sources_rhythm_allows():
    daily = [run(24 * (8 + day)) for day in range(10)]  # new articles daily until 8 days ago
    quiet = checks([run(2 * i, new=0) for i in range(4)] + daily)["new_articles"]
    assert not quiet.ok and quiet.kind == "new_articles.quiet"
    assert quiet.values["gap_days"] == 1 and quiet.values["allowed_days"] == 5
    assert "no new article for 8 day(s) since 2026-11-15 20:00, longer than the 5 day(s) " \
        "its rhythm allows (new articles usually every 1 day(s))" in quiet.message
    # a weekly site 8 days quiet is within its rhythm (3 × 7 days)
    weekly = [run(24 * (8 + 7 * week)) for week in range(6)]
    assert checks([run(0, new=0), *weekly])["new_articles"].ok


def test_runs_that_did_not_finish_normally_are_not_evidence_of_silence():
    daily = [run(24 * (8 + day)) for day in range(10)]
    broken = [run(12 * i, new=0, reason="killed: time limit") for i in range(10)]
    broken += [run(12 * i + 1, new=0, reason=None) for i in range(5)]  # interrupted
    broken += [run(12 * i + 2, new=0, pages=0, errors={"dns": 1}) for i in range(5)]  # down
    broken.sort(key=lambda r: r.started_at, reverse=True)
    result = checks(broken + daily)["new_articles"]
    assert result.ok and result.values["observed_at"] == daily[0].started_at.isoformat()


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


def record(storage, source, *, new=0, errors=None, reason="finished", started=None,
           minutes=2):
    run_id = storage.start_run(source, "generic", started_at=started)
    storage.finish_run(run_id, reason=reason, pages=5, new_articles=new, errors=errors or {},
                       stats={}, finished_at=(started or datetime.now(UTC))
                       + timedelta(minutes=minutes))
    return run_id


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_HEALTH_QUIET_HISTORY_DAYS", "3")
    monkeypatch.setenv("MONITOR_HEALTH_QUIET_MIN_DAYS", "2")
    from monitor.config.loader import load_settings

    return load_settings()


def quiet_history(storage, source="quiet"):
    """New articles on 3 days (daily), then 4 days of runs without any: over the limits of
    the ``settings`` fixture (3 days of history, at least 2 days quiet), not the defaults'."""
    for day in range(6, 3, -1):
        record(storage, source, new=2, started=NOW - timedelta(days=day))
    for day in range(3, -1, -1):
        record(storage, source, started=NOW - timedelta(days=day))


SOURCES = [Source("quiet", "generic", ("https://a.example/",), schedule="every 1h"),
           Source("fine", "generic", ("https://b.example/",), schedule="every 1h"),
           Source("off", "generic", ("https://c.example/",), enabled=False)]


def test_failing_checks_of_the_stored_runs(db_url, settings):
    storage = open_storage(db_url)
    quiet_history(storage)
    for day in range(6, -1, -1):
        record(storage, "fine", new=2, started=NOW - timedelta(days=day))
    record(storage, "off", errors={"dns": 3}, started=NOW)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        failing = failing_checks(storage, sources=SOURCES, settings=settings)
        assert [(c["source"], c["check"], c["kind"]) for c in failing] == [
            ("quiet", "new_articles", "new_articles.quiet")]
        assert failing[0]["values"]["silent_days"] == 4 and failing[0]["run_id"]
        assert check_sources(storage, sources=SOURCES, settings=settings, only=["fine"])
        # the thresholds are the settings': the defaults (5 days of history) judge nothing
        from monitor.config.loader import load_settings
        defaults = load_settings(MONITOR_HEALTH_QUIET_HISTORY_DAYS="5",
                                    MONITOR_HEALTH_QUIET_MIN_DAYS="5")
        assert failing_checks(storage, sources=SOURCES, settings=defaults) == []
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
    from monitor.config.loader import load_settings
    from monitor.digest.render import render_json, render_text
    from monitor.ops.digests import digest_with_health

    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "quiet"\nkind = "generic"\n'
                       'start_urls = ["https://a.example/"]\nschedule = "every 1h"\n')
    monkeypatch.setenv("MONITOR_SOURCES", str(sources))
    storage = open_storage(db_url)
    quiet_history(storage)
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        digest = digest_with_health(storage, load_settings(), NOW.date())
    lines = render_text(digest).splitlines()
    assert lines[1] == "健康检查：1 项未通过"  # Chinese by default
    assert lines[2] == ("  ! quiet [新文章]：自 2026-11-19 20:00 起 4 天没有新文章，超过其更新规律"
                        "允许的 3 天（通常每 1 天有新文章）")
    assert json.loads(render_json(digest))["health"][0]["check"] == "new_articles"
    digest.language = "en"
    lines = render_text(digest).splitlines()
    assert lines[1] == "HEALTH: 1 failing check(s)"
    assert lines[2].startswith("  ! quiet [new_articles]: no new article for 4 day(s) since")
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
    assert "2 个来源中 1 个有未通过的检查（未通过 1 项" in out
    assert "  异常  错误率" in out
    assert "上次运行：5 个页面，9 个错误（100%，上限 50%）：HTTP 500 9 次" in out
    assert "new（尚无运行记录）" in out
    monkeypatch.setenv("MONITOR_LANGUAGE", "en")
    assert main(["--sources-file", str(sources), "health"]) == 1
    out = capsys.readouterr().out
    assert "1 of 2 source(s) with failing checks (1 failing" in out
    assert "  FAIL  error_rate     the last run had 9 error(s) for 5 page(s)" in out
    assert "new (no runs yet)" in out
    assert main(["--sources-file", str(sources), "health", "--source", "new",
                 "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


def test_the_cycle_and_its_digest_judge_by_the_same_settings(tmp_path, monkeypatch):
    """Thresholds given to the cycle (not in the environment) are the ones its health
    checks and the digest built in the same cycle use."""
    from monitor.config.loader import load_settings
    from monitor.ops.child import ChildResult
    from monitor.ops.crawl import SourceResult
    from monitor.ops.cycle import run_cycle

    for name in ("MONITOR_HEALTH_QUIET_HISTORY_DAYS", "MONITOR_HEALTH_QUIET_MIN_DAYS"):
        monkeypatch.delenv(name, raising=False)  # the defaults (5, 5) would judge nothing
    url = f"sqlite:///{tmp_path / 'm.db'}"
    sources = tmp_path / "sources.toml"
    sources.write_text('[[source]]\nname = "quiet"\nkind = "generic"\n'
                       'start_urls = ["https://a.example/"]\nschedule = "every 1h"\n')
    settings = load_settings(environ={}, MONITOR_DATA_DIR=str(tmp_path),
                             MONITOR_DATABASE_URL=url, MONITOR_SOURCES=str(sources),
                             MONITOR_HEALTH_QUIET_HISTORY_DAYS="3",
                             MONITOR_HEALTH_QUIET_MIN_DAYS="2")
    storage = open_storage(url)
    quiet_history(storage)
    storage.close()

    def crawl(names):  # the crawl itself went well and found nothing new
        return ChildResult(names, 0, 1.0, results=[SourceResult(n, pages=5) for n in names])

    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        report = run_cycle(settings, [SOURCES[0]], names=["quiet"], crawl=crawl)
    assert [(c.source, c.check) for c in report.checks if not c.ok] == [
        ("quiet", "new_articles")]
    assert [(c["source"], c["check"]) for c in report.digest.health] == [
        ("quiet", "new_articles")]
