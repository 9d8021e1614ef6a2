"""The database schema brought up to date before a command that writes (run, crawl,
schedule, dispatch, worker, backfill, reprocess): apart from ``common`` so that the commands
that only read do not import Alembic."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError

from monitor.ops.locks import schema_lock
from monitor.storage import migrations
from monitor.storage.engine import StorageError, make_engine


def upgrade_schema(settings) -> None:
    """Bring the database schema to the newest migration (what run, crawl, schedule do on
    start); a new database is created."""
    url = settings.get("MONITOR_DATABASE_URL")
    engine = make_engine(url)
    try:
        before, after = migrations.upgrade(engine, lock=schema_lock(settings))
    except SQLAlchemyError as exc:
        raise StorageError(f"could not bring the schema of {engine.url!r} up to date: "
                           f"{getattr(exc, 'orig', None) or exc}") from exc
    finally:
        engine.dispose()
    if before is not None and before != after:
        print(f"Database schema upgraded from revision {before} to {after}.", flush=True)
