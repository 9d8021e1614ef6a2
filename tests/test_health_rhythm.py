"""Staleness against time and each source's rhythm, over stored runs with a frozen clock:
each run is recorded at its (frozen) time and the checks are read at theirs."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from monitor import settings as defaults
from monitor.config.loader import load_settings
from monitor.config.sources import Source
from monitor.ops.health import check_sources
from monitor.storage.migrations import open_storage

START = datetime(2026, 9, 1, 0, 30, tzinfo=UTC)  # 08:30 in Asia/Shanghai
SITE = Source("site", "generic", ("https://a.example/",), schedule="every 1h")


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    return load_settings()


@pytest.fixture
def storage(tmp_path):
    store = open_storage(f"sqlite:///{tmp_path / 'm.db'}")
    yield store
    store.close()


def crawl(storage, moment, *, new=0, reason="finished", pages=3):
    """A run at ``moment`` as a crawl records it: started now, ended a minute later."""
    with time_machine.travel(moment, tick=False):
        run_id = storage.start_run("site", "generic")
    storage.finish_run(run_id, reason=reason, pages=pages, new_articles=new, errors={},
                       stats={}, finished_at=moment + timedelta(minutes=1))


def failing(storage, settings, moment) -> list:
    with time_machine.travel(moment + timedelta(minutes=2), tick=False):
        return [c for c in check_sources(storage, sources=[SITE], settings=settings)
                if not c.ok]


def test_a_weekly_site_polled_hourly_raises_nothing(storage, settings):
    quiet_checked = 0
    for hour in range(24 * 7 * 6):  # six weeks, every hour; a new post once a week
        moment = START + timedelta(hours=hour)
        crawl(storage, moment, new=1 if hour % (24 * 7) == 3 else 0)
        if hour % 6 == 0:
            found = failing(storage, settings, moment)
            assert found == [], (moment, [c.message for c in found])
            quiet_checked += 1
    # it was judged (five Mondays make its history), not skipped
    (new,) = [c for c in check_sources(storage, sources=[SITE], settings=settings)
              if c.check == "new_articles"]
    assert new.ok and new.values["gap_days"] == 7 and new.values["allowed_days"] == 21
    assert quiet_checked > 100


def test_a_daily_site_silent_for_a_week_raises_new_articles(storage, settings):
    for hour in range(0, 24 * 14, 2):  # two weeks of daily posts, polled every 2 hours
        crawl(storage, START + timedelta(hours=hour), new=1 if hour % 24 == 2 else 0)
    last_post = START + timedelta(days=13, hours=2)
    silent = START + timedelta(days=14)
    alarms = {}
    for hour in range(0, 24 * 7 + 1, 2):  # then a week without a post
        moment = silent + timedelta(hours=hour)
        crawl(storage, moment)
        alarms[moment] = [c.check for c in failing(storage, settings, moment)]
    quiet_since = [m for m, checks in alarms.items() if checks]
    assert all(checks in ([], ["new_articles"]) for checks in alarms.values())
    # quiet from the moment its silence passes max(3 × 1 day, 5 days), not before
    assert quiet_since and min(quiet_since) - last_post > timedelta(days=5)
    assert min(quiet_since) - last_post <= timedelta(days=5, hours=2)
    assert all(alarms[m] for m in alarms if m > min(quiet_since))
    (quiet,) = failing(storage, settings, max(alarms))
    assert quiet.kind == "new_articles.quiet" and quiet.values["silent_days"] > 6.9
    assert quiet.message.startswith("自 2026-09-14 10:30 起 7.9 天没有新文章，"
                                    "超过其更新规律允许的 5 天")


def test_twenty_killed_crawls_then_a_clean_run_that_stores_everything(storage, settings):
    for day in range(10):  # a daily site with history
        crawl(storage, START + timedelta(days=day), new=2)
    broken_from = START + timedelta(days=10)
    for number in range(20):  # killed every 12 hours for ten days: nothing observed
        moment = broken_from + timedelta(hours=12 * number)
        crawl(storage, moment, reason="killed: time limit", pages=40)
        found = {c.check for c in failing(storage, settings, moment)}
        assert "new_articles" not in found and "finished" in found
    clean = broken_from + timedelta(hours=12 * 20)
    crawl(storage, clean, new=25, pages=60)
    assert failing(storage, settings, clean) == []


def test_a_source_with_too_little_history_raises_nothing_for_staleness(storage, settings):
    crawl(storage, START, new=30)  # the first crawl stores the backlog, then nothing
    for day in range(1, 40):
        crawl(storage, START + timedelta(days=day))
    moment = START + timedelta(days=39)
    with time_machine.travel(moment + timedelta(minutes=2), tick=False):
        checks = check_sources(storage, sources=[SITE], settings=settings)
    assert "new_articles" not in {c.check for c in checks}
    assert [c for c in checks if not c.ok] == []


def test_the_readme_gives_the_staleness_defaults():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    names = [name for name in dir(defaults) if name.startswith("MONITOR_HEALTH_QUIET_")]
    assert len(names) == 4
    for name in names:
        assert f"| `{name}` | {getattr(defaults, name):g} |" in readme
