import re
from datetime import date, datetime, timedelta, timezone

import feedparser
from lxml import etree, html

from monitor.digest.build import Digest, DigestEntry, SourceRunSummary, Verdict
from monitor.digest.render import (
    entry_id,
    headline,
    render_atom,
    render_bot_markdown,
    render_html,
    render_markdown,
    render_text,
    segments,
)

CST = timezone(timedelta(hours=8))
ATOM = "{http://www.w3.org/2005/Atom}"
CJK = "\u4e00-\u9fff"
EVIL = '<script>window.pwned = 1</script>援疆 & "quotes"'


def entry(number=1, title="浙江大学“组团式”医疗援疆见成效", **kw) -> DigestEntry:
    values = dict(
        id=number, article_id=number + 100, title=title,
        url=f"https://www.chinanews.com.cn/gn/2025/05-04/{number}.shtml",
        first_url=f"https://www.chinanews.com.cn/gn/2025/05-04/{number}.shtml",
        outlet="中国新闻网", source="chinanews-scroll",
        published_at=datetime(2025, 5, 4, 14, 29, tzinfo=CST),
        first_seen_at=datetime(2026, 11, 23, 8, 0, tzinfo=CST),
        flags=["medical_aid"],
        evidence=[{"flags": ["medical_aid"], "terms": ["组团式", "援疆"],
                   "sentence": "“组团式”医疗援疆工作开展以来,援疆专家持续帮扶。"}],
        institutions=["浙江大学医学院", "第一师医院"], places=["新疆", "阿克苏"],
        also_reported_by=[{"outlet": "健康资讯网", "url": "http://www.jkzx365.com/a.html"}],
        lead="记者从第一师医院获悉,目前已有5批次67名援疆专家持续帮扶。",
        image={"src": "https://i2.chinanews.com.cn/a.jpg", "caption": "援疆专家"},
    )
    values.update(kw)
    return DigestEntry(**values)


def digest(entries, **kw) -> Digest:
    values = dict(day=date(2026, 11, 23), entries=entries,
                  sources=[SourceRunSummary("chinanews-scroll", 2, 5, 0, None)],
                  window_from=datetime(2026, 11, 22, 9, 0, tzinfo=CST),
                  window_to=datetime(2026, 11, 23, 9, 0, tzinfo=CST), kind="new",
                  language="en")
    values.update(kw)
    return Digest(**values)


def test_segments_mark_each_term_once_longest_first():
    assert segments("组团式医疗援疆,援疆专家", ["援疆", "医疗援疆", "组团式"]) == [
        ("组团式", True), ("医疗援疆", True), (",", False), ("援疆", True), ("专家", False)]
    assert segments("没有匹配", ["援疆"]) == [("没有匹配", False)]
    assert segments("", ["援疆"]) == []


def test_html_is_one_self_contained_page_with_the_entry_fields():
    review = Verdict("relevant", ["medical_aid"], "wang",
                     datetime(2026, 11, 23, 10, 0, tzinfo=CST), None, 102, 2)
    page = render_html(digest(
        [entry(), entry(2, "西南医科大学附属医院“牵手”阿莎芬堡医院",
                        flags=["medical_aid", "sister_hospital"], evidence=[], image=None,
                        partners=[["西南医科大学附属医院", "阿莎芬堡医院", "姊妹医院揭牌"]],
                        low_quality=True, review=review)],
        health=[{"source": "dmu-news", "check": "error_rate", "ok": False,
                 "message": "the last run had 3 error(s)", "run_id": 1}],
        not_run=["pumch-news"], source_titles={"pumch-news": "北京协和医院"}),
        public_url="https://monitor.example.org/")
    tree = html.fromstring(page)
    assert not tree.xpath("//script | //link | //iframe")
    # the only outside resource: the story's picture, sent without a referrer
    assert [e.get("src") for e in tree.xpath("//*[@src]")] == ["https://i2.chinanews.com.cn/a.jpg"]
    assert tree.xpath("//img/@alt") == ["援疆专家"] and tree.xpath("//img/@referrerpolicy")
    assert tree.xpath("//style") and tree.xpath("//meta[@name='viewport']")
    assert "@media print" in page
    assert tree.xpath("string(//section[@id='health'])").count("dmu-news") == 1
    counts = " ".join(tree.xpath("string(//ul[@id='counts'])").split())
    assert counts == "2 new medical aid 2 sister hospital 1"
    # each story once, with all its topic badges and its ID linked to its web page
    first, second = tree.xpath("//article[@data-story-id]")
    assert [a.get("data-story-id") for a in (first, second)] == ["1", "2"]
    assert second.xpath(".//span[contains(@class, 'topic')]/text()") == [
        "medical aid", "sister hospital"]
    (link,) = first.xpath(".//h3/a")
    assert link.text_content() == "浙江大学“组团式”医疗援疆见成效"
    assert link.get("href") == "https://www.chinanews.com.cn/gn/2025/05-04/1.shtml"
    assert first.xpath(".//a[@class='id']/@href") == ["https://monitor.example.org/story/1"]
    assert first.xpath("string(.//p[@class='lead'])").startswith("记者从第一师医院获悉")
    assert first.xpath(".//blockquote/mark/text()") == ["组团式", "援疆", "援疆"]
    text = " ".join(second.text_content().split())
    assert "西南医科大学附属医院 ↔ 阿莎芬堡医院: 姊妹医院揭牌" in text
    assert "low-quality copy" in text and "reviewed: relevant (medical aid) by wang" in text
    assert "also reported by: 健康资讯网" in " ".join(
        first.xpath("string(.//p[@class='also'])").split())
    assert "published 2025-05-04, first seen today" in first.text_content()
    assert tree.xpath("string(//p[@id='never-ran'])") == \
        "Never run yet (or no saved pages): 北京协和医院."
    assert not tree.xpath("//*[@id='missed']")


