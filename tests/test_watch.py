"""Watchlists (issue 22 item 4): ``[[watch]]`` entries of the sources file, which stories
they watch, the digest's watched sections in every format, and a watch's own channel."""

import json
import threading
import urllib.request
from datetime import date, datetime, timedelta, timezone

import pytest
import time_machine
from lxml import html

from monitor.article.item import Article, Evidence, Flag, Flags, Partner
from monitor.cli.main import main
from monitor.config.loader import load_settings
from monitor.config.sources import (
    Watch,
    WatchedInstitution,
    load_sources,
    load_watches,
)
from monitor.digest.build import build_digest
from monitor.digest.delivery import DeliveryConfig, send_digest
from monitor.digest.render import (
    headline,
    render_bot_markdown,
    render_html,
    render_json,
    render_markdown,
    render_text,
)
from monitor.errors import ConfigError
from monitor.judgement.watch import same_institution, watched_by, watches_of
from monitor.ops.web import create_app
from monitor.storage.migrations import open_storage
from tests.test_delivery import Receiver
from tests.test_web import Server

CST = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=CST)
SOURCE = """
[[source]]
name = "dmu-news"
title = "大连医科大学"
kind = "university"
start_urls = ["https://www.dmu.edu.cn/tzgg/gzdt.htm"]
"""
WATCHES = """
[[watch]]
name = "援疆"
provinces = ["新疆"]
relations = ["对口支援"]

[[watch]]
name = "华西与中山五院"
institutions = ["四川大学华西医院",
                {name = "中山大学附属第五医院", aliases = ["中山五院"]}]
"""


def write(tmp_path, text: str):
    path = tmp_path / "sources.toml"
    path.write_text(text, "utf-8")
    return path


def watch(name="w", institutions=(), provinces=(), relations=()) -> Watch:
    return Watch(name, tuple(i if isinstance(i, WatchedInstitution) else WatchedInstitution(i)
                             for i in institutions), tuple(provinces), tuple(relations))


def pair(a, b, relation) -> dict:
    return {"a": a, "b": b, "relation": relation, "evidence": ""}


# ---------------------------------------------------------------- [[watch]] in sources.toml


def test_watches_are_read_with_their_aliases_provinces_relations_and_channel(tmp_path):
    path = write(tmp_path, SOURCE + WATCHES + """
[[watch]]
name = "援藏"
provinces = ["西藏"]
notify = "json://127.0.0.1:9/a  json://127.0.0.1:9/b"
""")
    aid, pairs, tibet = load_watches(path)
    assert aid == Watch("援疆", (), ("新疆",), ("对口支援",), ())
    assert pairs.institutions == (WatchedInstitution("四川大学华西医院"),
                                  WatchedInstitution("中山大学附属第五医院", ("中山五院",)))
    assert pairs.relations == () and pairs.notify == ()
    assert tibet.notify == ("json://127.0.0.1:9/a", "json://127.0.0.1:9/b")
    assert [s.name for s in load_sources(path)] == ["dmu-news"]  # the sources as before
    # a file without [[watch]] has none
    assert load_watches(write(tmp_path, SOURCE)) == []


def test_every_mistake_in_a_watch_is_one_line(tmp_path):
    path = write(tmp_path, SOURCE + """
[[watch]]
name = "a"
institutions = ["四川大学华西医院", {name = "中山五院", alias = ["x"]}, 3, ""]
provinces = "新疆"
relations = ["援助", "对口支援"]
notify = "nosuchservice://key"
colour = "red"

[[watch]]
name = "a"
provinces = ["西藏"]

[[watch]]
name = "nothing"
relations = ["援外"]
""")
    with pytest.raises(ValueError) as error:
        load_watches(path)
    lines = str(error.value).splitlines()
    assert lines == [
        f"{path}: watch #1 (a): unknown keys ['colour'] (a watch takes institutions, name, "
        "notify, provinces, relations)",
        f"{path}: watch #1 (a): institution '中山五院': unknown keys ['alias'] (it takes name "
        "and aliases)",
        f"{path}: watch #1 (a): an institution is a name or a table "
        "{name = ..., aliases = [...]}, not 3",
        f"{path}: watch #1 (a): an institution's name is empty",
        f"{path}: watch #1 (a): provinces must be a list of strings, not '新疆'",
        f"{path}: watch #1 (a): relations ['援助'] are not among 对口支援, 援外, 合作协议, 医联体, "
        "姊妹医院, 共建",
        f"{path}: watch #1 (a): notify: nosuchservice://… is not a service Apprise knows (see "
        "Apprise's list of services and their URL forms)",
        f"{path}: watch #2 (a): duplicate watch name 'a'",
        f"{path}: watch #3 (nothing): give institutions or provinces (or both): a watch of "
        "neither watches nothing",
    ]
    # the sources file is wrong for every command that reads it
    with pytest.raises(ValueError, match="watch #1"):
        load_sources(path)
    with pytest.raises(ValueError, match="not \\[watch\\]"):
        load_watches(write(tmp_path, SOURCE + '[watch]\nname = "x"\nprovinces = ["新疆"]\n'))


