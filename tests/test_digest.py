import json
from datetime import UTC, date, datetime, timedelta, timezone

import time_machine

from monitor.article.item import Article, Evidence, Flag, Flags, Image, Partner
from monitor.digest.build import build_digest, parse_since
from monitor.digest.render import period, render_json, render_markdown, render_text
from monitor.storage.migrations import open_storage

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
AID = Evidence("浙江大学“组团式”医疗援疆见成效。", ["组团式", "援疆", "援疆"])
SISTER = Evidence("双方签订战略合作框架协议。", ["战略合作框架协议"])
TITLES = {"dmu-news": "大连医科大学", "chinanews-scroll": "中国新闻网", "jkzx-farm": "健康资讯网"}


def flags(aid=False, sister=False) -> Flags:
    return Flags(
        medical_aid=Flag(aid, 2.0 if aid else 0.0, [AID] if aid else []),
        sister_hospital=Flag(sister, 2.0 if sister else 0.0, [SISTER] if sister else []),
        institutions=["复旦大学附属中山医院", "大连医科大学附属第一医院"] if sister else [],
        partners=[Partner("大连医科大学附属第一医院", "复旦大学附属中山医院", "合作协议",
                          "两院签订战略合作框架协议")] if sister else [],
    )


def add(storage, key, title, published, aid=False, sister=False, duplicate_of=None, **kw):
    return storage.add_article(Article(
        url=f"https://example.org/{key}.htm", url_key=key, source="dmu-news", title=title,
        fetched_at=NOW, published_at=published, body="正文", flags=flags(aid, sister),
        duplicate_of=duplicate_of, **kw))


def test_digest_groups_the_days_flagged_articles_newest_first(db_url):
    storage = open_storage(db_url)
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
        digest = build_digest(storage, date(2026, 11, 23), checks=[], source_titles=TITLES,
                              language="en")
    assert [e.title for e in digest.entries] == ["两者皆有", "援疆见成效", "签订战略合作框架协议"]
    groups = digest.by_topic()
    assert [e.title for e in groups["medical_aid"]] == ["两者皆有", "援疆见成效"]
    assert [e.title for e in groups["sister_hospital"]] == ["两者皆有", "签订战略合作框架协议"]
    # the copy with the same text joined the first one's story: shown once, under the
    # outlet's own name (the source's title, never its internal name)
    assert digest.entries[1].also_reported_by == []
    assert [e.outlet for e in digest.entries] == ["大连医科大学", "大连医科大学", "大连医科大学"]
    assert digest.per_source() == {"dmu-news": 3}
    story = digest.entries[1].id

    text = render_text(digest)
    assert text.startswith("Medical-cooperation news digest · stories first seen on 2026-11-23")
    assert "3 new: medical aid 2, sister hospital 2" in text
    assert "By outlet: 大连医科大学 3" in text
    # a story in both topics is printed once, with both badges
    assert text.count("两者皆有") == 1
    assert "#3 [medical aid] [sister hospital] 两者皆有 [low-quality copy]" in text
    assert "why: “双方签订战略合作框架协议。” [战略合作框架协议]" in text
    assert "why: “浙江大学‘组团式’医疗援疆见成效。” [组团式, 援疆]" in text  # terms once
    assert "大连医科大学附属第一医院 ↔ 复旦大学附属中山医院 (agreement)" in text
    assert f"#{story} [medical aid] 援疆见成效" in text  # the number `monitor review` takes
    assert "published 2025-05-04, first seen today" in text
    assert "普通新闻" not in text and "same text elsewhere" not in text
    assert "dmu-news" not in text

    payload = json.loads(render_json(digest))
    assert payload["date"] == "2026-11-23"
    assert payload["counts"] == {"topics": {"medical_aid": 2, "sister_hospital": 2},
                                 "outlets": {"大连医科大学": 3}, "sources": {"dmu-news": 3}}
    entry = payload["entries"][1]
    assert set(entry) >= {"title", "url", "outlet", "published_at", "flags", "evidence"}
    assert entry["id"] == story and entry["article_id"] == first and entry["review"] is None
    assert entry["published_at"] == "2025-05-04T14:29:00+08:00"
    assert entry["flags"] == ["medical_aid"]
    assert entry["evidence"][0]["terms"] == ["组团式", "援疆"]
    markdown = render_markdown(digest)
    assert "> 浙江大学“**组团式**”医疗**援疆**见成效。" in markdown  # terms highlighted
    chinese = render_text(build_digest(storage, date(2026, 11, 23), checks=[],
                                       source_titles=TITLES))
    assert chinese.startswith("医疗合作新闻简报 · 2026-11-23 首次发现的报道")
    assert "新增 3 条：医疗援助 2，医院合作协议 2" in chinese
    assert "2025-05-04 发布，今天首次发现" in chinese
    storage.close()


