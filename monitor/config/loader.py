"""The project's settings as Scrapy ``Settings``: ``monitor.settings`` with ``MONITOR_*``
environment variables read (and checked) when asked for, then ``-s NAME=VALUE`` overrides.

Apart from ``monitor.ops.crawl`` so that commands that do not crawl (digest, review, serve…)
load their settings without importing Scrapy's crawler.
"""

from __future__ import annotations

import os

from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from monitor.config.sources import ConfigError

# Scrapy settings that follow a monitor setting unless they are given themselves, e.g.
# `monitor crawl -s CONCURRENT_REQUESTS=32` wins over MONITOR_CONCURRENCY
FOLLOWING = {
    "CONCURRENT_REQUESTS": ("MONITOR_CONCURRENCY", "getint"),
    "CONCURRENT_REQUESTS_PER_DOMAIN": ("MONITOR_CONCURRENCY_PER_DOMAIN", "getint"),
    "AUTOTHROTTLE_ENABLED": ("MONITOR_AUTOTHROTTLE", "getbool"),
}


def project_settings(**overrides) -> Settings:
    """The project's settings; ``MONITOR_*`` environment variables are read now (not only
    when the settings module was first imported), then ``overrides`` win (Scrapy settings
    too: ``-s NAME=VALUE``)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "monitor.settings")
    try:
        settings = get_project_settings()
    except ValueError as exc:  # a MONITOR_* variable that does not parse
        raise ConfigError(f"wrong setting in the environment: {exc}") from None
    for key in list(settings.attributes):
        if key.startswith("MONITOR_") and key in os.environ:
            _check(settings, key, os.environ[key], "wrong setting in the environment: ")
            settings.set(key, os.environ[key], priority="cmdline")
    for key, value in overrides.items():
        if value is None:
            continue
        if key.startswith("MONITOR_"):
            if key not in settings.attributes:
                raise ConfigError(f"-s {key}: no such setting (the MONITOR_* settings are "
                                  "listed in the README's Configuration section)")
            _check(settings, key, value, "-s ")
        settings.set(key, value, priority="cmdline")
    for key, (monitor_key, getter) in FOLLOWING.items():
        if settings.getpriority(monitor_key) > (settings.getpriority(key) or 0):
            try:
                value = getattr(settings, getter)(monitor_key)
            except ValueError:
                kind = "a whole number" if getter == "getint" else "1 or 0 (true or false)"
                raise ConfigError(f"{monitor_key}={settings.get(monitor_key)!r} is not "
                                  f"{kind}") from None
            settings.set(key, value, priority=settings.getpriority(monitor_key))
    return settings


def _check(settings: Settings, key: str, value: object, where: str) -> None:
    """``ConfigError`` when ``value`` is text that a numeric setting cannot take: not a
    number of its kind, or below zero (no monitor count, duration or share is negative)."""
    default = settings.get(key)
    if not isinstance(value, str) or isinstance(default, bool) \
            or not isinstance(default, int | float):
        return
    try:
        number = type(default)(value)
    except ValueError:
        raise ConfigError(
            f"{where}{key}={value!r} is not "
            f"{'a whole number' if isinstance(default, int) else 'a number'}") from None
    if number < 0:
        raise ConfigError(f"{where}{key}={value!r} is negative")


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