def test_html_in_chinese_by_default():
    page = render_html(digest([entry()], language="zh"))
    tree = html.fromstring(page)
    assert tree.get("lang") == "zh-CN"
    assert tree.xpath("string(//h1)") == "医疗合作新闻简报"
    assert "2025-05-04 发布，今天首次发现" in page
    assert "另见：" in tree.xpath("string(//p[@class='also'])")


PAIRS = [
    {"a": "浙江大学医学院", "b": "第一师医院", "relation": "对口支援", "evidence": "…"},
    {"a": "西南医科大学附属医院", "b": "阿莎芬堡医院", "relation": "姊妹医院", "evidence": "…"},
]


def test_partner_lines_arrow_for_aid_in_each_language_and_old_rows_still_read():
    old_row = ["甲医院", "乙医院", "签订战略合作框架协议"]  # stored before relations were given
    zh = digest([entry(partners=[*PAIRS, old_row])], language="zh")
    text = render_text(zh)
    assert "浙江大学医学院 → 第一师医院（对口支援）" in text  # aid: who gives → who receives
    assert "西南医科大学附属医院 ↔ 阿莎芬堡医院（姊妹医院）" in text
    assert "甲医院 ↔ 乙医院：签订战略合作框架协议" in text
    tree = html.fromstring(render_html(zh))
    assert tree.xpath("//ul[@class='who']/li/text()")[:2] == [
        "浙江大学医学院 → 第一师医院（对口支援）",
        "西南医科大学附属医院 ↔ 阿莎芬堡医院（姊妹医院）",
    ]
    assert "浙江大学医学院 → 第一师医院 (domestic aid)" in render_markdown(
        digest([entry(partners=PAIRS)]))


def test_html_escapes_what_comes_from_pages():
    page = render_html(digest([entry(title=EVIL, url="javascript:alert(1)", outlet="<b>x</b>",
                                     lead=EVIL, image={"src": "javascript:alert(3)",
                                                       "caption": EVIL},
                                     also_reported_by=[{"outlet": "<i>y</i>",
                                                        "url": "javascript:alert(2)"}])]))
    assert "<script>" not in page and "<b>x</b>" not in page and "<i>y</i>" not in page
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt;" in page
    tree = html.fromstring(page)
    assert not tree.xpath("//script | //b[text()='x']")
    assert not tree.xpath("//a[starts-with(@href, 'javascript')]")  # not a link at all
    assert EVIL in tree.xpath("string(//h3)")


