"""The database URL and engine: checked, SQLite tuned (WAL, busy time-out, foreign keys),
and the one error type of storage."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError

from monitor.errors import MonitorError


class StorageError(MonitorError, RuntimeError):
    """The database cannot be used; the message says why in plain words."""


def cannot_write(exc: OperationalError) -> bool:
    """A database that is read-only or cannot be opened (not a busy one)."""
    text = str(exc.orig).lower()
    return any(words in text for words in ("readonly", "read-only", "read only",
                                           "unable to open database"))


def parse_database_url(database_url: str):
    """The SQLAlchemy URL, or ``StorageError`` saying what is wrong with it."""
    try:
        url = make_url(database_url)
        url.get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StorageError(
            f"MONITOR_DATABASE_URL {database_url!r} is not a database URL I can use ({exc}); "
            "e.g. sqlite:///data/monitor.db or postgresql+psycopg://user@host/monitor"
        ) from None
    return url


def _sqlite_file(url) -> Path | None:
    """The file of a SQLite URL (None: in memory); ``file:`` URIs (``?uri=true``) too."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.query.get("uri") in ("true", "1") and url.database.startswith("file:"):
        return Path(url.database[len("file:"):].split("?", 1)[0])
    return Path(url.database)


def existing_database_problem(database_url: str) -> str | None:
    """Why a command that only reads cannot use this database (it does not exist, or holds
    no monitor schema), or None. Nothing is created."""
    url = parse_database_url(database_url)
    path = _sqlite_file(url)
    if path is not None and not path.is_file():
        return (f"no database at {path} (MONITOR_DATABASE_URL); `monitor run` or "
                "`monitor crawl` creates it")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
    except SQLAlchemyError as exc:
        return f"cannot open the database {url.render_as_string()}: {getattr(exc, 'orig', exc)}"
    finally:
        engine.dispose()
    if "articles" not in tables:
        return (f"{url.render_as_string()} holds no monitor database; `monitor db upgrade` "
                "creates the schema")
    return None


def make_engine(database_url: str, busy_timeout_ms: int = 15_000) -> Engine:
    url = parse_database_url(database_url)
    path = _sqlite_file(url)
    if path is not None and not path.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create the database folder {path.parent}: "
                               f"{exc.strerror or exc}") from None
    engine = create_engine(url, pool_pre_ping=True)
    if url.get_backend_name() == "sqlite":

        def sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # in WAL mode a commit survives a crash of the process without waiting for the
            # disk; only a crash of the machine may undo the last commits (never half of
            # one), and their articles are fetched again by the next crawl
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        event.listen(engine, "connect", sqlite_pragmas)
    return engine