def test_a_wrong_watch_is_exit_2_with_one_plain_line(tmp_path, monkeypatch, capsys):
    path = write(tmp_path, SOURCE + '[[watch]]\nname = "x"\nprovinces = ["新疆"]\nowner = 1\n')
    monkeypatch.setenv("MONITOR_SOURCES", str(path))
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    assert main(["sources"]) == 2
    assert capsys.readouterr().err == (
        f"monitor: error: {path}: watch #1 (x): unknown keys ['owner'] (a watch takes "
        "institutions, name, notify, provinces, relations)\n")
    open_storage(f"sqlite:///{tmp_path / 'monitor.db'}").close()
    assert main(["digest"]) == 2  # never a digest that silently lost its watch
    assert "watch #1 (x)" in capsys.readouterr().err
    path.write_text(SOURCE + WATCHES, "utf-8")
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "2 watch(es)" in out
    assert "华西与中山五院: 四川大学华西医院、中山大学附属第五医院 (中山五院)" in out


# ---------------------------------------------------------------- matching


def test_an_alias_or_a_name_held_in_a_longer_one_names_the_institution():
    five = watch(institutions=[WatchedInstitution("中山大学附属第五医院", ("中山五院",))])
    assert watched_by(five, [pair("中山五院", "珠海市人民医院", "合作协议")])
    assert watched_by(five, [pair("珠海市人民医院", "中山大学附属第五医院（珠海）", "共建")])
    assert not watched_by(five, [pair("中山大学附属第一医院", "珠海市人民医院", "合作协议")])
    huaxi = watch(institutions=["华西医院"])  # four characters: held in the longer name
    assert watched_by(huaxi, [pair("四川大学华西医院", "甘孜州人民医院", "对口支援")])
    short = watch(institutions=["华西"])  # two: equal only
    assert not watched_by(short, [pair("四川大学华西医院", "甘孜州人民医院", "对口支援")])
    assert watched_by(short, [pair("华西", "甘孜州人民医院", "对口支援")])


def test_traditional_characters_spaces_and_punctuation_do_not_matter():
    assert same_institution("四川大學華西醫院", "四川大学华西医院")
    assert same_institution("北京协和医院", "北京 協和·醫院")
    huaxi = watch(institutions=["四川大学华西医院"])
    assert watched_by(huaxi, [pair("四川大學華西醫院", "香港大學深圳醫院", "姊妹医院")])
    assert watched_by(watch(provinces=["新疆"]), [pair("上海市", "新疆喀什地區第二人民醫院",
                                                     "对口支援")])
    assert watched_by(watch(provinces=["西藏"]), [], places=["西藏"])


def test_a_province_in_a_partners_name_or_in_the_places():
    xinjiang = watch(provinces=["新疆"])
    assert watched_by(xinjiang, [pair("浙江大学医学院附属第一医院", "新疆兵团第一师医院",
                                      "对口支援")])
    # the pair names a county, the places say the province
    assert watched_by(xinjiang, [pair("上海市第六人民医院", "喀什地区第二人民医院", "对口支援")],
                      places=["新疆", "喀什"])
    assert watched_by(xinjiang, [], places=["新疆维吾尔自治区"])
    assert watched_by(watch(provinces=["新疆维吾尔自治区"]), [], places=["新疆"])
    assert not watched_by(xinjiang, [pair("上海市第六人民医院", "日喀则市人民医院", "对口支援")],
                          places=["西藏"])