def test_atom_feed_is_valid_and_a_feed_reader_reads_it():
    feed_xml = render_atom(digest([entry(), entry(2, EVIL + "\x0b", published_at=None)]),
                           feed_url="https://monitor.example.org/feed.atom")
    root = etree.fromstring(feed_xml.encode("utf-8"))  # well-formed, control chars removed
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert root.find(f"{ATOM}{required}") is not None
    entries = root.findall(f"{ATOM}entry")
    for item in entries:
        for required in ("id", "title", "updated", "link", "content"):
            assert item.find(f"{ATOM}{required}") is not None
    parsed = feedparser.parse(feed_xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.links[0].href == "https://monitor.example.org/feed.atom"
    first, second = parsed.entries
    assert first.title == "#1 浙江大学“组团式”医疗援疆见成效"
    assert first.link == "https://www.chinanews.com.cn/gn/2025/05-04/1.shtml"
    assert first.published == "2025-05-04T14:29:00+08:00"
    assert [t.term for t in first.tags] == ["medical_aid"]
    assert "援疆专家持续帮扶" in first.content[0].value and "#1" in first.content[0].value
    # the content is the entry's HTML, escaped once (feedparser's sanitiser drops <mark>)
    assert "<mark>援疆</mark>" in entries[0].find(f"{ATOM}content").text
    assert first.id == entry_id(entry())
    assert second.title == "#2 " + EVIL  # text, not markup
    assert "published" not in second


def test_atom_entry_ids_follow_the_story_not_the_representative():
    before = entry(url="http://www.jkzx365.com/repost.html")
    after = entry(url="https://www.chinanews.com.cn/original.shtml")
    assert entry_id(before) == entry_id(after)
    assert entry_id(before) != entry_id(entry(2))


def test_markdown_escapes_titles_and_highlights_terms():
    text = render_markdown(digest([entry(title="[置顶] *援疆* _x_")]))
    assert "### \\#1 [\\[置顶\\] \\*援疆\\* \\_x\\_](https://www.chinanews.com.cn" in text
    assert "> “**组团式**”医疗**援疆**工作开展以来,**援疆**专家持续帮扶。" in text


def test_bot_markdown_fits_the_limit_and_says_how_many_are_left_out():
    many = [entry(n, f"第{n}条“组团式”医疗援疆新闻[转载]" + "很长" * 20) for n in range(1, 60)]
    text = render_bot_markdown(digest(many), limit_bytes=4000)
    assert len(text.encode("utf-8")) <= 4000
    shown = text.count("\n- #")
    assert 5 < shown < 59
    assert text.rstrip().endswith(
        f"… {59 - shown} more (the full digest is in the mail or on the web page)")
    assert "［转载］" in text  # brackets would end the bot's link
    short = render_bot_markdown(digest([entry()]))
    assert "1 new: medical aid 1, sister hospital 0" in short
    assert "- #1 [浙江大学" in short  # the story's ID
    assert "more" not in short
    linked = render_bot_markdown(digest([entry(7)]), public_url="https://m.example.org/app")
    assert "- [#7](https://m.example.org/app/story/7) [浙江大学" in linked


def test_empty_digest_headline_and_text():
    empty = digest([], sources=[], not_run=["dmu-news"])
    assert headline(empty) == \
        "Medical-cooperation news digest, new since 2026-11-22 09:00: nothing new"
    text = render_text(empty)
    assert "Nothing new was found new since 2026-11-22 09:00." in text
    assert "No source ran in this period." in text
    assert "Never run yet (or no saved pages): dmu-news" in text
    assert "Nothing new was found new since 2026-11-22 09:00." in render_html(empty)
    assert "Nothing new" in render_bot_markdown(empty)


CUT = {"flags": ["sister_hospital"], "terms": ["姊妹医院", "《合作协议", "签订《战略合作"],
       # a sentence that opens with a quote whose closing mark the sentence split cut off
       "sentence": "“以此次揭牌为全新起点,双方将在姊妹医院的基础上签订《合作协议》,"
                   "签订《战略合作框架协议书"}


def test_evidence_quotes_and_terms_are_balanced_in_every_output():
    cut = digest([entry(evidence=[CUT])], language="zh")
    text = render_text(cut)
    (line,) = [line for line in text.splitlines() if "依据" in line]
    assert line == ("    依据：“以此次揭牌为全新起点,双方将在姊妹医院的基础上签订《合作协议》,"
                    "签订《战略合作框架协议书》” [姊妹医院，合作协议，签订战略合作]")
    assert "““" not in text
    markdown = render_markdown(cut)
    (quote,) = [line for line in markdown.splitlines() if line.startswith("> ")]
    assert quote.startswith("> “以此次揭牌") and quote.endswith("框架协议书》”"), quote
    tree = html.fromstring(render_html(cut))
    assert tree.xpath("string(//blockquote)").strip().endswith("框架协议书》”")
    assert "姊妹医院" in tree.xpath("//blockquote/mark/text()")
    # a sentence with quotes inside is quoted once, the inner quotes as single ones
    plain = render_text(digest([entry()], language="zh"))
    assert "依据：“‘组团式’医疗援疆工作开展以来,援疆专家持续帮扶。” [组团式，援疆]" in plain


def test_chinese_markdown_uses_the_chinese_colon_and_brackets():
    review = Verdict("relevant", ["medical_aid"], "王", datetime(2026, 11, 23, 10, 0,
                                                                 tzinfo=CST), None, 101, 1)
    zh = digest([entry(review=review, low_quality=True)], language="zh", reviews=[review])
    for rendered in (render_markdown(zh), render_text(zh), render_html(zh)):
        assert not re.search(rf"[{CJK}】)*]:|[{CJK}] \(", rendered), re.findall(
            rf".{{8}}(?:[{CJK}】)*]:|[{CJK}] \().{{8}}", rendered)
    markdown = render_markdown(zh)
    assert "**新增 1 条**：医疗援助 1" in markdown and "**来源**：中国新闻网 1" in markdown
    assert "地点：新疆" in markdown and "另见：[健康资讯网]" in markdown
    assert "*（已审核：相关（医疗援助） 审核人 王）*" in markdown
    assert "## 本期审核（1）" in markdown


def test_the_feed_says_the_date_a_story_was_first_seen_not_today():
    old = entry()  # published 2025-05-04, first seen on the digest's day 2026-11-23
    feed = render_atom(digest([old], language="zh"))
    assert "今天" not in feed
    assert "2025-05-04 发布，2026-11-23首次发现" in feed
    # the digest of that day says today: it is read that day
    assert "今天首次发现" in render_text(digest([old], language="zh"))
