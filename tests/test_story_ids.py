"""One ID per story everywhere: the digest in every format, `monitor stories`, `review`,
`export`, the bots' messages, the Atom feed and the web page name a story by the same
number, which is not an article's."""

import json
import re
from datetime import datetime, timedelta, timezone

import feedparser
import time_machine
from lxml import html
from test_web import Server, fetch

from monitor.article.item import Article, Evidence, Flag, Flags
from monitor.cli.main import main
from monitor.config.loader import load_settings
from monitor.digest.build import build_digest
from monitor.digest.delivery import webhook_payload
from monitor.ops.web import create_app
from monitor.storage.migrations import open_storage

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
BODY = "记者从第一师医院获悉，浙江大学医学院附属医院“组团式”医疗援疆，67名援疆专家持续帮扶。"


def store(storage, key, title, *, aid=False, source="chinanews-scroll", duplicate_of=None):
    flags = Flags(medical_aid=Flag(aid, 3.0 if aid else 0.0,
                                   [Evidence(BODY, ["组团式", "援疆"])] if aid else []),
                  sister_hospital=Flag(False, 0.0))
    return storage.add_article(Article(
        url=f"https://www.chinanews.com.cn/gn/{key}.shtml", url_key=key, source=source,
        title=title, fetched_at=NOW, published_at=NOW - timedelta(hours=3), body=BODY,
        flags=flags, duplicate_of=duplicate_of))


def test_a_story_has_the_same_id_in_every_output(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_PUBLIC_URL", "https://monitor.example.org")
    storage = open_storage(url)
    with time_machine.travel(NOW, tick=False):
        plain = store(storage, "plain", "普通新闻")  # with copies: article and story
        for n in range(3):                          # numbers part ways
            store(storage, f"plain{n}", "普通新闻", duplicate_of=plain)
        first = store(storage, "a", "组团式医疗援疆见成效", aid=True)
        store(storage, "a-copy", "组团式医疗援疆见成效", aid=True, source="jkzx-farm",
              duplicate_of=first)
        (article,) = storage.articles_by_id([first])
        story = article.story_id
    storage.close()
    copy_id = first + 1
    assert story != first and story != copy_id

    def run(*argv) -> str:
        assert main(list(argv)) == 0, capsys.readouterr().err
        return capsys.readouterr().out

    window = ["--date", "2026-11-23"]
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        payload = json.loads(run("digest", *window, "--format", "json"))
        text = run("digest", *window)
        markdown = run("digest", *window, "--format", "md")
        page = html.fromstring(run("digest", *window, "--format", "html"))
        feed = feedparser.parse(run("digest", *window, "--format", "atom"))
        stories = run("stories", "--date", "2026-11-23", "--flagged")
        storage = open_storage(url)
        digest = build_digest(storage, NOW.date(), checks=[])
        storage.close()
    with Server(create_app(load_settings())) as server:
        web = html.fromstring(fetch(f"{server.url}/?date=2026-11-23")[2])
        found = html.fromstring(fetch(f"{server.url}/search?flag=any")[2])
        web_feed = feedparser.parse(fetch(f"{server.url}/feed.atom?x=1")[2])
        story_page = fetch(f"{server.url}/story/{story}")
    seen = {
        "web": web.xpath("//article/@data-story-id"),
        "web search": found.xpath("//li/@data-story-id"),
        "web story page": [str(story)] if story_page[0] == 200 else [],
        "json": [e["id"] for e in payload["entries"]],
        "json story_url": [e["story_url"] for e in payload["entries"]],
        "text": re.findall(r"^#(\d+) ", text, re.MULTILINE),
        "md": re.findall(r"^### \[\\#(\d+)\]", markdown, re.MULTILINE),
        "html": page.xpath("//article/@data-story-id"),
        "html link": page.xpath("//article//a[@class='id']/@href"),
        "atom": [re.match(r"#(\d+) ", e.title)[1] for e in feed.entries],
        "stories": re.findall(r"^#(\d+) ", stories, re.MULTILINE),
        "wecom": re.findall(r"\[#(\d+)\]", webhook_payload(
            "wecom", digest, "https://monitor.example.org")["markdown"]["content"]),
    }
    web_feed_ids = [re.match(r"#(\d+) ", e.title)[1] for e in web_feed.entries]
    assert web_feed_ids in ([str(story)], [])  # the feed's last days, by the real clock
    assert seen == {
        "web": [str(story)], "web search": [str(story)], "web story page": [str(story)],
        "json": [story], "json story_url": [f"https://monitor.example.org/story/{story}"],
        "text": [str(story)], "md": [str(story)], "html": [str(story)],
        "html link": [f"https://monitor.example.org/story/{story}"], "atom": [str(story)],
        "stories": [str(story)], "wecom": [str(story)]}

    # the number copied from any of them records the verdict on that story
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        out = run("review", str(story), "--irrelevant", "--reviewer", "wang")
    assert out.startswith(f"#{story} 组团式医疗援疆见成效（2 个副本）：不相关")
    (row,) = [json.loads(line) for line in run("export", "--reviewed").splitlines()]
    assert row["story_id"] == story and row["id"] == f"story-{story}"
    assert row["verdict"] == "irrelevant"
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        again = json.loads(run("digest", *window, "--format", "json"))
    assert again["entries"][0]["review"]["story_id"] == story
    assert again["reviews"][0]["story_id"] == story


def test_the_daemons_feed_file_and_the_digest_never_read_raw_pages(tmp_path, monkeypatch):
    from monitor.digest.delivery import write_feed

    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_DATA_DIR", str(tmp_path))
    storage = open_storage(url)
    with time_machine.travel(NOW, tick=False):
        first = store(storage, "a", "组团式医疗援疆见成效", aid=True)
    story = storage.articles_by_id([first])[0].story_id
    (view,) = storage.flagged_stories(first_seen_from=NOW - timedelta(days=1),
                                      first_seen_to=NOW + timedelta(days=1))
    assert not hasattr(view.representative, "raw_html")  # chosen in SQL, raw page unread
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        path = write_feed(storage, load_settings())
    storage.close()
    assert path == tmp_path / "feed.atom"
    feed = feedparser.parse(path.read_text("utf-8"))
    assert not feed.bozo and [e.title for e in feed.entries] == [f"#{story} 组团式医疗援疆见成效"]
