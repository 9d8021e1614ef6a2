"""The whole cron cycle on a real PostgreSQL server: `monitor run` over the saved web (schema
made on start, crawl in a child process, health checks, digest), a forced second run that
must add nothing, a third that finds nothing due. Storage, digest, health, scheduler and
migration tests run on PostgreSQL too, through the ``db_url`` fixture (tests/conftest.py)."""

import json
import os
import subprocess
import sys

import pytest
from conftest import NO_POSTGRES, POSTGRES_URL, ROOT, SITE, new_postgres_database
from sqlalchemy import create_engine, text
from test_end_to_end import TOO_OLD, expected_articles, replayed_sources

from monitor.page.urls import url_key

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)


def monitor(*args, env):
    return subprocess.run([sys.executable, "-m", "monitor.cli.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    url, drop = new_postgres_database()
    data = tmp_path_factory.mktemp("data")
    yield {**os.environ, "MONITOR_DATABASE_URL": url, "MONITOR_DATA_DIR": str(data),
           "MONITOR_DOWNLOAD_DELAY": "0"}
    drop()


@pytest.fixture(scope="module")
def runs(env):
    """Three cron cycles: the first crawls everything (never run: due), the second is
    forced with --all, the third finds nothing due."""
    return [monitor("run", "--replay", str(SITE), env=env),
            monitor("run", "--all", "--replay", str(SITE), env=env),
            monitor("run", "--replay", str(SITE), env=env)]


def rows(env, query):
    engine = create_engine(env["MONITOR_DATABASE_URL"])
    try:
        with engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(text(query))]
    finally:
        engine.dispose()


def test_every_cycle_succeeds(runs):
    for result in runs:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "Traceback" not in result.stdout + result.stderr
    assert "医疗合作新闻简报" in runs[0].stdout


def test_the_first_cycle_stores_every_saved_article_with_its_flags(runs, env):
    stored = {r["url_key"]: r for r in rows(env, "select * from articles")}
    for page in expected_articles():
        row = stored[url_key(page.expected.get("canonical_url") or page.url)]
        assert [f for f in ("medical_aid", "sister_hospital") if row[f]] == \
            sorted(page.expected["flags"]), page.url
        assert bytes(row["raw_html"]) == page.body
    assert len(stored) == len(expected_articles())
    assert not {url_key(u) for u in TOO_OLD} & set(stored)


def test_each_cycle_records_its_runs_and_the_schema_version(runs, env):
    sources = replayed_sources()
    recorded = rows(env, "select * from crawl_runs order by id")
    assert len(recorded) == 2 * len(sources)  # the third cycle crawled nothing
    assert all(r["finish_reason"] == "finished" and r["finished_at"] for r in recorded)
    assert sum(r["new_articles"] for r in recorded[len(sources):]) == 0
    assert "Nothing to crawl now" in runs[2].stdout
    assert rows(env, "select version_num from alembic_version") != []


def test_health_and_digest_read_postgresql(runs, env):
    health = monitor("health", "--format", "json", env=env)
    assert health.returncode == 0, health.stdout
    assert {c["source"] for c in json.loads(health.stdout)} == {
        s.name for s in replayed_sources()}
    digest = monitor("digest", "--format", "json", env=env)
    assert digest.returncode == 0, digest.stderr
    flagged = {r["title"] for r in rows(
        env, "select title from articles where medical_aid or sister_hospital")}
    entries = json.loads(digest.stdout)["entries"]
    assert len(entries) >= 4 and {e["title"] for e in entries} <= flagged
