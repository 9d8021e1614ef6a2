"""Schema migrations with Alembic, configured in code: no alembic.ini, the revisions are in
``versions/`` beside this file (package data), ``env.py`` runs them on a connection we pass.

``monitor db upgrade`` brings a database to the newest revision; ``monitor run``,
``monitor crawl`` and ``monitor schedule`` do it on start (``open_storage`` creates a new
database's schema without the lock, for ``scrapy crawl`` and the tests). Three cases:
- a database without the monitor's tables: they are created from the models and stamped
  with the newest revision (Alembic's recipe for a new database);
- tables but no ``alembic_version`` (made by ``Storage`` before migrations existed): it is
  stamped with the first revision, whose schema it has, then upgraded;
- a versioned database: the revisions after its own are applied, in one transaction.
Upgrades are serialised by a file lock (and a PostgreSQL advisory lock in ``env.py``).

Adding a revision (the chain is linear: 0001 → 0002 → …):
1. change the models in ``monitor/storage/models.py``;
2. ``monitor db revision -m "add stories"`` writes ``versions/0002_add_stories.py`` by
   comparing the models with a scratch SQLite database built by the chain (autogenerate);
3. read and complete it: data moves, server defaults for new NOT NULL columns of existing
   rows, a name for every constraint it creates or drops (SQLite's batch mode needs them;
   Alembic warns about unnamed ones), a working ``downgrade()``;
4. ``make test``: ``tests/test_migrations.py`` checks that the chain builds exactly the
   models' schema on SQLite and PostgreSQL and that an upgrade keeps existing rows.
"""

from __future__ import annotations

import importlib.util
import tempfile
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection, Engine

from monitor.storage.database import Storage
from monitor.storage.engine import make_engine
from monitor.storage.models import Base

FOLDER = Path(__file__).resolve().parent
BASELINE = "0001"  # the schema of databases created before migrations existed
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})  # APScheduler's job store manages its own
UPGRADE_LOCK_KEY = 0x6D6F6E69  # pg_advisory_xact_lock key of schema upgrades
UPGRADE_TIMEOUT = 600  # seconds to wait for another process's upgrade


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _has_monitor_tables(connection: Connection) -> bool:
    return bool(set(inspect(connection).get_table_names()) & set(Base.metadata.tables))


def _create_from_models(connection: Connection) -> None:
    Base.metadata.create_all(connection)
    command.stamp(alembic_config(connection), "head")


def create_fresh(engine: Engine) -> bool:
    """Create and stamp the schema when the database has none of the monitor's tables;
    True when it did. Existing databases are left to ``upgrade``."""
    with engine.begin() as connection:
        if _has_monitor_tables(connection):
            return False
        _create_from_models(connection)
        return True


def open_storage(database_url: str) -> Storage:
    """A ``Storage`` on ``database_url`` whose schema exists: a database without the
    monitor's tables gets them first (``create_fresh``). What a crawl started by
    ``scrapy crawl`` and the tests use; the commands upgrade the schema on start."""
    storage = Storage(database_url)
    storage.retrying(lambda: create_fresh(storage.engine), "create the schema")
    return storage


def upgrade(engine: Engine, *, lock=None, revision: str = "head"
            ) -> tuple[str | None, str | None]:
    """Bring the database to ``revision``; returns (revision before, revision after).
    ``lock`` (the caller's inter-process lock, see ``monitor.ops.locks``) is held while
    there is something to do."""
    with engine.connect() as connection:
        before = current(connection)
    if before == head() and revision in ("head", before):
        return before, before  # the usual case: nothing to do, no lock needed
    if lock:
        lock.acquire(blocking=True, timeout=UPGRADE_TIMEOUT)
    try:
        with engine.begin() as connection:
            before = current(connection)
            config = alembic_config(connection)
            legacy = before is None and _has_monitor_tables(connection)
            if before is None and not legacy and revision == "head":
                _create_from_models(connection)
            else:
                if legacy:
                    command.stamp(config, BASELINE)
                command.upgrade(config, revision)
        with engine.connect() as connection:
            return before, current(connection)
    finally:
        if lock:
            lock.release()


def downgrade(engine: Engine, revision: str) -> tuple[str | None, str | None]:
    with engine.begin() as connection:
        before = current(connection)
        command.downgrade(alembic_config(connection), revision)
    with engine.connect() as connection:
        return before, current(connection)


def new_revision(message: str) -> Path:
    """Write the next revision file, autogenerated from the models (see the module doc)."""
    previous = head()
    number = f"{int(previous) + 1:04d}" if previous.isdigit() else None
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/scratch.db")
        try:
            with engine.begin() as connection:
                config = alembic_config(connection)
                if importlib.util.find_spec("ruff"):  # the dev tools: lay the file out
                    for key, value in (("hooks", "ruff"), ("ruff.type", "module"),
                                       ("ruff.module", "ruff"),
                                       ("ruff.options", "format REVISION_SCRIPT_FILENAME")):
                        config.set_section_option("post_write_hooks", key, value)
                command.upgrade(config, "head")
                script = command.revision(config, message=message, autogenerate=True,
                                          rev_id=number)
        finally:
            engine.dispose()
    head.cache_clear()
    return Path(script.path)
