"""Institutions that stay the same across articles (issue 22): names normalised, kinds and
places from the name, aliases learned from the short forms a text resolves, partnerships
filled on the store path and by `monitor reprocess`, a reviewer's merge and split (kept by
later learning), and `monitor partners` / `monitor institutions` in every format. The texts
are written for these tests."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from monitor.article.item import Article
from monitor.cli.main import main
from monitor.config.sources import load_sources
from monitor.judgement.dedup import dedup_keys
from monitor.judgement.flags import classify
from monitor.judgement.institutions import kind_of, normalise, place_of
from monitor.ops.reprocess import reprocess
from monitor.page.fetched import Page
from monitor.page.saved import load_page
from monitor.processing import flag_article, process_page
from monitor.storage.institutions import InstitutionError
from monitor.storage.migrations import open_storage

ROOT = Path(__file__).resolve().parent.parent
SEED_002 = ROOT / "seeds" / "site" / "www.dmu.edu.cn" / "info-1142-23456.htm"
GRAPHML = "{http://graphml.graphdrawing.org/xmlns}"

# only the short form: 中山五院 signs with 珠海市人民医院
SHORT_ONLY = ("中山五院与珠海市人民医院签署合作协议",
              "5月2日，中山五院与珠海市人民医院签署合作协议，双方将共建专科。")
# the full name with its declared short form, and 华西医院 after 四川大学华西医院
DECLARED = ("中山大学附属第五医院与四川大学华西医院签署战略合作协议",
            "6月1日，中山大学附属第五医院（以下简称“中山五院”）与四川大学华西医院签署战略合作"
            "协议。华西医院院长表示，双方将在学科建设方面深化合作。")
# traditional characters: the same institution as 四川大学华西医院
TRADITIONAL = ("四川大學華西醫院派出醫療隊支援西藏日喀則市定日縣",
               "近日，四川大學華西醫院選派醫療隊赴西藏日喀則市定日縣人民醫院開展對口支援。"
               "醫療隊將在當地工作一年。")


def article(n: int, text: tuple[str, str], day: int) -> Article:
    title, body = text
    return flag_article(dedup_keys(Article(
        url=f"https://news.example.org/{n}.html", source="s", title=title, body=body,
        fetched_at=datetime(2025, 5, day, tzinfo=UTC), raw_html=b"<p></p>",
        published_at=datetime(2025, 5, day, 2, tzinfo=UTC))))


def names(storage) -> dict[str, set[str]]:
    """Each institution's canonical name with the names it goes by."""
    return {row.institution.name: {a.name for a in storage.institution_aliases(
        row.institution.id)} for row in storage.list_institutions()}


# ---------------------------------------------------------------- pure


def test_names_are_normalised_and_give_a_kind_and_a_place():
    assert normalise("四川大學 華西醫院") == normalise("四川大学华西医院") == "四川大学华西医院"
    assert normalise("“一带一路”眼健康联盟") == "一带一路眼健康联盟"
    assert [kind_of(n) for n in ("成都市第二人民医院", "中山五院", "北京大学", "大连医科大学",
                                 "山东省卫计委", "巴中市人民政府", "尼日尔", "广西",
                                 "“一带一路”眼健康联盟", "中国医学科学院肿瘤研究所")] == [
        "hospital", "hospital", "university", "university", "health_authority",
        "government", "government", "government", "other", "other"]
    assert place_of("成都市第二人民医院") == "成都市"
    assert place_of("四川大學華西醫院") == "四川"
    assert place_of("西藏日喀则市定日县") == "西藏日喀则市定日县"
    assert place_of("中山大学附属第五医院") is None


def test_the_partners_give_the_short_forms_they_resolved():
    flags = classify(*DECLARED)
    assert [(p.a, p.b) for p in flags.partners] == [("中山大学附属第五医院", "四川大学华西医院")]
    assert flags.aliases == {"中山五院": "中山大学附属第五医院", "华西医院": "四川大学华西医院"}
    # in the text's own script
    traditional = classify("四川大學華西醫院與中山大學附屬第五醫院簽署合作協議",
                           "四川大學華西醫院與中山大學附屬第五醫院簽署合作協議。華西醫院表示，"
                           "中山五院將加強合作。")
    assert traditional.aliases == {"華西醫院": "四川大學華西醫院",
                                   "中山五院": "中山大學附屬第五醫院"}
    # a partial name many institutions end with is not learned; 我院 never is
    partial = classify("大连医科大学附属第一医院与复旦大学附属中山医院签订战略合作协议",
                       "大连医科大学附属第一医院与复旦大学附属中山医院签订战略合作协议。附属第一医院"
                       "院长表示，我院将与中山医院深化合作。")
    assert "附属第一医院" not in partial.aliases and "我院" not in partial.aliases
    assert classify("学校召开工作会议", "会议正文。").aliases == {}


# ---------------------------------------------------------------- storage


