"""Exceptions in the words an operator needs: what failed, on which file or database, why.

Every problem the operator can act on is a ``MonitorError``: the CLI prints it as one line
(exit 2) and the daemon logs it the same way, through ``plain_error``.
"""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError


class MonitorError(Exception):
    """A problem with a message written for the operator (one line, no traceback)."""


class ConfigError(MonitorError, ValueError):
    """A setting or the sources file is missing or wrong; the message says where and how
    to fix it."""


def plain_error(exc: BaseException) -> str:
    """One line saying what went wrong, without a traceback."""
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    if isinstance(exc, SQLAlchemyError):
        text = f"database error: {getattr(exc, 'orig', None) or exc}"
    else:
        text = str(exc) or type(exc).__name__
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
