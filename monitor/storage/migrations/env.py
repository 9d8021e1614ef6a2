"""Alembic's environment: run by every ``monitor db`` command through
``monitor.storage.migrations``.

The caller passes an open connection in ``config.attributes["connection"]`` (there is no
alembic.ini and no URL here). On PostgreSQL a transaction-level advisory lock serialises
concurrent upgrades (two hosts starting at once); on SQLite the caller's file lock does.
"""

from alembic import context
from sqlalchemy import text

from monitor.storage.migrations import FOREIGN_TABLES, UPGRADE_LOCK_KEY
from monitor.storage.models import Base, UTCDateTime


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Leave alone the tables other programs keep in the same database."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


def render_item(type_, obj, autogen_context):
    """New revisions write the monitor's column types as the plain types they store."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def run_migrations() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None or context.is_offline_mode():
        raise RuntimeError("run migrations through `monitor db`, which passes a connection")
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        include_object=include_object,
        render_item=render_item,
        compare_type=True,
        # SQLite cannot ALTER most things: operations rebuild the table ("batch" mode)
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": UPGRADE_LOCK_KEY})
        context.run_migrations()


run_migrations()
