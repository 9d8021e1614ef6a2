"""Scrapy's feed exports work on our articles: `scrapy crawl NAME -O items.jsonl`."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

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
