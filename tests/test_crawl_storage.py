"""One storage per crawl process: every component of every crawler of a crawl (run record,
horizon, stored-link filter, store pipeline) shares one ``Storage`` and one database engine,
opened by the crawl and closed when it ends (``monitor.crawling.database``)."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"

# `monitor crawl --replay seeds/site` in a child process whose Storage objects and database
# engines are counted; the events between the start and the end of crawl_sources go to a file
COUNTING = r"""
import json, sys
import monitor.ops.crawl, monitor.storage.database, monitor.storage.engine
from monitor.cli.main import main

events = []
Storage = monitor.storage.database.Storage
storage_init, storage_close = Storage.__init__, Storage.close
make_engine, crawl_sources = monitor.storage.engine.create_engine, monitor.ops.crawl.crawl_sources

def init(self, *args, **kwargs):
    events.append(["storage", id(self)])
    storage_init(self, *args, **kwargs)

def close(self):
    events.append(["close", id(self)])
    storage_close(self)

def create_engine(*args, **kwargs):
    events.append(["engine", None])
    return make_engine(*args, **kwargs)

def crawl(sources, settings):
    events.append(["crawl", len(sources)])
    try:
        return crawl_sources(sources, settings)
    finally:
        events.append(["crawled", None])

Storage.__init__, Storage.close = init, close
monitor.storage.engine.create_engine, monitor.ops.crawl.crawl_sources = create_engine, crawl
code = main(sys.argv[2:])
with open(sys.argv[1], "w") as out:
    json.dump(events, out)
sys.exit(code)
"""


def test_a_crawl_opens_one_storage_and_closes_it_when_it_ends(db_url, tmp_path):
    events_file = tmp_path / "events.json"
    result = subprocess.run(
        [sys.executable, "-c", COUNTING, str(events_file), "crawl", "--replay", str(SITE)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "MONITOR_DATA_DIR": str(tmp_path), "MONITOR_DATABASE_URL": db_url,
             "MONITOR_DOWNLOAD_DELAY": "0"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Done: 0 new" not in result.stdout, result.stdout  # the crawl stored articles
    events = json.loads(events_file.read_text())
    (start,) = [i for i, e in enumerate(events) if e[0] == "crawl"]
    (end,) = [i for i, e in enumerate(events) if e[0] == "crawled"]
    assert events[start][1] > 1  # several sources: several crawlers in the process
    during = events[start + 1:end]
    opened = [e[1] for e in during if e[0] == "storage"]
    assert len(opened) == 1, during
    assert [e for e in during if e[0] == "engine"] == [["engine", None]]
    assert [e[1] for e in during if e[0] == "close"] == opened  # closed as the crawl ended
    assert during[-1] == ["close", opened[0]]
