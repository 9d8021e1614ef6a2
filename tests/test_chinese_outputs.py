"""Every output a reviewer reads, with failing health checks of every kind, is Chinese by
default: no word of labels.py's English table in the text, Markdown, HTML, JSON messages,
Atom feed, group-bot message, or the web page's pages (digest, story, search, sources, error
pages) (and English with MONITOR_LANGUAGE=en)."""

import itertools
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
import time_machine

from monitor.article.item import Article, Evidence, Flag, Flags
from monitor.config.loader import load_settings
from monitor.digest.build import build_digest
from monitor.digest.labels import LABELS
from monitor.digest.render import (
    render_atom,
    render_bot_markdown,
    render_html,
    render_json,
    render_markdown,
    render_text,
)
from monitor.ops.health import History, Thresholds, evaluate
from monitor.ops.locks import Holder
from monitor.ops.rhythm import Rule
from monitor.ops.web import create_app
from monitor.storage.migrations import open_storage
from monitor.storage.models import CrawlRun
from tests.test_web import Server, fetch

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai
DAY = date(2026, 11, 23)
LIMITS = Thresholds(max_error_rate=0.5, coverage_drop=0.3, coverage_articles=5,
                    time_limit=1800, quiet=Rule())
TITLES = {"gone": "中断的来源", "slow": "超时的来源", "busy": "运行中的来源",
          "broken": "出错的来源", "changed": "改版的来源", "late": "停摆的来源",
          "quiet": "沉默的来源",
          "missed": "漏跑的来源", "never": "从未运行的来源"}


def _words(text: str) -> set[str]:
    without_fields = re.sub(r"\{[^}]*\}", " ", text)
    return {w.lower() for w in re.findall(r"[A-Za-z][A-Za-z']+", without_fields)}


# the English label words that the Chinese table does not use itself (it shares a few:
# `monitor review ID --relevant`, HTTP, cron, SIGTERM)
ENGLISH = set().union(*map(_words, LABELS["en"].values())) - set().union(
    *map(_words, LABELS["zh"].values()))


def english_words(text: str) -> set[str]:
    """The English label words in ``text``, leaving out URLs and schedules (data: the
    sources file's ``every 2h``)."""
    text = re.sub(r"https?://\S+|every \d+[mhd]", " ", text)
    return _words(text) & ENGLISH


class Text(HTMLParser):
    """The text a reader sees in an HTML page (not its tags, classes or style)."""

    def __init__(self):
        super().__init__()
        self.parts, self.hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("style", "script")
        self.parts += [value for name, value in attrs if name in ("title", "alt") and value]

    def handle_endtag(self, tag):
        self.hidden -= tag in ("style", "script")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible(page: str) -> str:
    parser = Text()
    parser.feed(page)
    return " ".join(parser.parts)


def feed_text(feed: str) -> str:
    root = ET.fromstring(feed)
    return " ".join(visible(node.text) if node.get("type") == "html" else node.text
                    for node in root.iter() if node.text and node.text.strip())


RUN_IDS = itertools.count(1)


def run(source, hours_ago, *, minutes=2, reason="finished", pages=10, new=3, errors=None,
        date_share=1.0, body_share=1.0) -> CrawlRun:
    started = NOW - timedelta(hours=hours_ago)
    return CrawlRun(id=next(RUN_IDS), source=source, spider="generic", started_at=started,
                    finished_at=None if reason is None else started + timedelta(minutes=minutes),
                    finish_reason=reason, pages=pages, new_articles=new, errors=errors or {},
                    stats={"coverage": {"date": date_share, "body": body_share}} if new else {})


