"""Crawl throughput settings: MONITOR_CONCURRENCY, MONITOR_CONCURRENCY_PER_DOMAIN and
MONITOR_AUTOTHROTTLE (environment or ``-s``), and any Scrapy setting with ``-s NAME=VALUE``
on ``monitor crawl`` and ``monitor run`` (passed on to the child crawl)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.config.loader import load_settings, parse_setting_options
from monitor.errors import ConfigError
from monitor.ops.child import crawl_command

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "seeds" / "site"
NAMES = ("MONITOR_CONCURRENCY", "MONITOR_CONCURRENCY_PER_DOMAIN", "MONITOR_AUTOTHROTTLE")


@pytest.fixture(autouse=True)
def no_throughput_env(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def _scrapy(settings) -> tuple:
    return (settings.getint("CONCURRENT_REQUESTS"),
            settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"),
            settings.getbool("AUTOTHROTTLE_ENABLED"))


def test_defaults_stay_polite():
    assert _scrapy(load_settings()) == (8, 2, True)


def test_environment_sets_scrapys_concurrency_and_autothrottle(monkeypatch):
    monkeypatch.setenv("MONITOR_CONCURRENCY", "32")
    monkeypatch.setenv("MONITOR_CONCURRENCY_PER_DOMAIN", "8")
    monkeypatch.setenv("MONITOR_AUTOTHROTTLE", "0")
    assert _scrapy(load_settings()) == (32, 8, False)


def test_a_scrapy_setting_given_itself_wins_over_the_monitor_one(monkeypatch):
    monkeypatch.setenv("MONITOR_CONCURRENCY", "32")
    settings = load_settings(CONCURRENT_REQUESTS="4", MONITOR_AUTOTHROTTLE="false")
    assert _scrapy(settings) == (4, 2, False)


@pytest.mark.parametrize("name, value", [("MONITOR_AUTOTHROTTLE", "maybe"),
                                         ("MONITOR_CONCURRENCY_PER_DOMAIN", "many")])
def test_a_wrong_value_is_one_plain_error(name, value):
    with pytest.raises(ConfigError, match=f"{name}='{value}' is not"):
        load_settings(**{name: value})


@pytest.mark.parametrize("name, value, message", [
    ("MONITOR_FEED_DAYS", "a week", "-s MONITOR_FEED_DAYS='a week' is not a number"),
    ("MONITOR_MAX_LINKS_PER_LIST", "2.5", "is not a whole number"),
    ("MONITOR_CONCURENCY", "4", "-s MONITOR_CONCURENCY: no such setting"),
])
def test_a_set_option_that_cannot_be_taken_is_one_plain_error(name, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(**{name: value})


def test_set_options():
    assert parse_setting_options(["A=1", "B = x=y", "C="]) == {"A": "1", "B": " x=y", "C": ""}
    with pytest.raises(ConfigError, match="expected NAME=VALUE"):
        parse_setting_options(["CONCURRENT_REQUESTS"])


def test_run_passes_set_options_to_its_child_crawl():
    argv = crawl_command(["a"], options=["DOWNLOAD_DELAY=0", "MONITOR_CONCURRENCY=4"])
    assert argv[argv.index("crawl"):] == ["crawl", "--source", "a", "-s", "DOWNLOAD_DELAY=0",
                                          "-s", "MONITOR_CONCURRENCY=4"]


def _monitor(tmp_path, *args) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "MONITOR_DATA_DIR": str(tmp_path), "MONITOR_PROGRESS": "0",
           "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    return subprocess.run([sys.executable, "-m", "monitor.cli.main", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def _overridden(tmp_path) -> dict:
    """The settings Scrapy logged as overridden in the crawl's log file."""
    (log,) = (tmp_path / "logs").glob("crawl-*.log")
    found = re.search(r"Overridden settings:\n(\{.*?\})\n", log.read_text(), re.S)
    return ast.literal_eval(found[1])


@pytest.mark.parametrize("command", ["crawl", "run"])
def test_set_options_reach_the_crawl(tmp_path, command):
    done = _monitor(tmp_path, command, "--source", "dmu-news", "--replay", str(SITE),
                    "-s", "MONITOR_CONCURRENCY=3", "-s", "MONITOR_AUTOTHROTTLE=0",
                    "-s", "DOWNLOAD_DELAY=0")
    assert done.returncode == 0, done.stderr
    overridden = _overridden(tmp_path)
    assert overridden["CONCURRENT_REQUESTS"] == 3
    assert float(overridden.get("DOWNLOAD_DELAY", 0)) == 0  # Scrapy logs only non-defaults
    assert overridden.get("AUTOTHROTTLE_ENABLED", False) is False
    assert "new article" in done.stdout


def test_a_malformed_set_option_is_one_plain_line(tmp_path):
    done = _monitor(tmp_path, "crawl", "--replay", str(SITE), "-s", "DOWNLOAD_DELAY")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "monitor: error: -s 'DOWNLOAD_DELAY': expected NAME=VALUE, e.g. -s "
        "CONCURRENT_REQUESTS=16"]