def test_a_news_brief_entry(db_url):
    """Lead, picture, evidence that adds to the title, the outlet's own name and the
    copies' outlets by name."""
    storage = open_storage(db_url)
    title = "浙江大学“组团式”医疗援疆见成效"
    body = ("中新网乌鲁木齐5月4日电 (戚亚平 林国强)\n浙江大学“组团式”医疗援疆见成效\n"
            "记者从第一师医院获悉，目前已有5批次67名援疆专家持续帮扶。各科室诊疗水平逐年提升。")
    evidence = [Evidence(title + "。", ["组团式", "援疆"]),
                Evidence("记者从第一师医院获悉，目前已有5批次67名援疆专家持续帮扶。", ["援疆"]),
                Evidence("各科室诊疗水平逐年提升，离不开对口支援。", ["对口支援"])]
    with time_machine.travel(NOW, tick=False):
        first = storage.add_article(Article(
            url="https://www.chinanews.com.cn/gn/a.shtml", url_key="a",
            source="chinanews-scroll", title=title, fetched_at=NOW, body=body,
            published_at=NOW - timedelta(days=1), images=[Image("javascript:x"),
                                                          Image("https://img.example/a.jpg",
                                                                "援疆专家")],
            flags=Flags(medical_aid=Flag(True, 3.0, evidence),
                        sister_hospital=Flag(False, 0.0))))
        storage.add_article(Article(
            url="http://farm.example/b.html", url_key="b", source="jkzx-farm", title=title,
            fetched_at=NOW, body=body, duplicate_of=first, low_quality=True,
            flags=Flags(medical_aid=Flag(True, 3.0, evidence), sister_hospital=Flag(False, 0))))
        digest = build_digest(storage, date(2026, 11, 23), checks=[], source_titles=TITLES,
                              language="en")
    (entry,) = digest.entries
    assert entry.outlet == "中国新闻网"
    assert entry.also_reported_by == [{"outlet": "健康资讯网", "url": "http://farm.example/b.html"}]
    assert entry.lead == "记者从第一师医院获悉，目前已有5批次67名援疆专家持续帮扶。"
    assert entry.lead_terms == ["援疆"]
    assert entry.image == {"src": "https://img.example/a.jpg", "caption": "援疆专家"}
    # the title's sentence and the lead are not repeated as evidence
    assert [e["sentence"] for e in entry.evidence] == ["各科室诊疗水平逐年提升，离不开对口支援。"]
    assert entry.title_terms == ["组团式", "援疆"]
    assert not entry.aged  # published a day before it was seen: no mark
    text = render_text(digest)
    assert "    中国新闻网 · 2026-11-22 09:00" in text
    assert "also reported by: 健康资讯网" in text
    storage.close()


def test_empty_day_says_so_and_which_sources_ran_or_not(db_url):
    storage = open_storage(db_url)
    with time_machine.travel(NOW - timedelta(days=1), tick=False):
        run = storage.start_run("chinanews-scroll", "chinanews")
        storage.finish_run(run, reason="finished", pages=3, new_articles=2, errors={},
                           stats={})
    with time_machine.travel(NOW, tick=False):
        run = storage.start_run("dmu-news", "university")
        storage.finish_run(run, reason="finished", pages=0, new_articles=0,
                           errors={"dns": 1},
                           stats={"last_error": "the site's name does not resolve"})
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        digest = build_digest(storage, date(2026, 11, 23), checks=[], language="en",
                              expected_sources=["dmu-news", "chinanews-scroll", "new-one"],
                              source_titles={"new-one": "新来源"})
    text = render_text(digest)
    assert "Nothing new was found on 2026-11-23." in text
    assert "Sources run: 1, with errors: 1." in text
    assert "dmu-news: 1 error(s) (1× dns); last error: the site's name does not resolve" in text
    # a source that ran before and not now is a warning; one that never ran, a footnote
    assert "Did not run in this period: chinanews-scroll (last ran 2026-11-22 09:00)." in text
    assert "Never run yet (or no saved pages): 新来源." in text
    assert "monitor review" not in text  # nothing to review
    payload = json.loads(render_json(digest))
    assert payload["entries"] == [] and payload["not_run"] == [
        {"source": "chinanews-scroll", "last_success": "2026-11-22T09:00:00+08:00"},
        {"source": "new-one", "last_success": None}]
    storage.close()


