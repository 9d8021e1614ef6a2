"""The sources the monitor watches, read and checked from one TOML file (``sources.toml``)."""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from monitor.config.channels import apprise_problem
from monitor.config.kinds import KINDS, RELATIONS, SELECTORS
from monitor.config.zone import ZONE_NAME
from monitor.errors import ConfigError

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


_WATCH_KEYS = {"name", "institutions", "provinces", "relations", "notify"}
_INSTITUTION_KEYS = {"name", "aliases"}


@dataclass(frozen=True)
class WatchedInstitution:
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Watch:
    """A ``[[watch]]`` entry: the stories naming one of its institutions (or an alias), or a
    province word, in one of its relations (any when none is given) come first in the
    digest under its name, and go to its own channel (``notify``) too."""

    name: str
    institutions: tuple[WatchedInstitution, ...] = ()
    provinces: tuple[str, ...] = ()
    relations: tuple[str, ...] = ()  # empty: any relation
    notify: tuple[str, ...] = ()  # Apprise URLs of its own channel


def load_sources(path: str | os.PathLike, *, allow_empty: bool = False) -> list[Source]:
    """Read and check the sources file (``MONITOR_SOURCES``); raise ``ConfigError`` listing
    every problem found (in its ``[[source]]`` and its ``[[watch]]`` entries). A file with no
    source is a problem, unless ``allow_empty`` (``monitor add`` starts from one)."""
    sources, _, problems = _read(path, allow_empty=allow_empty)
    if problems:
        raise ConfigError("\n".join(problems))
    return sources


def load_watches(path: str | os.PathLike) -> list[Watch]:
    """The ``[[watch]]`` entries of the sources file; raise ``ConfigError`` listing every
    problem found in them (a problem of a ``[[source]]`` is ``load_sources``' to report)."""
    _, watches, problems = _read(path, sources=False)
    if problems:
        raise ConfigError("\n".join(problems))
    return watches


def _read(path: str | os.PathLike, sources: bool = True, allow_empty: bool = False
          ) -> tuple[list[Source], list[Watch], list[str]]:
    """The sources and the watches of the file, and the problems found (those of the
    sources only when ``sources``)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"sources file {path} not found (set MONITOR_SOURCES)") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    found, problems = _sources(path, data, allow_empty)
    watches, watch_problems = _watches(path, data)
    return found, watches, (problems if sources else []) + watch_problems


def _sources(path: Path, data: dict, allow_empty: bool) -> tuple[list[Source], list[str]]:
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
    if not sources and not problems and not allow_empty:
        problems.append(f"{path}: no [[source]] entries")
    return sources, problems


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
    for key, value in entry.get("selectors", {}).items():
        if key not in SELECTORS:
            problems.append(f"selectors: no selector {key!r} (the selectors are "
                            f"{', '.join(SELECTORS)})")
        elif not isinstance(value, str) or not value.strip():
            problems.append(f"selectors.{key} must be a CSS selector (a string), "
                            f"not {value!r}")
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


def _watches(path: Path, data: dict) -> tuple[list[Watch], list[str]]:
    raw = data.get("watch", [])
    if not isinstance(raw, list):
        return [], [f"{path}: write each watch as [[watch]] (a list of tables), not [watch]"]
    problems: list[str] = []
    watches: list[Watch] = []
    seen: set[str] = set()
    for position, entry in enumerate(raw, start=1):
        named = entry.get("name", "no name") if isinstance(entry, dict) else "no name"
        where = f"{path}: watch #{position} ({named})"
        found = _check_watch(entry, seen)
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            seen.add(entry["name"])  # a second one of that name is a mistake too
        if found:
            problems.extend(f"{where}: {problem}" for problem in found)
            continue
        watches.append(Watch(
            name=entry["name"],
            institutions=tuple(_institution(item) for item in entry.get("institutions", [])),
            provinces=tuple(entry.get("provinces", [])),
            relations=tuple(entry.get("relations", [])),
            notify=tuple(_notify_urls(entry.get("notify", []))),
        ))
    return watches, problems


def _institution(item: str | dict) -> WatchedInstitution:
    if isinstance(item, str):
        return WatchedInstitution(item.strip())
    return WatchedInstitution(item["name"].strip(),
                              tuple(a.strip() for a in item.get("aliases", [])))


def _notify_urls(value: str | list) -> list[str]:
    """``notify``: one string (URLs apart by spaces, as in MONITOR_NOTIFY) or a list."""
    items = [value] if isinstance(value, str) else value
    return [url for item in items for url in item.split()]


def _strings(value, key: str) -> list[str]:
    """Problems of a list of non-empty strings."""
    if not isinstance(value, list):
        return [f"{key} must be a list of strings, not {value!r}"]
    if not all(isinstance(v, str) and v.strip() for v in value):
        return [f"{key} must hold non-empty strings only, not {value!r}"]
    return []


def _check_watch(entry, seen: set[str]) -> list[str]:
    if not isinstance(entry, dict):
        return [f"a watch must be a table, not {entry!r}"]
    problems = []
    unknown = set(entry) - _WATCH_KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)} (a watch takes "
                        f"{', '.join(sorted(_WATCH_KEYS))})")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append("name must be a non-empty string")
    elif name in seen:
        problems.append(f"duplicate watch name {name!r}")
    institutions = entry.get("institutions", [])
    if not isinstance(institutions, list):
        problems.append(f"institutions must be a list, not {institutions!r}")
        institutions = []
    for item in institutions:
        problems += _institution_problems(item)
    provinces = entry.get("provinces", [])
    problems += _strings(provinces, "provinces")
    relations = entry.get("relations", [])
    problems += _strings(relations, "relations")
    if isinstance(relations, list):
        wrong = [r for r in relations if isinstance(r, str) and r not in RELATIONS]
        if wrong:
            problems.append(f"relations {wrong} are not among {', '.join(RELATIONS)}")
    if not institutions and not provinces:
        problems.append("give institutions or provinces (or both): a watch of neither "
                        "watches nothing")
    notify = entry.get("notify", [])
    typed = [] if isinstance(notify, str) else _strings(notify, "notify")
    problems += typed
    if not typed:
        problems += [f"notify: {problem}" for url in _notify_urls(notify)
                     if (problem := apprise_problem(url))]
    return problems


def _institution_problems(item) -> list[str]:
    if isinstance(item, str):
        return [] if item.strip() else ["an institution's name is empty"]
    if not isinstance(item, dict):
        return [f"an institution is a name or a table {{name = ..., aliases = [...]}}, "
                f"not {item!r}"]
    problems = []
    unknown = set(item) - _INSTITUTION_KEYS
    if unknown:
        problems.append(f"institution {item.get('name', '?')!r}: unknown keys "
                        f"{sorted(unknown)} (it takes name and aliases)")
    name = item.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.append(f"institution {item!r}: name must be a non-empty string")
    if "aliases" in item:
        problems += [f"institution {name!r}: {p}"
                     for p in _strings(item["aliases"], "aliases")]
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
