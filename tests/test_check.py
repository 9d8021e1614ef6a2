"""``monitor check SOURCE|URL``: links with listed dates, fields with their rules, exit codes."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.article.item import Article
from monitor.cli.main import main
from monitor.config.sources import get_source, load_sources
from monitor.ops.check import Fetcher, check, describe

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "seeds" / "site"
SOURCES = str(ROOT / "sources.toml")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--sources-file", SOURCES, "check", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_source_prints_its_links_with_listed_dates_and_each_field_with_its_rule(capsys):
    code, out, _ = run(capsys, "chinanews-scroll", "--replay", str(SITE), "--articles", "1")
    assert code == 0
    assert "4 article link(s) (chinanews rules)" in out
    assert "https://www.chinanews.com.cn/sh/2025/05-09/10413002.shtml  [5-9 15:12 = " \
        "2025-05-09 15:12]" in out
    assert "title: 张家界与乐山缔结友好城市 携手深化文旅交流合作  (site:chinanews:2022+)" in out
    assert "published_at: 2025-05-09T15:12:00+08:00" in out
    assert "WARNING" not in out


def test_a_list_url_works_without_a_source(capsys):
    code, out, _ = run(capsys, "https://www.chinanews.com.cn/scroll-news/news1.html",
                       "--replay", str(SITE), "--articles", "1")
    assert code == 0 and "site rules: chinanews" in out


def test_no_article_link_is_exit_1(capsys):
    code, out, _ = run(capsys, "https://www.example.org/nothing.html", "--replay", str(SITE))
    assert code == 1
    assert "FAILED: no saved page for https://www.example.org/nothing.html" in out
    assert "FAILED: no article link found" in out


def test_a_typo_is_one_plain_line_and_exit_2(capsys):
    code, out, err = run(capsys, "chinanews-scrol", "--replay", str(SITE))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no source named 'chinanews-scrol'" in err


def test_fields_from_the_generic_fallback_are_warned():
    article = Article(url="https://www.163.com/news/article/ABCDEFGHIJ123456.html", source="s",
                      fetched_at=datetime(2025, 1, 1, tzinfo=UTC), raw_html=b"")
    article.title, article.body, article.site = "标题", "正文。" * 30, "netease"
    article.field_origins = {"title": "meta:og:title", "body": "generic:trafilatura"}
    lines = describe(article, specific=True)
    assert any(line.startswith("title: 标题  (meta:og:title)  WARNING") for line in lines)
    assert any(line.startswith("body: ") and "WARNING" in line for line in lines)
    assert "published_at: MISSING" in lines


def test_json_is_the_contract_for_scripts(capsys):
    code, out, _ = run(capsys, "chinanews-scroll", "--replay", str(SITE), "--articles", "1",
                       "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert set(result) >= {"links", "next_pages", "articles", "warnings"}
    assert {"url": "https://www.chinanews.com.cn/sh/2025/05-09/10413002.shtml",
            "listed_at": "2025-05-09T15:12:00+08:00"}.items() <= next(
        link for link in result["links"] if link["url"].endswith("10413002.shtml")).items()
    assert all(set(link) >= {"url", "title", "listed_at"} for link in result["links"])
    assert result["next_pages"][0] == "https://www.chinanews.com.cn/scroll-news/news2.html"
    [article] = result["articles"]
    assert article["title"] == "张家界与乐山缔结友好城市 携手深化文旅交流合作"
    assert article["published_at"] == "2025-05-09T15:12:00+08:00"
    assert article["rules"]["title"] == "site:chinanews:2022+" and set(article["rules"]) == {
        "title", "published_at", "outlet", "author", "body"}
    assert result["warnings"] == []


def test_json_with_no_article_lists_the_links_only(capsys):
    code, out, _ = run(capsys, "dmu-news", "--replay", str(SITE), "--articles", "0",
                       "--format", "json")
    result = json.loads(out)
    assert code == 0 and result["articles"] == [] and len(result["links"]) == 15
    assert all(link["listed_at"] for link in result["links"])


def test_a_javascript_list_is_rendered_or_said_plainly(capsys):
    source = get_source(load_sources(SOURCES), "netease-search")
    lines: list[str] = []
    code = check(source, Fetcher(str(SITE)), articles=0, out=lines.append)  # no browser
    assert code == 0 and not any("FAILED" in line for line in lines)
    assert any("built by JavaScript" in line and "Chromium" in line for line in lines)
    if not shutil.which("chromium"):
        pytest.skip("no chromium: the list cannot be rendered here")
    code, out, _ = run(capsys, "netease-search", "--replay", str(SITE), "--articles", "0")
    assert code == 0 and "FAILED" not in out
    assert "2 article link(s) (netease rules, rendered in Chromium)" in out
    assert "https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html" in out