def test_stored_articles_fill_institutions_and_partnerships(db_url):
    storage = open_storage(db_url)
    # the short form first: an institution of its own, until a text resolves it
    first = storage.add_article(article(1, SHORT_ONLY, 2))
    assert names(storage)["中山五院"] == {"中山五院"}
    storage.add_article(article(2, DECLARED, 3))
    storage.add_article(article(3, TRADITIONAL, 4))
    assert names(storage) == {
        "中山大学附属第五医院": {"中山大学附属第五医院", "中山五院"},
        # 四川大學華西醫院 is the same name once normalised: no alias of its own
        "四川大学华西医院": {"四川大学华西医院", "华西医院"},
        "珠海市人民医院": {"珠海市人民医院"},
        "西藏日喀則市定日縣人民醫院": {"西藏日喀則市定日縣人民醫院"},
    }
    counts = {r.institution.name: (r.partnerships, r.partners, r.stories)
              for r in storage.list_institutions()}
    assert counts["四川大学华西医院"] == (2, 2, 2)
    assert counts["中山大学附属第五医院"] == (2, 2, 2)
    huaxi = storage.find_institution("华西医院")
    assert storage.find_institution("四川大學華西醫院").id == huaxi.id
    assert (huaxi.kind, huaxi.place) == ("hospital", "四川")
    rows = storage.partnership_rows(institution_id=huaxi.id)
    assert [(r.a, r.b, r.relation) for r in rows] == [  # newest first
        ("四川大学华西医院", "西藏日喀則市定日縣人民醫院", "对口支援"),
        ("中山大学附属第五医院", "四川大学华西医院", "合作协议")]
    assert rows[0].a_written == "四川大學華西醫院" and rows[0].evidence.startswith("近日")
    assert rows[0].story_id == storage.articles_by_id([rows[0].article_id])[0].story_id
    (old,) = storage.partnership_rows(relation="合作协议",
                                      since=datetime(2025, 5, 1, tzinfo=UTC))[-1:]
    assert (old.article_id, old.a_written) == (first, "中山五院")
    assert storage.partnership_rows(since=datetime(2025, 5, 4, tzinfo=UTC))[0].relation == \
        "对口支援"
    storage.close()


def test_a_reviewer_merges_and_splits_and_learning_keeps_it(db_url):
    storage = open_storage(db_url)
    storage.add_article(article(1, SHORT_ONLY, 2))
    storage.add_article(article(2, DECLARED, 3))
    zhuhai = storage.find_institution("珠海市人民医院")
    huaxi = storage.find_institution("华西医院")

    into = storage.merge_institutions("珠海市人民医院", f"#{huaxi.id}")
    assert into.id == huaxi.id and storage.institution(zhuhai.id) is None
    assert "珠海市人民医院" in names(storage)["四川大学华西医院"]
    # 中山五院's two stories are now both with the merged institution: one partner
    counts = {r.institution.name: (r.partners, r.stories) for r in storage.list_institutions()}
    assert counts["中山大学附属第五医院"] == (1, 2)
    with pytest.raises(InstitutionError):
        storage.merge_institutions("华西医院", "四川大学华西医院")  # one already
    with pytest.raises(InstitutionError):
        storage.merge_institutions("没有这家医院", "华西医院")

    # the short form split off takes the partnerships whose article wrote it
    short = storage.split_alias("中山五院")
    assert short.name == "中山五院" and short.kind == "hospital"
    rows = storage.partnership_rows(institution_id=short.id)
    assert [r.a_written for r in rows] == ["中山五院"]
    with pytest.raises(InstitutionError):
        storage.split_alias("中山五院")  # its own already
    # a later text resolving 中山五院 again does not undo the split
    storage.add_article(article(3, (DECLARED[0], DECLARED[1] + "中山五院将派出专家。"), 5))
    assert storage.find_institution("中山五院").id == short.id
    # splitting the merged name brings its pair back
    back = storage.split_alias("珠海市人民医院")
    assert [r.b for r in storage.partnership_rows(institution_id=back.id)] == ["珠海市人民医院"]
    storage.close()


def test_reprocess_fills_the_partnerships_of_stored_articles(db_url):
    storage = open_storage(db_url)
    stored = process_page(Page.from_saved(load_page(SEED_002)), source="dmu-news",
                          kind="university")
    dedup_keys(stored)
    stored.flags = replace(stored.flags, partners=[], aliases={})  # as before partnerships
    storage.add_article(stored)
    assert storage.partnership_rows() == []

    report = reprocess(storage, {s.name: s for s in load_sources(ROOT / "sources.toml")})
    assert report.partners >= 1
    rows = storage.partnership_rows()
    assert len(rows) == report.partners
    assert {r.relation for r in rows} <= {"合作协议", "共建", "姊妹医院", "医联体"}
    reprocess(storage, {s.name: s for s in load_sources(ROOT / "sources.toml")})
    assert len(storage.partnership_rows()) == len(rows)  # replaced, not added again
    storage.close()


