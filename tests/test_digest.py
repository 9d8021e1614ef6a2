import json
from datetime import date, datetime, timedelta, timezone

import time_machine

from monitor.digest import build_digest, render_json, render_markdown, render_text
from monitor.items import Article, Evidence, Flag, Flags
from monitor.storage import Storage

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
AID = Evidence("浙江大学“组团式”医疗援疆见成效。", ["组团式", "援疆"])
SISTER = Evidence("双方签订战略合作框架协议。", ["战略合作框架协议"])


def flags(aid=False, sister=False) -> Flags:
    return Flags(
        medical_aid=Flag(aid, 2.0 if aid else 0.0, [AID] if aid else []),
        sister_hospital=Flag(sister, 2.0 if sister else 0.0, [SISTER] if sister else []),
        institutions=["复旦大学附属中山医院", "大连医科大学附属第一医院"] if sister else [],
        partners=[("大连医科大学附属第一医院", "复旦大学附属中山医院", "签订战略合作框架协议")]
        if sister else [],
    )


def add(storage, key, title, published, aid=False, sister=False, duplicate_of=None, **kw):
    return storage.add_article(Article(
        url=f"https://example.org/{key}.htm", url_key=key, source="dmu-news", title=title,
        fetched_at=NOW, published_at=published, body="正文", flags=flags(aid, sister),
        duplicate_of=duplicate_of, **kw))


def test_digest_groups_the_days_flagged_articles_newest_first(db_url):
    storage = Storage(db_url)
    with time_machine.travel(NOW, tick=False):
        first = add(storage, "a", "援疆见成效", datetime(2025, 5, 4, 14, 29, tzinfo=CST), aid=True)
        add(storage, "b", "签订战略合作框架协议", datetime(2024, 5, 13, tzinfo=CST), sister=True,
            outlet="大连医科大学")
        add(storage, "c", "两者皆有", datetime(2025, 12, 18, 19, 33, tzinfo=CST), aid=True,
            sister=True, low_quality=True)
        add(storage, "d", "普通新闻", None)
        add(storage, "e", "援疆见成效 (same text elsewhere)", None, aid=True, duplicate_of=first)
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        add(storage, "f", "明天的援疆", None, aid=True)
    digest = build_digest(storage, date(2026, 11, 23))
    assert [e.title for e in digest.entries] == ["两者皆有", "援疆见成效", "签订战略合作框架协议"]
    groups = digest.by_topic()
    assert [e.title for e in groups["medical_aid"]] == ["两者皆有", "援疆见成效"]
    assert [e.title for e in groups["sister_hospital"]] == ["两者皆有", "签订战略合作框架协议"]
    # the copy with the same text joined the first one's story
    assert digest.entries[1].also_reported_by == [
        {"outlet": "dmu-news", "url": "https://example.org/e.htm"}]

    text = render_text(digest)
    assert "3 new flagged article(s): medical aid 2, sister hospital 2" in text
    assert "[low quality source]" in text
    assert "why: “双方签订战略合作框架协议。” [战略合作框架协议]" in text
    assert "大连医科大学附属第一医院 ↔ 复旦大学附属中山医院: 签订战略合作框架协议" in text
    assert "普通新闻" not in text and "same text elsewhere" not in text

    payload = json.loads(render_json(digest))
    assert payload["date"] == "2026-11-23"
    entry = payload["entries"][1]
    assert set(entry) >= {"title", "url", "outlet", "published_at", "flags", "evidence"}
    assert entry["published_at"] == "2025-05-04T14:29:00+08:00"
    assert entry["flags"] == ["medical_aid"]
    assert entry["evidence"][0]["terms"] == ["组团式", "援疆"]
    assert "**\\[" not in render_markdown(digest)
    storage.close()


def test_empty_day_says_so_and_lists_source_runs(db_url):
    storage = Storage(db_url)
    with time_machine.travel(NOW, tick=False):
        run = storage.start_run("dmu-news", "university")
        storage.finish_run(run, reason="finished", pages=0, new_articles=0,
                           errors={"dns": 1},
                           stats={"last_error": "the site's name does not resolve"})
    digest = build_digest(storage, date(2026, 11, 23))
    text = render_text(digest)
    assert "Nothing new was flagged on this day." in text
    assert "Sources run: 1, with errors: 1." in text
    assert "dmu-news: 1 error(s); last: the site's name does not resolve" in text
    assert json.loads(render_json(digest))["entries"] == []
    storage.close()
