"""`make demo` (`monitor run --all --replay seeds/site`) again and again, as a cron would call
it, exits 0 every time: replaying the same saved pages is no reason for a health alarm.

The clock moves forward a fixed step per call, in this process (frozen: what the health
checks and the digest read) and in each crawl's child process (started at the same moment,
then ticking: Scrapy needs a moving clock), so the runs are recorded at the cron's times
whatever the machine's speed."""

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import time_machine

from monitor.cli.main import main
from monitor.ops import child as scheduler
from monitor.storage.migrations import open_storage

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"

CALLS = 7  # the fifth call failed before ("no new article in the last 5 runs")
STEP = timedelta(hours=6)
START = datetime(2026, 11, 23, 0, 5, tzinfo=UTC)

# the child: `monitor crawl …` with its clock started at the cron call's moment
CHILD = ("import datetime, runpy, sys, time_machine; "
         "time_machine.travel(datetime.datetime.fromisoformat(sys.argv[1]), tick=True).start(); "
         "sys.argv = ['monitor', *sys.argv[2:]]; runpy.run_module('monitor.cli.main', "
         "run_name='__main__')")


def test_make_demo_can_be_run_again_and_again(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    monkeypatch.setenv("MONITOR_PROGRESS", "0")
    moment = {"now": START}
    command = scheduler.crawl_command

    def crawl_at_the_moment(names, **options):
        argv = command(names, **options)
        assert argv[:3] == [sys.executable, "-m", "monitor.cli.main"]
        return [sys.executable, "-c", CHILD, moment["now"].isoformat(), *argv[3:]]

    monkeypatch.setattr(scheduler, "crawl_command", crawl_at_the_moment)
    for call in range(CALLS):
        moment["now"] = START + call * STEP
        with time_machine.travel(moment["now"], tick=False):
            code = main(["run", "--all", "--replay", str(SITE)])
        captured = capsys.readouterr()
        assert code == 0, (call + 1, captured.err)
        assert "FAILED" not in captured.err
        assert "HEALTH" not in captured.out and "健康检查" not in captured.out
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    runs = storage.runs()
    storage.close()
    # every call crawled every saved source at its own time; only the first stored articles
    starts = sorted({r.started_at.replace(second=0, microsecond=0) for r in runs})
    assert len(runs) == CALLS * len({r.source for r in runs})
    assert {r.finish_reason for r in runs} == {"finished"}
    assert starts[0] >= START and starts[-1] >= START + (CALLS - 1) * STEP
    assert sum(r.new_articles for r in runs if r.started_at < START + STEP) > 0
    assert sum(r.new_articles for r in runs if r.started_at >= START + STEP) == 0
