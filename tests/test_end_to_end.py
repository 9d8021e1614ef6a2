"""The whole job through the real Scrapy engine: saved pages served over HTTP on 127.0.0.1,
the real pipelines, a real SQLite file, the digest; then a second run that must add nothing."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NO_POSTGRES, POSTGRES_URL, new_postgres_database
from sqlalchemy import create_engine, text

from monitor.config.sources import load_sources
from monitor.page.replay import ReplayIndex
from monitor.page.saved import iter_pages
from monitor.page.urls import url_key

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"
SEED_FLAGS = {  # the four real articles the product was designed from
    "000": ["sister_hospital"],
    "001": ["medical_aid", "sister_hospital"],
    "002": ["sister_hospital"],
    "003": ["medical_aid"],
}

# listed years before the list page that links them was fetched: the first run's window
# (the list's fetch time minus MONITOR_FIRST_RUN_DAYS) leaves them out (the NetEase search
# pages show their results' times too)
TOO_OLD = {
    "https://news.163.com/16/0412/10/BKMT6H2T00014AED.html",
    "https://news.163.com/19/0907/09/EOTV5M7G0001899O.html",
    "https://dy.163.com/v2/article/detail/EF5H3QJ80514R9OJ.html",
    "https://www.chinanews.com/sh/2020/07-04/9229876.shtml",
}


def monitor(*args, env, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "monitor.cli.main", *args], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def env(request, tmp_path_factory):
    """The whole job on each database backend."""
    data = tmp_path_factory.mktemp("data")
    if request.param == "sqlite":
        url, drop = f"sqlite:///{data / 'monitor.db'}", None
    elif not POSTGRES_URL:
        pytest.skip(NO_POSTGRES)
    else:
        url, drop = new_postgres_database()
    yield {**os.environ, "MONITOR_DATA_DIR": str(data), "MONITOR_DATABASE_URL": url,
           "MONITOR_DOWNLOAD_DELAY": "0"}
    if drop:
        drop()


@pytest.fixture(scope="module")
def first_run(env):
    return monitor("crawl", "--replay", str(SITE), env=env)


@pytest.fixture(scope="module")
def second_run(env, first_run):
    return monitor("crawl", "--replay", str(SITE), env=env)


def db_rows(env, query):
    """Rows as dicts, JSON columns decoded, whatever the backend."""
    engine = create_engine(env["MONITOR_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            rows = [dict(r._mapping) for r in connection.execute(text(query))]
    finally:
        engine.dispose()
    for row in rows:
        for key in ("errors", "stats"):
            if isinstance(row.get(key), str):
                row[key] = json.loads(row[key])
        if isinstance(row.get("raw_html"), memoryview):
            row["raw_html"] = bytes(row["raw_html"])
    return rows


def expected_articles():
    """The saved articles a first crawl must store."""
    pages = [p for p in iter_pages(SITE) if p.expected is not None and p.url not in TOO_OLD]
    assert len(pages) >= 10, "the saved web should hold the 4 seeds and at least 6 others"
    return pages


def replayed_sources():
    index = ReplayIndex.from_dir(SITE)
    return [s for s in load_sources(ROOT / "sources.toml")
            if any(index.has(u) for u in s.start_urls)]


def test_first_run_succeeds_with_one_progress_line_per_source(first_run):
    assert first_run.returncode == 0, first_run.stdout + first_run.stderr
    for source in replayed_sources():
        assert any(line.strip().startswith(source.name) and "pages" in line
                   for line in first_run.stdout.splitlines()), source.name
    assert "Traceback" not in first_run.stdout + first_run.stderr
    assert "full log:" in first_run.stdout


def test_every_saved_article_is_stored_once_with_its_expected_flags(first_run, env):
    rows = {r["url_key"]: r for r in db_rows(env, "select * from articles")}
    for page in expected_articles():
        key = url_key(page.expected.get("canonical_url") or page.url)
        assert key in rows, f"{page.url} was not stored"
        row = rows[key]
        flags = [f for f in ("medical_aid", "sister_hospital") if row[f]]
        assert flags == sorted(page.expected["flags"]), (page.url, flags)
        assert row["raw_html"] == page.body  # raw bytes kept for reprocessing
    assert len(rows) == len(expected_articles())
    assert not {url_key(u) for u in TOO_OLD} & set(rows)


def test_the_javascript_list_page_was_rendered_by_the_browser(first_run, env):
    js_sources = [s.name for s in replayed_sources() if s.javascript]
    assert js_sources
    runs = db_rows(env, "select * from crawl_runs")
    for name in js_sources:
        (run,) = [r for r in runs if r["source"] == name]
        assert run["finish_reason"] == "finished" and run["errors"] == {}
        assert run["pages"] >= 1


def test_digest_shows_exactly_the_seed_articles_with_their_flags(first_run, env):
    result = monitor("digest", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr
    digest = json.loads(result.stdout)
    seeds = {}
    for page in expected_articles():
        note = json.loads((page.folder / "meta.json").read_text("utf-8")).get("note", "")
        for number in SEED_FLAGS:
            if f"seed {number}" in note:
                seeds[page.expected["title"]] = SEED_FLAGS[number]
    assert len(seeds) == 4, "each seed page's meta.json note names its seed ('seed 000'...)"
    got = {e["title"]: e["flags"] for e in digest["entries"]}
    assert got == seeds
    for entry in digest["entries"]:
        assert (entry["evidence"] or entry["title_terms"]) and entry["url"].startswith("http")
        assert entry["published_at"] is None or entry["published_at"].endswith("+08:00")
    text = monitor("digest", env=env).stdout
    assert "[医疗援助]" in text and "[医院合作协议]" in text  # Chinese labels by default


def test_a_repost_joins_the_original_story(first_run, env):
    digest = json.loads(monitor("digest", "--format", "json", env=env).stdout)
    (aid,) = [e for e in digest["entries"] if "chinanews.com.cn/gn/2025/05-04" in e["url"]]
    assert [o["url"] for o in aid["also_reported_by"]] == [
        "http://www.jkzx365.com/yiwokan/2025/1217/58201.html"]  # the farm copy, not shown apart
    stories = monitor("stories", "--flagged", env=env)
    assert stories.returncode == 0
    assert "首次发现的报道：4 条" in stories.stdout and "58201.html（低质量转载）" in stories.stdout


def test_reprocess_over_the_crawled_history_changes_no_flag(first_run, env):
    result = monitor("reprocess", env=env)
    assert result.returncode == 0, result.stderr
    assert f"Reprocessed {len(expected_articles())} stored article(s); flags changed on 0" \
        in result.stdout


def test_second_run_adds_no_rows_and_downloads_no_article(second_run, env):
    assert second_run.returncode == 0, second_run.stdout + second_run.stderr
    assert len(db_rows(env, "select id from articles")) == len(expected_articles())
    runs = db_rows(env, "select * from crawl_runs order by id")
    sources = replayed_sources()
    second = runs[len(sources):]
    assert len(second) == len(sources)
    assert sum(r["new_articles"] for r in second) == 0
    start_pages = sum(len(s.start_urls) for s in sources)
    assert sum(r["pages"] for r in second) == start_pages  # list pages only, no article
    stats = [r["stats"] for r in second]
    # every list of the saved web shows its links' dates (the NetEase search pages too), all
    # older than the first run: skipped as old; an undated link would be skipped as stored
    assert sum(s["skipped_old"] for s in stats) > 0
    assert sum(s.get("skipped_stored", 0) + s["skipped_old"] for s in stats) >= 3


def test_scrapy_crawl_still_works(tmp_path):
    local = {**os.environ, "MONITOR_DATA_DIR": str(tmp_path),
             "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'scrapy.db'}",
             "MONITOR_DOWNLOAD_DELAY": "0"}
    result = subprocess.run(
        [sys.executable, "-m", "scrapy", "crawl", "chinanews", "-s", f"MONITOR_REPLAY_DIR={SITE}",
         "-s", "LOG_LEVEL=WARNING"],
        cwd=ROOT, env=local, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    rows = db_rows(local, "select site from articles")
    assert sum(r["site"] == "chinanews" for r in rows) >= 3