def test_the_relation_filter():
    aid = watch(provinces=["西藏"], relations=["对口支援"])
    signing = [pair("北京协和医院", "西藏自治区人民医院", "合作协议")]
    assert not watched_by(aid, signing, places=["西藏"])
    assert watched_by(watch(provinces=["西藏"]), signing)
    assert watched_by(aid, [*signing, pair("北京协和医院", "林芝市人民医院", "对口支援")],
                      places=["西藏"])
    # without a pair a story has no relation: a watch of relations does not take it
    assert not watched_by(aid, [], institutions=["西藏自治区人民医院"], places=["西藏"])
    # a pair stored before relations were given has none either
    assert not watched_by(aid, [["北京协和医院", "西藏自治区人民医院", "签约"]])
    assert watched_by(watch(provinces=["西藏"]), [["北京协和医院", "西藏自治区人民医院", "签约"]])


def test_institutions_count_only_when_no_copy_has_a_pair():
    huaxi = watch(institutions=["四川大学华西医院"])
    named_only = {"institutions": ["四川大学华西医院", "成都市第二人民医院"], "partners": []}
    assert watches_of([huaxi], [named_only]) == ["w"]
    other_pair = {"partners": [pair("成都市第二人民医院", "定日县人民医院", "对口支援")]}
    assert watches_of([huaxi], [named_only, other_pair]) == []
    # any copy's pair counts
    own_pair = {"partners": [pair("四川大学华西医院", "甘孜州人民医院", "对口支援")]}
    assert watches_of([huaxi, watch("x", provinces=["新疆"])],
                      [named_only, other_pair, own_pair]) == ["w"]


# ---------------------------------------------------------------- the digest

AID = Evidence("医疗队开展对口支援。", ["对口支援"])
SISTER = Evidence("双方签订合作协议。", ["合作协议"])


def add(storage, key, title, hours, aid=False, pairs=(), places=(), institutions=(), **kw):
    return storage.add_article(Article(
        url=f"https://example.org/{key}.htm", url_key=key, source="dmu-news", title=title,
        fetched_at=NOW, published_at=NOW - timedelta(hours=hours), body="正文",
        flags=Flags(medical_aid=Flag(aid, 2.0 if aid else 0.0, [AID] if aid else []),
                    sister_hospital=Flag(not aid, 0.0 if aid else 2.0, [] if aid else [SISTER]),
                    institutions=list(institutions), places=list(places),
                    partners=[Partner(*p) for p in pairs]), **kw))


def fill(storage):
    """Four stories, newest first: a signing in Tibet (watched by none), the 中山五院
    signing, the Kashgar aid (watched by 援疆) and a story whose traditional-character
    copy pairs 華西 (its first copy names no pair)."""
    with time_machine.travel(NOW, tick=False):
        add(storage, "tibet", "北京协和医院与西藏自治区人民医院签约", 1,
            pairs=[("北京协和医院", "西藏自治区人民医院", "合作协议", "")], places=["西藏"])
        add(storage, "five", "中山五院与珠海市人民医院签署合作协议", 2,
            pairs=[("中山五院", "珠海市人民医院", "合作协议", "")])
        add(storage, "kashgar", "上海援疆医生在喀什开展义诊", 3, aid=True,
            pairs=[("上海市第六人民医院", "喀什地区第二人民医院", "对口支援", "")],
            places=["新疆", "喀什"])
        first = add(storage, "huaxi", "两院结为姊妹医院", 4,
                    institutions=["四川大学华西医院"])
        add(storage, "huaxi-tw", "兩院結為姊妹醫院", 4, duplicate_of=first,
            pairs=[("四川大學華西醫院", "香港大學深圳醫院", "姊妹医院", "")])


