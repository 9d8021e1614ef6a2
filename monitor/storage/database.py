"""All database access behind one ``Storage`` object: the engine, sessions and retries here,
the queries in one module per concern (``articles``, ``runs``, ``reviews``, ``claims``); the
schema is ``models``, its changes ``migrations``.

SQLite by default (WAL, busy timeout, one short transaction per write); any
SQLAlchemy URL works (``MONITOR_DATABASE_URL``). Times are stored in UTC and come
back timezone-aware.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    OperationalError,
)
from sqlalchemy.orm import (
    Session,
    sessionmaker,
)

from monitor.storage.articles import ArticleQueries
from monitor.storage.claims import ClaimQueries
from monitor.storage.engine import StorageError, cannot_write, make_engine
from monitor.storage.institutions import InstitutionQueries
from monitor.storage.reviews import ReviewQueries
from monitor.storage.runs import RunQueries

logger = logging.getLogger(__name__)


class Storage(ArticleQueries, RunQueries, ReviewQueries, ClaimQueries, InstitutionQueries):
    """The monitor's database. Create one per process (or per crawl), ``close()`` it after.
    Its queries are grouped by concern: ``articles`` (and the store path), ``runs``,
    ``reviews`` (digests, verdicts, the reviewer's outputs), ``claims`` (distributed mode)."""

    retry_attempts = 5
    retry_delay = 0.2  # seconds, doubled after each busy attempt

    def __init__(self, database_url: str, *, busy_timeout_ms: int = 15_000):
        """Opens nothing but the engine: the schema is the migrations' job
        (``migrations.upgrade``, or ``migrations.open_storage`` for a new database)."""
        self.database_url = database_url
        self.engine = make_engine(database_url, busy_timeout_ms)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings) -> Storage:
        return cls(settings.get("MONITOR_DATABASE_URL"))

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def retrying(self, work, what: str):
        """Run ``work`` again when the database is locked or briefly unreachable."""
        attempts = self.retry_attempts
        for attempt in range(1, attempts + 1):
            try:
                return work()
            except OperationalError as exc:
                if cannot_write(exc):  # trying again cannot help
                    raise StorageError(
                        f"could not {what} in {make_url(self.database_url).render_as_string()}"
                        f": {exc.orig}") from exc
                if attempt == attempts:
                    raise StorageError(
                        f"could not {what} in {make_url(self.database_url).render_as_string()}"
                        f" after {attempts} tries: {exc.orig}"
                    ) from exc
                logger.warning("database busy while trying to %s (%s); retrying", what, exc.orig)
                time.sleep(self.retry_delay * 2 ** (attempt - 1))
        return None
