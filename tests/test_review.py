import json
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine

from bench.flagging import evaluate
from monitor.article.item import Article, Evidence, Flag, Flags
from monitor.cli.main import main
from monitor.digest.build import build_digest
from monitor.digest.render import render_html, render_json, render_text
from monitor.ops.review import ReviewError, flagged_rows, review, reviewed_rows, verdict_topics
from monitor.storage.migrations import open_storage

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
BODY = "浙江大学医学院6家附属医院“组团式”医疗援疆,5批次67名援疆专家持续帮扶第一师医院。"


def add(storage, key, title, *, aid=False, sister=False, duplicate_of=None):
    """Store an article; returns its story's ID (what `monitor review` takes)."""
    evidence = [Evidence("组团式医疗援疆。", ["组团式", "援疆"])] if aid else []
    flags = Flags(medical_aid=Flag(aid, 3.0 if aid else 0.0, evidence),
                  sister_hospital=Flag(sister, 2.0 if sister else 0.0))
    article_id = storage.add_article(Article(
        url=f"https://example.org/{key}.htm", url_key=key, source="dmu-news", title=title,
        fetched_at=NOW, published_at=datetime(2025, 5, 4, 14, 29, tzinfo=CST), body=BODY,
        flags=flags, duplicate_of=duplicate_of and storage_article(storage, duplicate_of)))
    return storage.articles_by_id([article_id])[0].story_id


def storage_article(storage, story_id):
    """The first article of a story (what a copy is a duplicate of)."""
    return storage.story_view(story_id).members[0].id


def test_verdict_topics():
    assert verdict_topics("relevant", [], ["medical_aid"]) == ["medical_aid"]
    assert verdict_topics("relevant", ["sister_hospital"], ["medical_aid"]) == ["sister_hospital"]
    assert verdict_topics("irrelevant", [], ["medical_aid"]) == []
    with pytest.raises(ReviewError, match="goes with a relevant verdict"):
        verdict_topics("irrelevant", ["medical_aid"], [])
    with pytest.raises(ReviewError, match="has no flag: name its topic"):
        verdict_topics("relevant", [], [])
    with pytest.raises(ReviewError, match="unknown topic 'aid'"):
        verdict_topics("relevant", ["aid"], [])
    with pytest.raises(ReviewError, match="verdict must be one of"):
        verdict_topics("maybe", [], [])


def test_a_verdict_holds_for_the_story_and_shows_in_digests(db_url):
    storage = open_storage(db_url)
    with time_machine.travel(NOW, tick=False):
        original = add(storage, "a", "组团式医疗援疆见成效", aid=True)
        repost = add(storage, "b", "组团式医疗援疆见成效 (repost)", aid=True,
                     duplicate_of=original)
        other = add(storage, "c", "某医院义诊", aid=True)
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        verdict, story = review(storage, repost, "relevant", reviewer="wang",
                                note="组团式援疆")
        review(storage, other, "relevant", reviewer="li")
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        review(storage, other, "irrelevant", reviewer="li", note="本地义诊")  # changed mind
        digest = build_digest(storage, date(2026, 11, 23), checks=[], language="en")
    assert repost == original  # one story, one ID
    assert verdict.topics == ["medical_aid"] and len(story.members) == 2
    verdicts = {e.title: (e.review.verdict, e.review.reviewer) for e in digest.entries}
    assert verdicts == {"组团式医疗援疆见成效": ("relevant", "wang"),
                        "某医院义诊": ("irrelevant", "li")}
    text = render_text(digest)
    assert "组团式医疗援疆见成效 [reviewed: relevant (medical aid) by wang]" in text
    assert "Reviewed in this period: 3" in text
    assert f"#{other} 某医院义诊: irrelevant by li — 本地义诊" in text
    assert 'class="badge review irrelevant">reviewed: irrelevant by li' in render_html(digest)
    assert [r.id for r in storage.story_reviews(other)] and \
        [r.verdict for r in storage.story_reviews(other)] == ["relevant", "irrelevant"]
    entry = next(e for e in json.loads(render_json(digest))["entries"] if e["id"] == other)
    assert entry["review"]["verdict"] == "irrelevant" and entry["review"]["note"] == "本地义诊"
    with pytest.raises(ReviewError, match="there is no story #999"):
        review(storage, 999, "relevant")
    storage.close()