# ---------------------------------------------------------------- the commands


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.delenv("MONITOR_LANGUAGE", raising=False)
    storage = open_storage(url)
    for n, text, day in ((1, SHORT_ONLY, 2), (2, DECLARED, 3), (3, TRADITIONAL, 4)):
        storage.add_article(article(n, text, day))
    storage.close()
    return url


def run(capsys, *args) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_monitor_partners_in_every_format(database, capsys):
    code, text, _ = run(capsys, "partners")
    assert code == 0
    assert text.splitlines()[0] == "3 对合作关系，涉及 4 家机构"
    assert "四川大学华西医院 → 西藏日喀則市定日縣人民醫院（对口支援）" in text
    assert "中山大学附属第五医院 ↔ 珠海市人民医院（合作协议）" in text
    assert "1 篇报道 · 2025-05-04 · #3" in text

    code, out, _ = run(capsys, "partners", "--format", "json", "--institution", "华西医院")
    data = json.loads(out)
    assert {n["name"] for n in data["institutions"]} == {
        "四川大学华西医院", "西藏日喀則市定日縣人民醫院", "中山大学附属第五医院"}
    aid = next(e for e in data["partnerships"] if e["relation"] == "对口支援")
    assert (aid["a"], aid["directed"], aid["count"], aid["first"], aid["stories"]) == (
        "四川大学华西医院", True, 1, "2025-05-04", [3])

    code, out, _ = run(capsys, "partners", "--format", "csv", "--relation", "合作协议")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sorted((r["a"], r["b"]) for r in rows) == [
        ("中山大学附属第五医院", "四川大学华西医院"), ("中山大学附属第五医院", "珠海市人民医院")]
    assert {r["a_kind"] for r in rows} == {"hospital"} and rows[0]["directed"] == "false"
    assert next(r for r in rows if r["b"] == "珠海市人民医院")["evidence"] == \
        "中山五院与珠海市人民医院签署合作协议"

    code, out, _ = run(capsys, "partners", "--format", "graphml", "--since", "2025-05-03")
    tree = etree.fromstring(out.encode("utf-8"))
    keys = {k.get("id"): (k.get("for"), k.get("attr.name")) for k in tree.iter(f"{GRAPHML}key")}
    assert keys["relation"] == ("edge", "relation") and keys["kind"] == ("node", "kind")
    nodes = {n.get("id"): {d.get("key"): d.text for d in n} for n in tree.iter(f"{GRAPHML}node")}
    assert {n["label"] for n in nodes.values()} == {
        "四川大学华西医院", "西藏日喀則市定日縣人民醫院", "中山大学附属第五医院"}
    assert any(n.get("place") == "四川" and n["kind"] == "hospital" for n in nodes.values())
    edges = [{**e.attrib, **{d.get("key"): d.text for d in e}}
             for e in tree.iter(f"{GRAPHML}edge")]
    assert len(edges) == 2 and all(e["source"] in nodes and e["target"] in nodes
                                   for e in edges)
    assert {(e["relation"], e["directed"], e["weight"]) for e in edges} == {
        ("对口支援", "true", "1.0"), ("合作协议", "false", "1.0")}

    out_file = Path(database.removeprefix("sqlite:///")).with_name("graph.graphml")
    assert run(capsys, "partners", "--format", "graphml", "--out", str(out_file))[0] == 0
    assert etree.parse(str(out_file)).getroot().tag == f"{GRAPHML}graphml"


def test_monitor_institutions_lists_merges_and_splits(database, capsys):
    code, out, _ = run(capsys, "institutions", "--search", "华西")
    assert code == 0
    (line,) = out.splitlines()
    assert line.startswith("#") and "四川大学华西医院" in line and "华西医院" in line
    assert "医院 · 四川 · 合作 2 次，伙伴 2 家，报道 2 篇" in line
    code, out, _ = run(capsys, "institutions", "--kind", "government")
    assert out.strip() == "没有机构。"

    code, out, _ = run(capsys, "institutions", "merge", "珠海市人民医院", "华西医院")
    assert code == 0 and "珠海市人民医院 已并入" in out
    code, out, _ = run(capsys, "institutions", "--search", "珠海")
    assert "四川大学华西医院" in out and "伙伴 2 家，报道 3 篇" in out
    code, out, _ = run(capsys, "institutions", "split", "珠海市人民医院")
    assert code == 0 and "已拆分为独立机构" in out
    code, out, _ = run(capsys, "institutions", "--search", "珠海")
    assert out.startswith("#") and "珠海市人民医院 · 医院 · 珠海市" in out

    # mistakes: one plain line, exit 2
    for args in (("institutions", "merge", "珠海市人民医院"), ("institutions", "split", "无名"),
                 ("partners", "--institution", "无名医院"), ("partners", "--relation", "x"),
                 ("partners", "--since", "yesterday")):
        code, out, err = run(capsys, *args)
        assert code == 2 and len(err.strip().splitlines()) == 1, args
        assert "Traceback" not in err
