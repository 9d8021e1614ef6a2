import json
import subprocess
import sys
from pathlib import Path

import pytest

from monitor.cli.main import main
from monitor.cli.parser import build_parser

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"
SEED_000 = SITE / "www.163.com" / "dy-article-KDJ3BQ9B0534A4SC.html"


def subcommands() -> list[str]:
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_every_subcommand_has_help():
    names = subcommands()
    assert {"crawl", "run", "digest", "sources", "extract", "classify", "record",
            "reprocess"} <= set(names)
    for name in names:
        result = subprocess.run([sys.executable, "-m", "monitor.cli.main", name, "--help"],
                                capture_output=True, text=True, cwd=ROOT, timeout=60)
        assert result.returncode == 0, name
        assert f"usage: monitor {name}" in result.stdout


def test_sources_lists_every_source(capsys):
    assert main(["--sources-file", str(ROOT / "sources.toml"), "sources"]) == 0
    out = capsys.readouterr().out
    assert "all valid" in out and "netease-search" in out and "JS" in out


def test_broken_sources_file_is_one_plain_error(tmp_path, capsys):
    bad = tmp_path / "s.toml"
    bad.write_text('[[source]]\nname = "x"\nkind = "blog"\nstart_urls = ["http://a.cn/"]\n')
    assert main(["--sources-file", str(bad), "sources"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("monitor: error: ") and "kind must be one of" in err
    assert "Traceback" not in err


def test_extract_a_saved_folder_and_a_raw_file(tmp_path, capsys):
    assert main(["extract", str(SEED_000)]) == 0
    from_folder = json.loads(capsys.readouterr().out)
    assert from_folder["title"] == "西南医科大学附属医院“牵手”维尔茨堡大学阿莎芬堡医院"
    assert from_folder["published_at"] == "2025-11-11T16:27:00+08:00"
    assert from_folder["outlet"] == "中国日报网" and from_folder["site"] == "netease"
    for key in ("url", "author", "body", "extractor"):
        assert key in from_folder

    raw = tmp_path / "page.html"
    raw.write_bytes((SEED_000 / "body.html").read_bytes())
    url = "https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html"
    assert main(["extract", str(raw), "--url", url,
                 "--content-type", "text/html; charset=utf-8"]) == 0
    from_file = json.loads(capsys.readouterr().out)
    assert from_file["body"] == from_folder["body"]


def test_extract_needs_url_for_a_raw_file(tmp_path, capsys):
    raw = tmp_path / "p.html"
    raw.write_text("<html></html>")
    assert main(["extract", str(raw)]) == 2
    assert "--url is required" in capsys.readouterr().err


@pytest.mark.parametrize("broken", [b"", b"\xff\xfe\x00garbage<<<", b"<html><body><p>" * 5000])
def test_extract_survives_broken_pages(tmp_path, capsys, broken):
    raw = tmp_path / "p.html"
    raw.write_bytes(broken)
    assert main(["extract", str(raw), "--url", "http://example.org/a/1.html"]) == 0
    assert json.loads(capsys.readouterr().out)["url"] == "http://example.org/a/1.html"


def test_classify_reads_and_writes_json_lines():
    lines = "\n".join([
        json.dumps({"id": 1, "title": "我院组团式援藏医疗队出发",
                    "body": "我院第十批援藏医疗队赴西藏日喀则市人民医院开展组团式医疗帮扶。"},
                   ensure_ascii=False),
        json.dumps({"title": "市人民医院开展义诊", "body": "本院在市中心广场开展义诊活动。"},
                   ensure_ascii=False),
        "not json",
    ])
    result = subprocess.run([sys.executable, "-m", "monitor.cli.main", "classify"], input=lines,
                            capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert result.returncode == 2  # the lines before the bad one are answered
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["id"] == 1 and first["medical_aid"] and not first["sister_hospital"]
    assert first["evidence"]["medical_aid"] and first["scores"]["medical_aid"] > 0
    assert not second["medical_aid"] and not second["sister_hospital"]
    assert result.stderr.startswith("monitor: error: standard input line 3 is not a JSON")


def test_digest_on_an_empty_database(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'm.db'}")
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(["digest", "--date", "2026-11-23", "--format", "json"]) == 0
    digest = json.loads(capsys.readouterr().out)
    assert digest["date"] == "2026-11-23" and digest["entries"] == []
