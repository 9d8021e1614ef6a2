"""The one reader of the project's settings.

``monitor.settings`` holds literal defaults; ``load_settings`` applies the ``MONITOR_*``
environment variables, then ``-s NAME=VALUE`` options, checking every value once against
the type of its default (Scrapy's own default for a Scrapy setting), then derives what
follows from them: the Scrapy settings that follow a ``MONITOR_*`` one, the browser, the
database URL. Everything else receives the settings it needs; nothing reads the
environment again. ``scrapy crawl`` comes through here too (``EnvironmentAddon``).

Apart from the crawl code so that commands that do not crawl (digest, review, serve…)
load their settings without importing Scrapy's crawler.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping

from scrapy.settings import BaseSettings, Settings

from monitor.config import paths
from monitor.errors import ConfigError

# Scrapy settings that follow a monitor setting unless they are given themselves, e.g.
# `monitor crawl -s CONCURRENT_REQUESTS=32` wins over MONITOR_CONCURRENCY
FOLLOWING = {
    "CONCURRENT_REQUESTS": "MONITOR_CONCURRENCY",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "MONITOR_CONCURRENCY_PER_DOMAIN",
    "AUTOTHROTTLE_ENABLED": "MONITOR_AUTOTHROTTLE",
    "DOWNLOAD_DELAY": "MONITOR_DOWNLOAD_DELAY",
    "AUTOTHROTTLE_START_DELAY": "MONITOR_DOWNLOAD_DELAY",
    "DOWNLOAD_TIMEOUT": "MONITOR_DOWNLOAD_TIMEOUT",
    "DOWNLOAD_MAXSIZE": "MONITOR_MAX_PAGE_BYTES",
    "USER_AGENT": "MONITOR_USER_AGENT",
    "LOG_LEVEL": "MONITOR_LOG_LEVEL",
}
# settings whose text must be one of a few words
CHOICES = {
    "MONITOR_LANGUAGE": ("zh", "en"),
    "MONITOR_SMTP_SECURITY": ("starttls", "ssl", "none"),
    "MONITOR_LOG_LEVEL": ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"),
    "LOG_LEVEL": ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"),
}
# Scrapy settings read as numbers with a fraction (``getfloat``) whose default is whole
FRACTIONAL = ("DOWNLOAD_DELAY", "DOWNLOAD_TIMEOUT", "DNS_TIMEOUT")
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
# marks settings this loader has made, so that the addon does not apply them twice
LOADED = "MONITOR_SETTINGS_LOADED"


def load_settings(*, environ: Mapping[str, str] | None = None, **options: object) -> Settings:
    """The project's settings: defaults, ``environ`` (default: the process's environment),
    then ``options`` (``-s`` and the commands' own options; ``None`` values are skipped).
    ``ConfigError`` names the first value that is wrong."""
    settings = Settings()
    settings.setmodule("monitor.settings", priority="project")
    _apply(settings, os.environ if environ is None else environ, options)
    return settings


class EnvironmentAddon:
    """``scrapy crawl``: the ``MONITOR_*`` environment variables and what follows from them,
    through the same loader; settings made by ``load_settings`` are left as they are."""

    def update_settings(self, settings: Settings) -> None:
        if not settings.getbool(LOADED):
            _apply(settings, os.environ, {})


def parse_setting_options(options: list[str] | None) -> dict[str, str]:
    """``-s NAME=VALUE`` options as a dict; ``ConfigError`` for one without ``=``."""
    found = {}
    for option in options or []:
        name, equals, value = option.partition("=")
        if not equals or not name.strip():
            raise ConfigError(f"-s {option!r}: expected NAME=VALUE, e.g. -s "
                              "CONCURRENT_REQUESTS=16")
        found[name.strip()] = value
    return found


def _apply(settings: Settings, environ: Mapping[str, str], options: Mapping[str, object]
           ) -> None:
    for key in [k for k in settings.attributes if k.startswith("MONITOR_")]:
        if key in environ:
            value = _typed(settings, key, environ[key], "wrong setting in the environment: ")
            settings.set(key, value, priority="project")
    for key, value in options.items():
        if value is None:
            continue
        if key.startswith("MONITOR_") and key not in settings.attributes:
            raise ConfigError(f"-s {key}: no such setting (the MONITOR_* settings are "
                              "listed in the README's Configuration section)")
        settings.set(key, _typed(settings, key, value, "-s "), priority="cmdline")
    for key, monitor_key in FOLLOWING.items():
        if settings.getpriority(monitor_key) > (settings.getpriority(key) or 0):
            settings.set(key, settings[monitor_key], priority=settings.getpriority(monitor_key))
    browser = settings.get("MONITOR_BROWSER") or next(
        filter(None, map(shutil.which, BROWSERS)), "")
    if browser:
        launch = dict(settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
        launch["executable_path"] = browser
        settings.set("PLAYWRIGHT_LAUNCH_OPTIONS", launch,
                     priority=settings.getpriority("PLAYWRIGHT_LAUNCH_OPTIONS"))
    if not settings.get("MONITOR_DATABASE_URL"):
        settings.set("MONITOR_DATABASE_URL", paths.default_database_url(settings),
                     priority=settings.getpriority("MONITOR_DATA_DIR"))
    settings.set(LOADED, True, priority="cmdline")


def _typed(settings: Settings, key: str, value: object, where: str) -> object:
    """``value`` converted to the type of the setting's default; ``ConfigError`` when it
    cannot be (no monitor count, duration or share is negative either)."""
    if not isinstance(value, str):
        return value
    default = settings.get(key)
    shown = f"{where}{key}={value!r}"
    if key in CHOICES:
        word = value.strip().upper() if key.endswith("LOG_LEVEL") else value.strip().lower()
        if word not in CHOICES[key]:
            raise ConfigError(f"{shown} is not one of {', '.join(CHOICES[key]).lower()}")
        return word
    if isinstance(default, bool):
        word = value.strip().lower()
        if word not in TRUE + FALSE:
            raise ConfigError(f"{shown} is not 1 or 0 (true or false)")
        return word in TRUE
    if isinstance(default, int | float):
        kind = float if key in FRACTIONAL else type(default)
        try:
            number = kind(value.strip())
        except ValueError:
            raise ConfigError(f"{shown} is not "
                              f"{'a whole number' if kind is int else 'a number'}") from None
        if number < 0 and key.startswith("MONITOR_"):
            raise ConfigError(f"{shown} is negative")
        return number
    if isinstance(default, BaseSettings | dict | list) and not key.startswith("MONITOR_"):
        expected = list if isinstance(default, list) else dict  # Scrapy keeps dicts as
        try:                                                    # BaseSettings
            parsed = json.loads(value)
        except ValueError:
            if expected is list:  # Scrapy takes a comma-separated list too
                return value
            raise ConfigError(f"{shown} is not a JSON object") from None
        if not isinstance(parsed, expected):
            raise ConfigError(f"{shown} is not a JSON "
                              f"{'object' if expected is dict else 'list'}")
        return parsed
    return value
