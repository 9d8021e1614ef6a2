import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from monitor.cli.main import main
from monitor.storage import migrations
from monitor.storage.engine import make_engine
from monitor.storage.migrations import open_storage
from monitor.storage.models import Base

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


def schema_differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": lambda o, name, type_, *_: not (
                type_ == "table" and name in migrations.FOREIGN_TABLES),
        })
        return compare_metadata(context, Base.metadata)


def brief(difference) -> str:
    """One autogenerate difference in a few words: ("add_table", Table("stories")) -> ..."""
    if isinstance(difference, list):  # column changes come as a list of tuples
        return "; ".join(brief(d) for d in difference)
    names = [getattr(part, "name", part) for part in difference[1:4] if part is not None]
    return " ".join(str(part) for part in [difference[0], *names])


def legacy_database(engine) -> None:
    """A database as ``Storage`` made it before migrations: the first schema, no version."""
    migrations.upgrade(engine, revision=migrations.BASELINE)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE alembic_version"))


def test_the_chain_builds_exactly_the_models_schema(engine):
    before, after = migrations.upgrade(engine, revision=migrations.head())  # not create_all
    assert (before, after) == (None, migrations.head())
    differences = [brief(d) for d in schema_differences(engine)]
    assert differences == [], (
        "the models in monitor/storage.py and the migrations differ: write the next revision "
        "with `monitor db revision -m WHAT` (see monitor/migrations/__init__.py)")


def test_storage_creates_a_new_database_at_the_newest_revision(db_url, engine):
    open_storage(db_url).close()
    with engine.connect() as connection:
        assert migrations.current(connection) == migrations.head()
    assert schema_differences(engine) == []
    assert migrations.upgrade(engine) == (migrations.head(), migrations.head())


ARTICLE_0001 = text(
    "INSERT INTO articles (url, url_key, source, title, images, field_origins, fetched_at,"
    " first_seen_at, raw_html, low_quality, quality_reasons, medical_aid, sister_hospital,"
    " flags, notes, run_id) VALUES ('https://a.cn/1.htm', 'a.cn/1.htm', 'dmu-news', '援疆',"
    " '[]', '{}', :now, :now, :raw, false, '[]', true, false, '{}', '[]', :run)")


def test_a_database_from_before_migrations_is_stamped_then_upgraded(db_url, engine):
    legacy_database(engine)
    storage = open_storage(db_url)  # leaves an existing database alone
    run_id = storage.start_run("dmu-news", "university")
    storage.close()
    with engine.begin() as connection:  # an article as the first schema stored it
        connection.execute(ARTICLE_0001, {"now": datetime(2025, 5, 4, 8), "raw": b"<p>x</p>",
                                          "run": run_id})
    assert migrations.upgrade(engine) == (None, migrations.head())
    with engine.connect() as connection:
        assert migrations.current(connection) == migrations.head()
        assert connection.execute(text("SELECT source FROM crawl_runs WHERE id = :id"),
                                  {"id": run_id}).scalar() == "dmu-news"
    storage = open_storage(db_url)
    (article,) = storage.articles()
    assert (article.title, article.medical_aid, article.run_id) == ("援疆", True, run_id)
    assert article.raw_html == b"<p>x</p>"
    storage.close()


def test_downgrade_to_nothing_and_back(engine):
    migrations.upgrade(engine, revision=migrations.head())
    tables = set(inspect(engine).get_table_names())
    assert migrations.downgrade(engine, "base") == (migrations.head(), None)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrations.upgrade(engine, revision=migrations.head())
    assert set(inspect(engine).get_table_names()) == tables


def test_concurrent_upgrades_wait_for_each_other(db_url, engine, tmp_path):
    legacy_database(engine)
    env = {**os.environ, "MONITOR_DATABASE_URL": db_url, "MONITOR_DATA_DIR": str(tmp_path)}
    upgrades = [subprocess.Popen([sys.executable, "-m", "monitor.cli.main", "db", "upgrade"],
                                 cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(u.wait(timeout=120), *u.communicate()) for u in upgrades]
    assert [code for code, _, _ in results] == [0, 0], results
    with engine.connect() as connection:
        assert migrations.current(connection) == migrations.head()


def test_monitor_db_commands(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    head = migrations.head()
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out == f"none (newest: {head})\n"
    assert main(["db", "upgrade"]) == 0
    assert capsys.readouterr().out == f"schema at revision {head} (was none)\n"
    assert main(["db", "current"]) == 0
    assert capsys.readouterr().out == f"{head} (newest: {head})\n"
    assert main(["db", "downgrade"]) == 2
    assert "downgrade needs a REVISION" in capsys.readouterr().err
    assert main(["db", "revision"]) == 2
    assert "revision needs -m MESSAGE" in capsys.readouterr().err


def test_monitor_db_reports_an_unreachable_database_plainly(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_DATABASE_URL",
                       "postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=2")
    assert main(["db", "upgrade"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monitor: error: database ") and "Traceback" not in err


@pytest.fixture
def scratch_migrations(tmp_path, monkeypatch):
    folder = tmp_path / "migrations"
    shutil.copytree(migrations.FOLDER, folder, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrations, "FOLDER", folder)
    migrations.head.cache_clear()
    yield folder
    migrations.head.cache_clear()


@pytest.mark.filterwarnings("ignore:Autogenerate rendered")  # unnamed constraints: fixed by hand
def test_a_new_revision_continues_the_chain(scratch_migrations):
    previous = migrations.head()
    path = migrations.new_revision("add a thing")
    assert path == scratch_migrations / "versions" / f"{int(previous) + 1:04d}_add_a_thing.py"
    source = path.read_text()
    namespace: dict = {}
    exec(compile(source, str(path), "exec"), namespace)
    assert namespace["down_revision"] == previous
    assert migrations.head() == f"{int(previous) + 1:04d}"
