"""Schema migrations with Alembic, configured in code: no alembic.ini, the revisions are in
``versions/`` beside this file (package data), ``env.py`` runs them on a connection we pass.

``monitor db upgrade`` brings a database to the newest revision; ``monitor run``,
``monitor crawl`` and ``monitor schedule`` do it on start. Three cases:
- a database without the monitor's tables: they are created from the models and stamped
  with the newest revision (Alembic's recipe for a new database); ``Storage`` does the same;
- tables but no ``alembic_version`` (made by ``Storage`` before migrations existed): it is
  stamped with the first revision, whose schema it has, then upgraded;
- a versioned database: the revisions after its own are applied, in one transaction.
Upgrades are serialised by a file lock (and a PostgreSQL advisory lock in ``env.py``).

Adding a revision (the chain is linear: 0001 → 0002 → …):
1. change the models in ``monitor/storage.py``;
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

from monitor.ops.locks import Lock

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
    from monitor.storage.database import Base

    return bool(set(inspect(connection).get_table_names()) & set(Base.metadata.tables))


def _create_from_models(connection: Connection) -> None:
    from monitor.storage.database import Base

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


def upgrade(engine: Engine, *, lock_folder: str | Path | None = None,
            revision: str = "head") -> tuple[str | None, str | None]:
    """Bring the database to ``revision``; returns (revision before, revision after)."""
    with engine.connect() as connection:
        before = current(connection)
    if before == head() and revision in ("head", before):
        return before, before  # the usual case: nothing to do, no lock needed
    lock = Lock(lock_folder, "schema-upgrade") if lock_folder else None
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
    from monitor.storage.database import make_engine

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