def failing_checks_of_every_kind() -> list[dict]:
    """Each way a check fails, from the checks themselves."""
    histories = {
        "gone": ([run("gone", 1, reason=None), run("gone", 3)], None),
        "slow": ([run("slow", 1, minutes=45, reason="killed: time limit")], None),
        "busy": ([run("busy", 2, reason=None), run("busy", 4)],
                 Holder(pid=4321, since=NOW - timedelta(hours=2))),
        "broken": ([run("broken", 0, errors={"http_404": 5, "timeout": 2, "dns": 1,
                                              "connection": 1, "tls": 1, "too_large": 1})],
                   None),
        "changed": ([run("changed", 0, date_share=0, body_share=0),
                     run("changed", 2, date_share=0, body_share=0)]
                    + [run("changed", 2 * i + 4) for i in range(6)], None),
        "late": ([run("late", 10)], None),
        "quiet": ([run("quiet", 2 * i, new=0) for i in range(4)]
                  + [run("quiet", 24 * (8 + day)) for day in range(10)], None),
    }
    failing = []
    for name, (runs, holder) in histories.items():
        history = History(name, runs, LIMITS, NOW, schedule="every 2h", running=holder)
        failing += [c.as_dict() for c in evaluate(history) if not c.ok]
    kinds = {c["kind"] for c in failing}
    assert kinds == {"finished.interrupted", "finished.ended", "time_limit.running",
                     "time_limit.over", "error_rate.high", "coverage.drop", "on_time.late",
                     "new_articles.quiet"}, kinds
    return failing


def store_window(storage) -> None:
    """A flagged story and runs of the day (one with errors), a source that ran before."""
    with time_machine.travel(NOW - timedelta(days=2), tick=False):
        run_id = storage.start_run("missed", "generic")
        storage.finish_run(run_id, reason="finished", pages=3, new_articles=1, errors={},
                           stats={})
    with time_machine.travel(NOW, tick=False):
        run_id = storage.start_run("broken", "generic")
        storage.finish_run(run_id, reason="finished", pages=10, new_articles=0,
                           errors={"http_404": 5, "timeout": 2, "dns": 1},
                           stats={"last_error": "the site answered HTTP 404 for https://b/"})
        storage.add_article(Article(
            url="https://www.example.cn/news/1.html", url_key="one", source="quiet",
            title="第一师医院组团式医疗援疆见成效", fetched_at=NOW, published_at=NOW,
            body="援疆专家持续帮扶第一师医院。双方签订战略合作框架协议。", outlet="示例日报",
            flags=Flags(medical_aid=Flag(True, 3.0, [Evidence("援疆专家持续帮扶第一师医院。",
                                                               ["援疆", "帮扶"])]),
                        sister_hospital=Flag(False, 0.0, []))))


@pytest.fixture
def storage(tmp_path):
    store = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    store_window(store)
    yield store
    store.close()


def digest_in(storage, language):
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        return build_digest(storage, DAY, checks=failing_checks_of_every_kind(),
                            language=language, source_titles=TITLES,
                            expected_sources=["broken", "missed", "never"])


def outputs(digest) -> dict[str, str]:
    health = json.loads(render_json(digest))["health"]
    return {
        "text": render_text(digest, "https://monitor.example/"),
        "md": render_markdown(digest, "https://monitor.example/"),
        "html": visible(render_html(digest, "https://monitor.example/")),
        "json": " ".join(c["message"] for c in health),
        "atom": feed_text(render_atom(digest, "https://monitor.example/feed.atom",
                                      "https://monitor.example/")),
        "bot": render_bot_markdown(digest, public_url="https://monitor.example/"),
    }


def test_the_english_words_are_taken_from_the_english_table():
    assert {"failing", "check", "error", "errors", "last", "run", "new", "articles",
            "source", "limit", "interrupted"} <= ENGLISH
    assert "http" not in ENGLISH and "monitor" not in ENGLISH  # the Chinese say them too


def test_every_output_with_failing_checks_is_chinese_by_default(storage):
    digest = digest_in(storage, None)
    assert digest.language == "zh"
    shown = outputs(digest)
    assert len(digest.health) == 9 and digest.entries and digest.missed and digest.never_ran
    for name, text in shown.items():
        assert english_words(text) == set(), (name, english_words(text), text)
    # every check is there, under the source's title, with its numbers
    for name in ("gone", "slow", "busy", "broken", "changed", "late", "quiet"):
        title = TITLES[name]
        assert title in shown["text"] and title in shown["html"] and title in shown["md"]
    assert "HTTP 404 5 次" in shown["text"] and "进程 4321" in shown["html"]
    assert "上次运行用时 45 分钟，超过 30 分钟的限制（超时被终止）" in shown["md"]
    assert "  ! 出错的来源：8 个错误（域名无法解析 1 次、HTTP 404 5 次、超时 2 次）" \
        in shown["text"]
    assert "漏跑的来源（上次运行 2026-11-21 12:00）" in shown["text"]
    assert "broken" not in shown["text"] and "missed" not in shown["text"]


