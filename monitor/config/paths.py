"""The files and folders derived from the settings, in one place: the data folder and what
lives in it unless a setting puts it elsewhere."""

from __future__ import annotations

from pathlib import Path


def data_dir(settings) -> Path:
    """``MONITOR_DATA_DIR``: the database (SQLite), logs, locks, digests, the feed."""
    return Path(settings.get("MONITOR_DATA_DIR"))


def default_database_url(settings) -> str:
    """The SQLite database in the data folder, when ``MONITOR_DATABASE_URL`` is not set."""
    return f"sqlite:///{data_dir(settings).as_posix()}/monitor.db"


def log_dir(settings) -> Path:
    """Scrapy's log of each crawl (``crawl-*.log``)."""
    return data_dir(settings) / "logs"


def lock_dir(settings) -> Path:
    """``MONITOR_LOCK_DIR``, else the data folder's ``locks``."""
    explicit = settings.get("MONITOR_LOCK_DIR")
    return Path(explicit) if explicit else data_dir(settings) / "locks"


def digest_dir(settings) -> Path:
    """Where the daemon writes each day's digest."""
    return data_dir(settings) / "digests"


def feed_file(settings) -> Path:
    """``MONITOR_FEED_FILE``, else the data folder's ``feed.atom``."""
    explicit = settings.get("MONITOR_FEED_FILE")
    return Path(explicit) if explicit else data_dir(settings) / "feed.atom"
