"""Operator mistakes at the command line: each answers with one plain line on stderr and
exit 2, and changes nothing (no file, no database row, no new database)."""

import hashlib
import io
import sys
from pathlib import Path

import pytest

from monitor.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SOURCE = """
[[source]]
name = "example"
kind = "generic"
start_urls = ["http://news.example.cn/list.htm"]
"""


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> Path:
    """A monitor database with its schema (made once, copied for each case)."""
    import os

    path = tmp_path_factory.mktemp("db") / "m.db"
    previous = os.environ.get("MONITOR_DATABASE_URL")
    os.environ["MONITOR_DATABASE_URL"] = f"sqlite:///{path}"
    try:
        assert main(["db", "upgrade"]) == 0
    finally:
        if previous is None:
            del os.environ["MONITOR_DATABASE_URL"]
        else:
            os.environ["MONITOR_DATABASE_URL"] = previous
    return path


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with a hash of its bytes (SQLite's transient -wal/-shm
    files apart)."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            if p.is_file() else "dir"
            for p in sorted(folder.rglob("*")) if not p.name.endswith(("-wal", "-shm"))}


# (case id, argv, environment, sources.toml text, standard input)
CASES = [
    ("stories-bad-date", ["stories", "--date", "2026-13-01"], {}, SOURCE, ""),
    ("digest-date-word", ["digest", "--date", "yesterday"], {}, SOURCE, ""),
    ("digest-since-word", ["digest", "--since", "last week"], {}, SOURCE, ""),
    ("digest-out-missing-folder", ["digest", "--out", "{tmp}/nowhere/d.txt"], {}, SOURCE, ""),
    ("export-out-missing-folder", ["export", "--out", "{tmp}/nowhere/e.jsonl"], {}, SOURCE,
     ""),
    ("run-out-missing-folder", ["run", "--out", "{tmp}/nowhere/d.txt"], {}, SOURCE, ""),
    ("database-url-not-a-url", ["digest"], {"MONITOR_DATABASE_URL": "notaurl"}, SOURCE, ""),
    ("database-url-unknown-backend", ["run"], {"MONITOR_DATABASE_URL": "oracle2://x/y"},
     SOURCE, ""),
    ("digest-no-database", ["digest"], {"MONITOR_DATABASE_URL": "sqlite:///{tmp}/none.db"},
     SOURCE, ""),
    ("stories-no-database", ["stories"], {"MONITOR_DATABASE_URL": "sqlite:///{tmp}/none.db"},
     SOURCE, ""),
    ("health-no-database", ["health"], {"MONITOR_DATABASE_URL": "sqlite:///{tmp}/none.db"},
     SOURCE, ""),
    ("export-no-database", ["export"], {"MONITOR_DATABASE_URL": "sqlite:///{tmp}/none.db"},
     SOURCE, ""),
    ("extract-folder-without-page", ["extract", "{tmp}/empty"], {}, SOURCE, ""),
    ("extract-missing-file", ["extract", "{tmp}/nothing.html", "--url", "http://a.cn/"], {},
     SOURCE, ""),
    ("record-not-a-url", ["record", "not-a-url", "--to", "{tmp}/saved"], {}, SOURCE, ""),
    ("enabled-as-string", ["sources"], {}, SOURCE + 'enabled = "false"\n', ""),
    ("enabled-as-string-run", ["run"], {}, SOURCE + 'enabled = "false"\n', ""),
    ("pages-as-string", ["sources"], {}, SOURCE + 'max_list_pages = "5"\n', ""),
    ("schedule-every-0m", ["sources"], {}, SOURCE + 'schedule = "every 0m"\n', ""),
    ("run-unknown-source", ["run", "--source", "nosuch"], {}, SOURCE, ""),
    ("classify-not-json", ["classify"], {}, SOURCE, "this is not json\n"),
    ("send-without-channel", ["digest", "--send"], {}, SOURCE, ""),
    ("run-send-without-channel", ["run", "--send"], {}, SOURCE, ""),
    ("data-dir-is-a-file", ["run"], {"MONITOR_DATA_DIR": "{tmp}/afile"}, SOURCE, ""),
    ("data-dir-is-a-file-crawl", ["crawl"], {"MONITOR_DATA_DIR": "{tmp}/afile"}, SOURCE, ""),
    ("setting-not-a-number", ["run"], {"MONITOR_CRAWL_TIME_LIMIT": "half an hour"}, SOURCE,
     ""),
    ("unknown-command", ["digets"], {}, SOURCE, ""),
    ("unknown-choice", ["health", "--format", "xml"], {}, SOURCE, ""),
    ("review-not-a-number", ["review", "twelve", "--relevant"], {}, SOURCE, ""),
    ("review-no-database", ["review", "1", "--relevant"],
     {"MONITOR_DATABASE_URL": "sqlite:///{tmp}/none.db"}, SOURCE, ""),
    ("reprocess-no-database", ["reprocess"], {"MONITOR_DATABASE_URL": "sqlite:///{tmp}/none.db"},
     SOURCE, ""),
    ("downgrade-unknown-revision", ["db", "downgrade", "nosuchrevision"], {}, SOURCE, ""),
    ("sources-not-utf8", ["sources"], {}, b'[[source]]\nname = "\xe9t\xe9"\n', ""),
    ("replay-folder-missing", ["run", "--replay", "{tmp}/nosite"], {}, SOURCE, ""),
    ("set-option-misspelt", ["crawl", "-s", "MONITOR_CONCURENCY=4"], {}, SOURCE, ""),
    ("set-option-not-a-number", ["run", "-s", "MONITOR_FEED_DAYS=week"], {}, SOURCE, ""),
    ("set-option-negative", ["crawl", "-s", "MONITOR_EXTRACT_PROCESSES=-1"], {}, SOURCE, ""),
    ("setting-negative", ["run"], {"MONITOR_CONCURRENCY": "-4"}, SOURCE, ""),
    ("redis-ttl-not-a-number", ["health"], {"MONITOR_REDIS_SEEN_TTL": "abc"}, SOURCE, ""),
    ("unknown-selector", ["sources"], {}, SOURCE + '[source.selectors]\nboddy = "div"\n', ""),
    # a Scrapy setting of the wrong type (against Scrapy's own default), refused before any
    # crawl starts: no run recorded, no log written (the snapshot), one line
    *[(f"scrapy-setting-{value.split('=')[0].lower()}",
       ["run", "--all", "--replay", str(ROOT / "seeds" / "site"), "-s", value], {},
       (ROOT / "sources.toml").read_text("utf-8"), "")
      for value in ("CONCURRENT_REQUESTS=abc", "DOWNLOAD_TIMEOUT=30s", "LOG_LEVEL=VERBOSE",
                    "DOWNLOAD_DELAY=half", "RETRY_ENABLED=maybe",
                    "DOWNLOAD_HANDLERS=not json")],
    ("scrapy-setting-crawl", ["crawl", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2.5"],
     {}, SOURCE, ""),
]


@pytest.mark.parametrize(("argv", "env", "sources", "stdin"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_a_mistake_is_one_plain_line_exit_2_and_changes_nothing(
        argv, env, sources, stdin, tmp_path, database, monkeypatch, capsys):
    work = tmp_path / "work"
    work.mkdir()
    (work / "m.db").write_bytes(database.read_bytes())
    (work / "empty").mkdir()
    (work / "afile").write_text("not a folder")
    (work / "sources.toml").write_bytes(sources if isinstance(sources, bytes)
                                        else sources.encode())
    for name in [n for n in list(__import__("os").environ) if n.startswith("MONITOR_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(work / "data"))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{work / 'm.db'}")
    monkeypatch.setenv("MONITOR_SOURCES", str(work / "sources.toml"))
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=work))
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    before = snapshot(work)

    code = main([arg.format(tmp=work) for arg in argv])

    err = capsys.readouterr().err
    assert code == 2, err
    assert len(err.splitlines()) == 1 and err.startswith("monitor: error: "), err
    assert "Traceback" not in err
    assert snapshot(work) == before  # nothing written, no database created
