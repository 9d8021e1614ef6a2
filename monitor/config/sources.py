"""The sources the monitor watches, read and checked from one TOML file (``sources.toml``)."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config.zone import ZONE_NAME
from monitor.errors import ConfigError

# "institution": a hospital's, university's, health commission's or institute's own site
# (the VSB / WebPlus presets, else the generic rules); "university" is its older name
KINDS = ("netease", "chinanews", "institution", "university", "generic")
_INTERVAL = re.compile(r"^every\s+(\d+)\s*([mhd])$")
_SOURCE_KEYS = {
    "name", "kind", "title", "start_urls", "selectors", "javascript", "schedule", "enabled",
    "max_list_pages", "horizon_days", "allowed_domains", "article_url_pattern", "last_seen",
    "notes",
}


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    start_urls: tuple[str, ...]
    title: str = ""
    selectors: dict[str, str] = field(default_factory=dict)
    javascript: bool = False  # list pages need a browser (scrapy-playwright)
    schedule: str = "0 7 * * *"  # cron expression (Asia/Shanghai) or "every 6h"
    enabled: bool = True
    max_list_pages: int = 5
    horizon_days: int | None = None  # None: since the last successful run minus one day
    allowed_domains: tuple[str, ...] = ()
    article_url_pattern: str | None = None  # regex; overrides the kind's own rule
    last_seen: str | None = None  # when the start URLs were last seen working
    notes: str = ""

    @property
    def domains(self) -> tuple[str, ...]:
        """Hosts this source may crawl: explicit ones, else those of its start URLs."""
        if self.allowed_domains:
            return self.allowed_domains
        return tuple(sorted({urlsplit(u).hostname or "" for u in self.start_urls} - {""}))


def load_sources(path: str | os.PathLike) -> list[Source]:
    """Read and check the sources file (``MONITOR_SOURCES``); raise ``ConfigError`` listing
    every problem found."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"sources file {path} not found (set MONITOR_SOURCES)") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    defaults = data.get("defaults", {})
    problems: list[str] = []
    sources: list[Source] = []
    seen: set[str] = set()
    for position, raw in enumerate(data.get("source", []), start=1):
        entry = {**defaults, **raw}
        where = f"{path}: source #{position} ({entry.get('name', 'no name')})"
        found = _check_entry(entry, seen)
        if found:
            problems.extend(f"{where}: {problem}" for problem in found)
            continue
        seen.add(entry["name"])
        sources.append(
            Source(
                name=entry["name"],
                kind=entry["kind"],
                start_urls=tuple(entry["start_urls"]),
                title=entry.get("title", ""),
                selectors=dict(entry.get("selectors", {})),
                javascript=bool(entry.get("javascript", False)),
                schedule=entry.get("schedule", "0 7 * * *"),
                enabled=bool(entry.get("enabled", True)),
                max_list_pages=int(entry.get("max_list_pages", 5)),
                horizon_days=entry.get("horizon_days"),
                allowed_domains=tuple(entry.get("allowed_domains", ())),
                article_url_pattern=entry.get("article_url_pattern"),
                last_seen=entry.get("last_seen"),
                notes=entry.get("notes", ""),
            )
        )
    if not sources and not problems:
        problems.append(f"{path}: no [[source]] entries")
    if problems:
        raise ConfigError("\n".join(problems))
    return sources


# the TOML type each key must have (a quoted "false" is a string, not false)
_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "kind": (str,), "title": (str,), "start_urls": (list,),
    "selectors": (dict,), "javascript": (bool,), "schedule": (str,), "enabled": (bool,),
    "max_list_pages": (int,), "horizon_days": (int, float), "allowed_domains": (list,),
    "article_url_pattern": (str,), "last_seen": (str,), "notes": (str,),
}
_TYPE_WORDS = {str: "a string", list: "a list", dict: "a table", bool: "true or false",
               int: "a whole number", float: "a number"}


def _type_problems(entry: dict) -> list[str]:
    problems = []
    for key, types in _TYPES.items():
        if key not in entry:
            continue
        value = entry[key]
        # bool is an int in Python; true is not a number of pages
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            wanted = " or ".join(_TYPE_WORDS[t] for t in types)
            problems.append(f"{key} must be {wanted}, not {value!r}"
                            + (" (remove the quotes)" if isinstance(value, str)
                               and value.lower() in ("true", "false") else ""))
    for key in ("max_list_pages", "horizon_days"):
        value = entry.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value < (
                1 if key == "max_list_pages" else 0):
            problems.append(f"{key} must be at least {1 if key == 'max_list_pages' else 0}, "
                            f"not {value}")
    return problems


def _check_entry(entry: dict, seen: set[str]) -> list[str]:
    problems = []
    unknown = set(entry) - _SOURCE_KEYS - {"defaults"}
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    typed = _type_problems(entry)
    if typed:  # the checks below assume the right types
        return problems + typed
    name = entry.get("name")
    if not name or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", str(name)):
        problems.append("name must be lower-case letters, digits, '-' or '_'")
    elif name in seen:
        problems.append(f"duplicate name {name!r}")
    if entry.get("kind") not in KINDS:
        problems.append(f"kind must be one of {', '.join(KINDS)}, not {entry.get('kind')!r}")
    urls = entry.get("start_urls")
    if not urls or not isinstance(urls, list):
        problems.append("start_urls must be a non-empty list")
    else:
        for url in urls:
            parts = urlsplit(str(url))
            if parts.scheme not in ("http", "https") or not parts.hostname:
                problems.append(f"start URL {url!r} is not an http(s) URL")
    schedule_problem = check_schedule(entry.get("schedule", "0 7 * * *"))
    if schedule_problem:
        problems.append(schedule_problem)
    pattern = entry.get("article_url_pattern")
    if pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"article_url_pattern is not a valid regex: {exc}")
    return problems


def check_schedule(schedule: str) -> str | None:
    """None when ``schedule`` is a 5-field cron expression or ``every N[m|h|d]``."""
    interval = _INTERVAL.match(str(schedule).strip())
    if interval:
        if int(interval[1]) < 1:
            return f"schedule {schedule!r}: the interval must be at least 1"
        return None
    from apscheduler.triggers.cron import CronTrigger  # start-up: only where a cron is checked

    try:
        CronTrigger.from_crontab(str(schedule), timezone=ZONE_NAME)
    except ValueError as exc:
        return f"schedule {schedule!r} is neither a cron expression nor 'every N[m|h|d]': {exc}"
    return None


def get_source(sources: list[Source], name: str) -> Source:
    for source in sources:
        if source.name == name:
            return source
    raise ConfigError(f"no source named {name!r} (known: {', '.join(s.name for s in sources)})")
