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
from monitor.storage.database import Storage

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


@pytest.mark.parametrize("name, value, expected", [
    ("DOWNLOAD_DELAY", "0.5", 0.5),  # Scrapy's default is 0 but it reads a fraction
    ("DOWNLOAD_TIMEOUT", "2.5", 2.5),
    ("MONITOR_DOWNLOAD_TIMEOUT", "7.5", 7.5),
    ("CONCURRENT_REQUESTS", " 4 ", 4),
    ("LOG_LEVEL", "debug", "DEBUG"),
    ("ITEM_PIPELINES", '{"pipelines.store.StorePipeline": 500}',
     {"pipelines.store.StorePipeline": 500}),
])
def test_a_scrapy_setting_takes_what_scrapy_reads(name, value, expected):
    settings = load_settings(**{name: value})
    got = settings[name]
    assert (got.copy_to_dict() if hasattr(got, "copy_to_dict") else got) == expected
    if name == "MONITOR_DOWNLOAD_TIMEOUT":
        assert settings.getfloat("DOWNLOAD_TIMEOUT") == 7.5


@pytest.mark.parametrize("name, value, message", [
    ("CONCURRENT_REQUESTS", "abc", "-s CONCURRENT_REQUESTS='abc' is not a whole number"),
    ("CONCURRENT_REQUESTS", "2.5", "is not a whole number"),
    ("DOWNLOAD_TIMEOUT", "30s", "-s DOWNLOAD_TIMEOUT='30s' is not a number"),
    ("LOG_LEVEL", "VERBOSE", "-s LOG_LEVEL='VERBOSE' is not one of critical, error"),
    ("DOWNLOAD_HANDLERS", "not json", "-s DOWNLOAD_HANDLERS='not json' is not a JSON object"),
    ("ITEM_PIPELINES", "[1, 2]", "is not a JSON object"),
])
def test_a_scrapy_setting_of_the_wrong_type_is_one_plain_error(name, value, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(**{name: value})


def _runs(tmp_path) -> list[tuple[str, str, dict]]:
    storage = Storage(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        return [(r.source, r.finish_reason, r.errors) for r in storage.runs()]
    finally:
        storage.close()


@pytest.mark.parametrize("setting", [
    'ITEM_PIPELINES={"no.such.Pipeline": 300}',  # passes the type check, cannot import
    "TWISTED_REACTOR=no.such.Reactor",  # no reactor: no source can start
])
def test_a_crawl_that_cannot_start_is_a_failed_source_with_a_run_record(tmp_path, setting):
    done = _monitor(tmp_path, "run", "--source", "dmu-news", "--source", "chinanews-scroll",
                    "--replay", str(SITE), "-s", setting)
    assert done.returncode == 1, done.stdout + done.stderr
    failed = sorted(line for line in done.stderr.splitlines() if line.startswith("FAILED"))
    assert failed == [
        f"FAILED {name}: the crawl could not start: ModuleNotFoundError: No module named 'no'"
        for name in ("chinanews-scroll", "dmu-news")], done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert "Unhandled error" not in done.stdout + done.stderr
    assert "0 source(s) failed" not in done.stdout
    assert sorted(_runs(tmp_path)) == [("chinanews-scroll", "could not start", {"start": 1}),
                                       ("dmu-news", "could not start", {"start": 1})]
    (log,) = (tmp_path / "logs").glob("crawl-*.log")
    assert "No module named 'no'" in log.read_text()  # the traceback is in the crawl log
    health = _monitor(tmp_path, "health")
    assert health.returncode == 1
    assert "无法启动" in health.stdout


def test_a_crawl_that_cannot_start_fails_monitor_crawl_too(tmp_path):
    done = _monitor(tmp_path, "crawl", "--source", "dmu-news", "--replay", str(SITE),
                    "-s", 'EXTENSIONS={"no.such.Extension": 1}')
    assert done.returncode == 1
    assert "Done: 0 new article(s) stored; 1 source(s) failed." in done.stdout
    assert done.stderr.strip() == ("FAILED dmu-news: the crawl could not start: "
                                   "ModuleNotFoundError: No module named 'no'")