def test_export_gives_labelled_rows_the_flagging_benchmark_reads(db_url):
    storage = open_storage(db_url)
    with time_machine.travel(NOW, tick=False):
        good = add(storage, "a", "组团式医疗援疆见成效", aid=True)
        bad = add(storage, "b", "某医院义诊", aid=True)
        add(storage, "c", "未审核的援疆", aid=True)
        missed = add(storage, "d", "两院签约结为姊妹医院")  # not flagged; reviewer found it
        review(storage, good, "relevant", reviewer="wang")
        review(storage, bad, "irrelevant", reviewer="li", note="本地义诊")
        review(storage, missed, "relevant", topics=["sister_hospital"], reviewer="li")
    rows = {r["title"]: r for r in reviewed_rows(storage)}
    assert set(rows) == {"组团式医疗援疆见成效", "某医院义诊", "两院签约结为姊妹医院"}
    row = rows["某医院义诊"]
    assert row["label_medical_aid"] is False and row["label_sister_hospital"] is False
    assert row["flagged"] == ["medical_aid"] and row["verdict"] == "irrelevant"
    assert row["why"] == "reviewed irrelevant by li: 本地义诊"
    assert row["body"] == BODY and row["published"] == "2025-05-04"
    assert row["id"] == f"story-{bad}" and row["story_id"] == bad
    assert row["scores"]["medical_aid"] == 3.0
    assert rows["两院签约结为姊妹医院"]["label_sister_hospital"] is True
    assert rows["组团式医疗援疆见成效"]["label_medical_aid"] is True
    reports = evaluate(list(rows.values()))  # what `python -m bench.flagging FILE` does
    assert reports["clear"].rows == 3

    everything = {r["title"]: r for r in flagged_rows(storage)}
    assert set(everything) == {"组团式医疗援疆见成效", "某医院义诊", "未审核的援疆"}
    assert everything["未审核的援疆"]["verdict"] is None
    assert everything["未审核的援疆"]["label_medical_aid"] is True  # its flags, unreviewed
    assert everything["某医院义诊"]["label_medical_aid"] is False
    storage.close()


def test_review_and_export_commands(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    storage = open_storage(url)
    first = add(storage, "a", "组团式医疗援疆见成效", aid=True)
    add(storage, "b", "转载", aid=True, duplicate_of=first)
    storage.close()
    assert main(["review", str(first), "--relevant", "--reviewer", "wang", "--note", "好"]) == 0
    assert capsys.readouterr().out.strip() == (  # Chinese by default
        f"#{first} 组团式医疗援疆见成效（2 个副本）：相关（医疗援助），审核人 wang")
    monkeypatch.setenv("MONITOR_LANGUAGE", "en")
    assert main(["review", str(first), "--relevant", "--reviewer", "wang", "--note", "好"]) == 0
    assert capsys.readouterr().out.strip() == (
        f"#{first} 组团式医疗援疆见成效 (2 copies): relevant (medical aid), by wang")
    monkeypatch.delenv("MONITOR_LANGUAGE")
    assert main(["review", "42", "--irrelevant"]) == 2
    assert "there is no story #42" in capsys.readouterr().err
    assert main(["review", str(first), "--irrelevant", "--topic", "medical_aid"]) == 2
    capsys.readouterr()
    out = tmp_path / "reviewed.jsonl"
    assert main(["export", "--reviewed", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"1 row(s) written to {out}"
    (row,) = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert row["verdict"] == "relevant" and row["reviewer"] == "wang" and row["why"].endswith("好")
    assert main(["export"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1  # the repost is a duplicate


def test_review_takes_the_id_as_every_output_prints_it(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    storage = open_storage(url)
    first = add(storage, "a", "组团式医疗援疆见成效", aid=True)
    second = add(storage, "b", "签订战略合作协议", sister=True)
    storage.close()
    assert main(["review", f"#{first}", "--relevant", "--reviewer", "wang"]) == 0
    assert main(["review", f" # {second} ", "--irrelevant", "--reviewer", "wang"]) == 0
    capsys.readouterr()
    storage = open_storage(url)
    assert [r.verdict for r in storage.story_reviews(first)] == ["relevant"]
    assert [r.verdict for r in storage.story_reviews(second)] == ["irrelevant"]
    storage.close()
    for wrong in ("#", "##4", "#x", "4a", "-4", "#0", "４"):
        assert main(["review", wrong, "--relevant"]) == 2, wrong
        assert capsys.readouterr().err == (
            f"monitor: error: argument ID: {wrong!r} is not a story ID (the #number of a "
            "digest entry, e.g. 4 or '#4') (see `monitor review --help`)\n"), wrong