def test_watched_stories_come_first_under_their_heading_in_every_format(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    fill(storage)
    watches = load_watches(write(tmp_path, SOURCE + WATCHES))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        digest = build_digest(storage, date(2026, 11, 23), checks=[], watches=watches)
        plain = build_digest(storage, date(2026, 11, 23), checks=[])
    storage.close()
    titles = [e.title for e in digest.entries]
    assert titles == ["上海援疆医生在喀什开展义诊", "中山五院与珠海市人民医院签署合作协议",
                      "两院结为姊妹医院", "北京协和医院与西藏自治区人民医院签约"]
    assert [e.watch for e in digest.entries] == [["援疆"], ["华西与中山五院"],
                                                 ["华西与中山五院"], []]
    # without watches: newest first, no headings, as before
    assert [e.title for e in plain.entries] == [titles[3], titles[1], titles[0], titles[2]]
    assert "关注" not in render_text(plain) and "其他报道" not in render_text(plain)

    def order(text: str, *pieces: str) -> None:
        places = [text.index(piece) for piece in pieces]
        assert places == sorted(places), pieces
        for title in titles:
            assert text.count(title) == 1, title  # each story once

    text = render_text(digest)
    order(text, "== 关注：援疆 ==", titles[0], "== 关注：华西与中山五院 ==", titles[1], titles[2],
          "== 其他报道 ==", titles[3])
    markdown = render_markdown(digest)
    order(markdown, "## 关注：援疆", titles[0], "## 关注：华西与中山五院", titles[1], titles[2],
          "## 其他报道", titles[3])
    bot = render_bot_markdown(digest)
    order(bot, "**关注：援疆**", titles[0], "**关注：华西与中山五院**", titles[1], titles[2],
          "**其他报道**", titles[3])
    page = html.fromstring(render_html(digest))
    order(render_html(digest), "关注：援疆", titles[0], "关注：华西与中山五院", titles[1],
          titles[2], "其他报道", titles[3])
    headings = page.xpath('//div[@id="entries"]/h2')
    assert [h.text.strip() for h in headings] == ["关注：援疆", "关注：华西与中山五院", "其他报道"]
    assert [h.get("class") for h in headings] == ["section watch", "section watch", "section"]
    assert [a.xpath("string(.//h3)").strip() for a in page.xpath('//article')] == titles

    payload = json.loads(render_json(digest))
    assert [e["title"] for e in payload["entries"]] == titles
    assert [e["watch"] for e in payload["entries"]] == [e.watch for e in digest.entries]
    assert payload["watches"] == [
        {"name": "援疆", "institutions": [], "provinces": ["新疆"], "relations": ["对口支援"],
         "stories": [digest.entries[0].id]},
        {"name": "华西与中山五院",
         "institutions": [{"name": "四川大学华西医院", "aliases": []},
                          {"name": "中山大学附属第五医院", "aliases": ["中山五院"]}],
         "provinces": [], "relations": [], "stories": [e.id for e in digest.entries[1:3]]}]

    digest.language = "en"
    assert "== Watch: 援疆 ==" in render_text(digest) and "== Other stories ==" in \
        render_text(digest)


def test_the_web_pages_digest_puts_the_watched_stories_first(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    storage = open_storage(url)
    fill(storage)
    storage.close()
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_SOURCES", str(write(tmp_path, SOURCE + WATCHES)))
    monkeypatch.delenv("MONITOR_LANGUAGE", raising=False)
    with Server(create_app(load_settings())) as server:
        with urllib.request.urlopen(f"{server.url}/?date=2026-11-23", timeout=10) as answer:
            page = html.fromstring(answer.read().decode("utf-8"))
    assert [h.text.strip() for h in page.xpath('//div[@id="entries"]/h2')] == [
        "关注：援疆", "关注：华西与中山五院", "其他报道"]
    assert [a.xpath("string(.//h3)").strip() for a in page.xpath('//article')] == [
        "上海援疆医生在喀什开展义诊", "中山五院与珠海市人民医院签署合作协议", "两院结为姊妹医院",
        "北京协和医院与西藏自治区人民医院签约"]


# ---------------------------------------------------------------- a watch's own channel


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_a_watch_with_notify_gets_its_own_message_beside_the_whole_digest(
        tmp_path, receiver, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    storage = open_storage(url)
    fill(storage)
    storage.close()
    port = receiver.server_address[1]
    path = write(tmp_path, SOURCE + WATCHES.replace(
        'relations = ["对口支援"]', f'relations = ["对口支援"]\nnotify = "json://127.0.0.1:{port}/xj"'
    ) + f'\n[[watch]]\nname = "援藏"\nprovinces = ["西藏"]\nrelations = ["对口支援"]\n'
        f'notify = "json://127.0.0.1:{port}/tibet"\n')
    for name, value in {"MONITOR_DATABASE_URL": url, "MONITOR_SOURCES": str(path),
                        "MONITOR_WEBHOOK_JSON": receiver.url("/main"),
                        "MONITOR_DELIVERY_RETRY_DELAY": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("MONITOR_LANGUAGE", raising=False)
    assert main(["digest", "--send", "--date", "2026-11-23"]) == 0
    out = capsys.readouterr().out
    assert f"sent: json webhook {receiver.url('/main')} (1 attempt)" in out
    assert "(watch 援疆) (1 attempt)" in out
    # the main channel got the whole digest; the 援疆 channel its one story; the 援藏
    # watch had none (the Tibet story is a signing): nothing to its channel
    assert sorted(r["path"] for r in receiver.requests) == ["/main", "/xj"]
    whole = next(r for r in receiver.requests if r["path"] == "/main")["json"]
    assert len(whole["digest"]["entries"]) == 4
    assert [w["name"] for w in whole["digest"]["watches"]] == ["援疆", "华西与中山五院", "援藏"]
    assert all("notify" not in w for w in whole["digest"]["watches"])  # no secrets
    own = next(r for r in receiver.requests if r["path"] == "/xj")["json"]
    assert own["title"].startswith("医疗合作新闻简报 · 关注：援疆，")
    assert "上海援疆医生在喀什开展义诊" in own["message"]
    assert "关注：援疆" in own["message"]
    for other in ("中山五院与珠海", "两院结为姊妹医院", "北京协和医院与西藏"):
        assert other not in own["message"]
    (record,) = open_storage(url).digests()
    assert record.status == "sent" and len(record.channels) == 2


def test_a_failing_watch_channel_fails_the_delivery(tmp_path, receiver):
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    fill(storage)
    receiver.script["/xj"] = [(404, {})]
    port = receiver.server_address[1]
    watches = [Watch("援疆", (), ("新疆",), ("对口支援",), (f"json://127.0.0.1:{port}/xj",))]
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        digest = build_digest(storage, checks=[], watches=watches)
    own = digest.for_watch("援疆")
    assert [e.title for e in own.entries] == ["上海援疆医生在喀什开展义诊"]
    assert headline(own) == ("医疗合作新闻简报 · 关注：援疆，2026-11-23 00:00 以来新增：1 条"
                             "（医疗援助 1，医院合作协议 0）")
    report = send_digest(storage, digest, DeliveryConfig(
        webhooks=(("json", receiver.url("/main")),), attempts=1))
    assert [o.ok for o in report.outcomes] == [True, False] and not report.ok
    assert report.outcomes[1].channel.endswith("(watch 援疆)")
    assert storage.digests()[0].status == "failed"  # its stories stay new
    storage.close()


def test_a_cut_bot_message_keeps_no_heading_without_its_stories(tmp_path):
    storage = open_storage(f"sqlite:///{tmp_path / 'monitor.db'}")
    fill(storage)
    watches = load_watches(write(tmp_path, SOURCE + WATCHES))
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        digest = build_digest(storage, date(2026, 11, 23), checks=[], watches=watches)
    storage.close()
    whole = render_bot_markdown(digest, 100_000)
    cut_at = whole.index("**关注：华西与中山五院**")  # room for the first section only
    message = render_bot_markdown(digest, len(whole[:cut_at].encode("utf-8")) + 60)
    assert "上海援疆医生在喀什开展义诊" in message
    assert "华西与中山五院" not in message and "其他报道" not in message
    assert message.endswith("… 另有 3 条（完整简报见邮件或网页）")


def test_a_watchs_channel_is_refused_in_notify_s_words_without_its_secret(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text('[[source]]\nname = "x"\nkind = "generic"\n'
                    'start_urls = ["https://a.example/"]\n'
                    '[[watch]]\nname = "w"\nprovinces = ["新疆"]\n'
                    'notify = "mailto//ops:s3cret@example.org"\n', "utf-8")
    with pytest.raises(ConfigError) as refused:
        load_sources(path)
    assert str(refused.value) == (f"{path}: watch #1 (w): notify: 'mailto//ops…' is not a URL "
                                  "(did you mean mailto://…?)")
