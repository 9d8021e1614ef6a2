"""Exceptions in the words an operator needs: what failed, on which file or database, why.
One place, used by the CLI (one line, exit 2) and the daemon's log."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError


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
