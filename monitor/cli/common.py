"""What every command shares: its settings (the one loader, with the command's options),
the database opened for writing or only for reading, the schema upgrade, and the few
argument types."""

from __future__ import annotations

import argparse
import getpass
from datetime import date
from pathlib import Path

from monitor.config.loader import load_settings, parse_setting_options
from monitor.config.sources import Source, get_source, load_sources
from monitor.errors import MonitorError
from monitor.storage.database import Storage
from monitor.storage.engine import existing_database_problem

EXIT_OK, EXIT_FAILED_SOURCES, EXIT_USAGE = 0, 1, 2


class CommandError(MonitorError):
    """A problem the user can fix; printed as one plain line."""


def load(args):
    settings = load_settings(
        MONITOR_REPLAY_DIR=getattr(args, "replay", None),
        MONITOR_SOURCES=getattr(args, "sources_file", None),
        **parse_setting_options(getattr(args, "set", None)),
    )
    data = Path(settings.get("MONITOR_DATA_DIR"))
    if data.exists() and not data.is_dir():
        raise CommandError(f"the data folder {data} (MONITOR_DATA_DIR) is a file, not a folder")
    return settings


def open_storage_for(settings) -> Storage:
    return Storage.from_settings(settings)


def existing_storage(settings) -> Storage:
    """The database, for a command that only reads it: refused when it does not exist or
    has no schema (a wrong MONITOR_DATABASE_URL must not give a new, empty database and a
    quiet day)."""
    url = settings.get("MONITOR_DATABASE_URL")
    problem = existing_database_problem(url)
    if problem:
        raise CommandError(problem)
    return Storage(url)


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--date {text!r} is not a date (expected YYYY-MM-DD, e.g. "
                           f"{date.today():%Y-%m-%d})") from None


def story_id(text: str) -> int:
    """A story's ID as given on the command line: ``4`` or ``#4`` (as every output prints
    it)."""
    digits = text.strip().removeprefix("#").strip()
    if not digits.isascii() or not digits.isdigit() or int(digits) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a story ID (the #number of a "
                                         "digest entry, e.g. 4 or '#4')")
    return int(digits)


def pick_sources(args, settings) -> list[Source]:
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    if args.source:
        return [get_source(sources, name) for name in args.source]
    return [s for s in sources if s.enabled]


def reviewer(args, settings) -> str:
    """Who gives a verdict: ``--reviewer``, else ``MONITOR_REVIEWER``, else the login name
    (known even under cron, where ``$USER`` is not set)."""
    return args.reviewer or settings.get("MONITOR_REVIEWER") or getpass.getuser()

