from pathlib import Path

import pytest

from monitor.config.loader import load_settings
from monitor.config.sources import check_schedule, get_source, load_sources
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, "utf-8")
    return path


def test_shipped_sources_file_is_valid_and_covers_every_kind():
    sources = load_sources(ROOT / "sources.toml")
    assert len(sources) >= 10
    assert {s.kind for s in sources} == {"netease", "chinanews", "university", "generic"}
    assert any(s.javascript for s in sources)


def test_defaults_apply_and_domains_come_from_start_urls(tmp_path):
    path = write(tmp_path, """
[defaults]
schedule = "every 6h"
[[source]]
name = "a"
kind = "university"
start_urls = ["https://www.dmu.edu.cn/tzgg/gzdt.htm", "https://news.dmu.edu.cn/x.htm"]
""")
    (source,) = load_sources(path)
    assert source.schedule == "every 6h"
    assert source.domains == ("news.dmu.edu.cn", "www.dmu.edu.cn")
    assert source.max_list_pages == 5 and source.enabled and not source.javascript


def test_every_problem_is_reported_with_its_source(tmp_path):
    path = write(tmp_path, """
[[source]]
name = "Bad Name"
kind = "blog"
start_urls = ["ftp://x"]
schedule = "sometimes"
colour = "red"
[[source]]
name = "ok"
kind = "generic"
start_urls = ["https://example.org/news/"]
[[source]]
name = "ok"
kind = "generic"
start_urls = ["https://example.org/news/"]
""")
    with pytest.raises(ConfigError) as error:
        load_sources(path)
    message = str(error.value)
    for expected in ("name must be", "kind must be one of", "not an http(s) URL",
                     "schedule 'sometimes'", "unknown keys ['colour']", "duplicate name 'ok'"):
        assert expected in message


def test_missing_and_broken_files_give_plain_messages(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_sources(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_sources(write(tmp_path, "[[source]\nname="))


def test_env_var_names_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, '[[source]]\nname = "x"\nkind = "generic"\nstart_urls = ["http://a.cn/"]\n')
    monkeypatch.setenv("MONITOR_SOURCES", str(path))
    settings = load_settings()
    assert [s.name for s in load_sources(settings.get("MONITOR_SOURCES"))] == ["x"]


@pytest.mark.parametrize("schedule", ["0 7 * * *", "*/30 * * * 1-5", "every 6h", "every 45m"])
def test_valid_schedules(schedule):
    assert check_schedule(schedule) is None


def test_unknown_source_name_lists_known_ones():
    sources = load_sources(ROOT / "sources.toml")
    with pytest.raises(ConfigError, match="known: netease-health"):
        get_source(sources, "nope")


def test_every_kind_of_source_is_read_by_families_that_exist():
    from monitor.config.kinds import KINDS
    from monitor.extraction.registry import KIND_FAMILIES, family_named

    assert set(KIND_FAMILIES) == set(KINDS)
    for names in KIND_FAMILIES.values():
        assert [family_named(name).name for name in names] == list(names)


def test_an_unknown_selector_is_a_mistake_in_one_line(tmp_path, capsys):
    from monitor.cli.main import main

    path = write(tmp_path, '[[source]]\nname = "x"\nkind = "university"\n'
                 'start_urls = ["https://www.example.edu.cn/xxyw.htm"]\n'
                 '[source.selectors]\nboddy = "div.v_news_content"\nlist_links = "ul a"\n')
    with pytest.raises(ConfigError, match=r"selectors: no selector 'boddy' \(the selectors "
                       r"are title, date, body, outlet, author, noise, list_links, next_page\)"):
        load_sources(path)
    assert main(["--sources-file", str(path), "sources"]) == 2
    err = capsys.readouterr().err
    assert "no selector 'boddy'" in err and "Traceback" not in err