def test_failing_health_checks_are_at_the_top(db_url):
    storage = open_storage(db_url)
    check = {"source": "dmu-news", "check": "new_articles", "ok": False,
             "kind": "new_articles.quiet", "run_id": 3,
             "values": {"last_new": "2026-11-14T02:00:00+00:00", "silent_days": 9.0,
                        "gap_days": 1.0, "allowed_days": 5.0}}
    digest = build_digest(storage, date(2026, 11, 23), checks=[check], language="en",
                          source_titles={"dmu-news": "大连医科大学"})
    lines = render_text(digest).splitlines()
    assert lines[1:3] == [
        "HEALTH: 1 failing check(s)",
        "  ! 大连医科大学 [new_articles]: no new article for 9 day(s) since 2026-11-14 10:00, "
        "longer than the 5 day(s) its rhythm allows (new articles usually every 1 day(s))"]
    (shown,) = json.loads(render_json(digest))["health"]
    assert shown == {**check, "message": lines[2].split("]: ", 1)[1]}
    digest.language = "zh"  # the same check in the default language
    assert render_text(digest).splitlines()[1:3] == [
        "健康检查：1 项未通过",
        "  ! 大连医科大学 [新文章]：自 2026-11-14 10:00 起 9 天没有新文章，"
        "超过其更新规律允许的 5 天（通常每 1 天有新文章）"]
    storage.close()


def test_default_window_is_what_is_new_since_the_last_digest(db_url):
    storage = open_storage(db_url)
    yesterday = NOW - timedelta(days=1)
    with time_machine.travel(yesterday, tick=False):
        add(storage, "old", "昨天的援疆", None, aid=True)
    with time_machine.travel(NOW, tick=False):
        add(storage, "a", "今天的援疆", None, aid=True)
        first = build_digest(storage, checks=[], language="en")
    # the first digest ever: since the start of today (Asia/Shanghai)
    assert first.kind == "new"
    assert first.window_from == datetime(2026, 11, 23, tzinfo=CST)
    assert [e.title for e in first.entries] == ["今天的援疆"]
    assert render_text(first).startswith(
        "Medical-cooperation news digest · new since 2026-11-23 00:00 · Asia/Shanghai")

    # a failed delivery does not move the window
    storage.record_digest(window_from=first.window_from, window_to=first.window_to,
                          story_ids=first.story_ids, status="failed", channels={"mail": "x"})
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        add(storage, "b", "稍后的援疆", None, aid=True)
        again = build_digest(storage, checks=[])
    assert [e.title for e in again.entries] == ["今天的援疆", "稍后的援疆"]

    # once sent, its stories are no longer new; the next window starts where it ended
    storage.record_digest(window_from=again.window_from, window_to=again.window_to,
                          story_ids=again.story_ids, status="sent", channels={"mail": "ok"})
    assert storage.last_digest_end() == again.window_to
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        assert build_digest(storage, checks=[]).entries == []
        add(storage, "c", "傍晚的援疆", None, aid=True)
        later = build_digest(storage, checks=[])
    assert [e.title for e in later.entries] == ["傍晚的援疆"]
    assert later.window_from == again.window_to
    # --date still shows the whole day, sent or not
    with time_machine.travel(NOW + timedelta(hours=5), tick=False):
        day = build_digest(storage, date(2026, 11, 23), checks=[])
    assert len(day.entries) == 3
    storage.close()


def test_a_days_window_ends_now_so_the_next_digest_misses_nothing(db_url):
    storage = open_storage(db_url)
    with time_machine.travel(NOW, tick=False):
        add(storage, "a", "上午的援疆", None, aid=True)
        morning = build_digest(storage, date(2026, 11, 23), checks=[])
    assert morning.window_to == NOW
    storage.record_digest(window_from=morning.window_from, window_to=morning.window_to,
                          story_ids=morning.story_ids, status="sent", channels={})
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        add(storage, "b", "下午的援疆", None, aid=True)
        assert [e.title for e in build_digest(storage, checks=[]).entries] == ["下午的援疆"]
    storage.close()


def test_since_a_moment(db_url):
    storage = open_storage(db_url)
    with time_machine.travel(NOW - timedelta(days=3), tick=False):
        add(storage, "a", "三天前的援疆", None, aid=True)
    with time_machine.travel(NOW - timedelta(hours=30), tick=False):
        add(storage, "b", "昨天的援疆", None, aid=True)
    with time_machine.travel(NOW, tick=False):
        digest = build_digest(storage, since=parse_since("2026-11-21"), checks=[])
    assert [e.title for e in digest.entries] == ["昨天的援疆"]
    assert digest.kind == "since" and period(digest) == "2026-11-21 00:00 以来新增"
    assert parse_since("2026-11-21T08:00+00:00") == datetime(2026, 11, 21, 8, tzinfo=UTC)
    storage.close()