def test_the_same_outputs_in_english_say_it_in_english(storage):
    shown = outputs(digest_in(storage, "en"))
    assert "HEALTH: 9 failing check(s)" in shown["text"]
    assert "the last run had 11 error(s) for 10 page(s)" in shown["json"]
    assert "8 error(s) (1× dns, 5× http 404, 2× timeout); last error: the site answered" \
        in shown["text"]
    for text in shown.values():
        assert not re.search("健康检查|项未通过|个错误|上次运行|没有新文章|超时被终止", text)


@pytest.fixture
def web_settings(tmp_path, monkeypatch):
    """A database for the web page: runs of four failing kinds going on now, a crawl that
    could not start, and the flagged story and runs of ``store_window``."""
    url = f"sqlite:///{tmp_path / 'web.db'}"
    sources = tmp_path / "sources.toml"
    sources.write_text("".join(
        f'[[source]]\nname = "{name}"\ntitle = "{TITLES[name]}"\nkind = "generic"\n'
        f'start_urls = ["https://{name}.example/"]\nschedule = "every 1h"\n'
        for name in ("gone", "slow", "broken", "late", "nostart")), "utf-8")
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_SOURCES", str(sources))
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MONITOR_LANGUAGE", raising=False)
    storage = open_storage(url)
    for name, reason, minutes, errors, hours_ago in [
            ("gone", None, 0, {}, 0.5), ("slow", "killed: time limit", 45, {}, 1),
            ("broken", "finished", 1, {"http_500": 9, "dns": 1}, 0.5),
            ("late", "finished", 1, {}, 10),
            ("nostart", "could not start", 0, {"start": 1}, 0.5)]:
        started = datetime.now(UTC) - timedelta(hours=hours_ago)
        run_id = storage.start_run(name, "generic", started_at=started)
        if reason:
            storage.finish_run(run_id, reason=reason, pages=5, new_articles=0, errors=errors,
                               stats={}, finished_at=started + timedelta(minutes=minutes))
    store_window(storage)
    storage.close()
    return load_settings()


TITLES["nostart"] = "无法启动的来源"


def test_the_web_pages_sources_health_is_chinese(web_settings):
    with Server(create_app(web_settings)) as server:
        status, _, page = fetch(f"{server.url}/sources")
    assert status == 200
    text = visible(page)
    assert english_words(text) == set(), (english_words(text), text)
    assert text.count("异常") >= 5 and "超时被终止" in text and "HTTP 500 9 次" in text
    assert "结束于：无法启动（见爬取日志）" in text


def test_every_page_of_the_web_page_is_chinese_with_failing_checks(web_settings):
    storage = open_storage(web_settings.get("MONITOR_DATABASE_URL"))
    try:
        (article,) = storage.articles()
    finally:
        storage.close()
    story = article.story_id
    pages = {"/": 200, f"/?date={DAY}": 200, f"/story/{story}": 200, "/search": 200,
             "/search?q=援疆": 200, "/search?q=没有这样的报道": 200,
             "/story/999999": 404, "/没有": 404, "/search?from=yesterday": 400}
    shown = {}
    with Server(create_app(web_settings)) as server:
        for path, expected in pages.items():
            status, _, page = fetch(f"{server.url}{quote(path, safe='/?=&')}")
            assert status == expected, (path, status)
            shown[path] = visible(page)
    for path, text in shown.items():
        assert english_words(text) == set(), (path, english_words(text), text)
    # the failing checks are on the digest pages, the story and its evidence on its page
    for path in ("/", f"/?date={DAY}"):
        assert "出错的来源" in shown[path] and "超时被终止" in shown[path], shown[path]
    assert "第一师医院组团式医疗援疆见成效" in shown[f"/?date={DAY}"]
    assert "医疗援助：援疆专家持续帮扶第一师医院。" in "".join(shown[f"/story/{story}"].split())
    assert "第一师医院组团式医疗援疆见成效" in shown["/search?q=援疆"]
