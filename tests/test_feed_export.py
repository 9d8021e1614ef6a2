"""Scrapy's feed exports work on our articles: `scrapy crawl NAME -O items.jsonl`."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

from monitor.storage.database import Storage

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"


def test_scrapy_crawl_exports_articles_as_json_lines_and_csv(tmp_path):
    env = {**os.environ, "MONITOR_DATA_DIR": str(tmp_path),
           "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MONITOR_REPLAY_DIR": str(SITE), "MONITOR_DOWNLOAD_DELAY": "0",
           "MONITOR_PROGRESS": "0"}
    lines, table = tmp_path / "items.jsonl", tmp_path / "items.csv"
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "university", "-a", "source=dmu-news",
         "-O", str(lines), "-O", str(table), "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "not JSON serializable" not in result.stderr and "Traceback" not in result.stderr
    items = [json.loads(line) for line in lines.read_text("utf-8").splitlines()]
    assert items, result.stderr
    for item in items:
        assert item["title"] and item["body"] and item["source"] == "dmu-news"
        assert item["raw_html"].lstrip().lower().startswith(("<!doctype", "<html"))
        assert item["published_at"] and isinstance(item["story_signature"], str)
    rows = list(csv.DictReader(table.open(encoding="utf-8")))
    assert sorted(r["url"] for r in rows) == sorted(i["url"] for i in items)


def _scrapy_crawl(tmp_path, out: Path, **env) -> subprocess.CompletedProcess:
    env = {**os.environ, "MONITOR_DATA_DIR": str(tmp_path),
           "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}",
           "MONITOR_REPLAY_DIR": str(SITE), "MONITOR_DOWNLOAD_DELAY": "0", **env}
    return subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "university", "-a", "source=dmu-news",
         "-O", str(out), "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_items_carry_their_story_id_and_a_second_export_says_why_it_is_empty(tmp_path):
    first = _scrapy_crawl(tmp_path, tmp_path / "first.jsonl", MONITOR_PROGRESS="0")
    assert first.returncode == 0, first.stderr
    items = [json.loads(line) for line in (tmp_path / "first.jsonl").read_text().splitlines()]
    assert items
    storage = Storage(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        stored = {a.url: a.story_id for a in storage.articles()}
    finally:
        storage.close()
    # the ID every output shows (#4), as stored
    assert {i["url"]: i["story_id"] for i in items} == {i["url"]: stored[i["url"]]
                                                        for i in items}
    assert all(isinstance(i["story_id"], int) for i in items)
    assert first.stdout.strip().splitlines()[-1].startswith(
        f"{len(items)} new article(s) exported to {tmp_path / 'first.jsonl'}")
    # the same crawl again (a horizon wide enough to reach the stored ones): nothing new,
    # and one line says so instead of an empty file without a word
    again = _scrapy_crawl(tmp_path, tmp_path / "again.jsonl", MONITOR_PROGRESS="0",
                          MONITOR_HORIZON_DAYS="100000")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again.jsonl").read_text() == ""
    assert again.stdout.strip() == (
        f"0 new article(s) exported to {tmp_path / 'again.jsonl'}; {len(items)} article(s) "
        "already stored were not exported (`monitor export` writes stored ones)")
