from datetime import date, datetime, timedelta, timezone

import feedparser
from lxml import etree, html

from monitor.digest import Digest, DigestEntry, SourceRunSummary, Verdict
from monitor.render import (
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
EVIL = '<script>window.pwned = 1</script>援疆 & "quotes"'


def entry(number=1, title="浙江大学“组团式”医疗援疆见成效", **kw) -> DigestEntry:
    values = dict(
        id=number, story_id=number, title=title,
        url=f"https://www.chinanews.com.cn/gn/2025/05-04/{number}.shtml",
        first_url=f"https://www.chinanews.com.cn/gn/2025/05-04/{number}.shtml",
        outlet="中国新闻网", source="chinanews-scroll",
        published_at=datetime(2025, 5, 4, 14, 29, tzinfo=CST),
        first_seen_at=datetime(2026, 11, 23, 8, 0, tzinfo=CST),
        flags=["medical_aid"],
        evidence=[{"flag": "medical_aid", "terms": ["组团式", "援疆"],
                   "sentence": "“组团式”医疗援疆工作开展以来,援疆专家持续帮扶。"}],
        institutions=["浙江大学医学院", "第一师医院"], places=["新疆", "阿克苏"],
        also_reported_by=[{"outlet": "jkzx-farm", "url": "http://www.jkzx365.com/a.html"}],
    )
    values.update(kw)
    return DigestEntry(**values)


def digest(entries, **kw) -> Digest:
    values = dict(day=date(2026, 11, 23), entries=entries,
                  sources=[SourceRunSummary("chinanews-scroll", 2, 5, 0, None)],
                  window_from=datetime(2026, 11, 22, 9, 0, tzinfo=CST),
                  window_to=datetime(2026, 11, 23, 9, 0, tzinfo=CST), kind="new")
    values.update(kw)
    return Digest(**values)


def test_segments_mark_each_term_once_longest_first():
    assert segments("组团式医疗援疆,援疆专家", ["援疆", "医疗援疆", "组团式"]) == [
        ("组团式", True), ("医疗援疆", True), (",", False), ("援疆", True), ("专家", False)]
    assert segments("没有匹配", ["援疆"]) == [("没有匹配", False)]
    assert segments("", ["援疆"]) == []


def test_html_is_one_self_contained_page_with_the_entry_fields():
    review = Verdict("relevant", ["medical_aid"], "wang",
                     datetime(2026, 11, 23, 10, 0, tzinfo=CST), None, 2)
    page = render_html(digest(
        [entry(), entry(2, "西南医科大学附属医院“牵手”阿莎芬堡医院", flags=["sister_hospital"],
                        evidence=[],
                        partners=[["西南医科大学附属医院", "阿莎芬堡医院", "姊妹医院揭牌"]],
                        low_quality=True, review=review)],
        health=[{"source": "dmu-news", "check": "error_rate", "ok": False,
                 "message": "the last run had 3 error(s)", "run_id": 1}],
        not_run=["pumch-news"]))
    tree = html.fromstring(page)
    assert not tree.xpath("//script | //link | //img | //iframe")
    assert not [a for a in tree.xpath("//*[@src]")]
    assert tree.xpath("//style") and tree.xpath("//meta[@name='viewport']")
    assert "@media print" in page
    assert tree.xpath("string(//section[@id='health'])").count("dmu-news") == 1
    counts = " ".join(tree.xpath("string(//ul[@id='counts'])").split())
    assert counts == "2 new flagged medical aid 1 sister hospital 1"
    (link,) = tree.xpath("//section[@id='medical_aid']//h3/a")
    assert link.text == "浙江大学“组团式”医疗援疆见成效"
    assert link.get("href") == "https://www.chinanews.com.cn/gn/2025/05-04/1.shtml"
    marks = tree.xpath("//section[@id='medical_aid']//blockquote/mark/text()")
    assert marks == ["组团式", "援疆", "援疆"]
    sister = tree.xpath("string(//section[@id='sister_hospital'])")
    assert "西南医科大学附属医院 ↔ 阿莎芬堡医院: 姊妹医院揭牌" in sister
    assert "low-quality source" in sister and "reviewed: relevant (medical aid) by wang" in sister
    assert "Also reported by: jkzx-farm" in " ".join(
        tree.xpath("string(//section[@id='medical_aid']//p[@class='also'])").split())
    assert "Did not run in this period: pumch-news (never ran successfully)." in \
        tree.xpath("string(//section[@id='sources'])")


def test_html_escapes_what_comes_from_pages():
    page = render_html(digest([entry(title=EVIL, url="javascript:alert(1)", outlet="<b>x</b>",
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
    assert first.title == "浙江大学“组团式”医疗援疆见成效"
    assert first.link == "https://www.chinanews.com.cn/gn/2025/05-04/1.shtml"
    assert first.published == "2025-05-04T14:29:00+08:00"
    assert [t.term for t in first.tags] == ["medical_aid"]
    assert "援疆专家持续帮扶" in first.content[0].value
    # the content is the entry's HTML, escaped once (feedparser's sanitiser drops <mark>)
    assert "<mark>援疆</mark>" in entries[0].find(f"{ATOM}content").text
    assert first.id == entry_id(entry())
    assert second.title == EVIL  # text, not markup
    assert "published" not in second


def test_atom_entry_ids_follow_the_story_not_the_representative():
    before = entry(url="http://www.jkzx365.com/repost.html")
    after = entry(url="https://www.chinanews.com.cn/original.shtml")
    assert entry_id(before) == entry_id(after)
    assert entry_id(before) != entry_id(entry(2))


def test_markdown_escapes_titles_and_highlights_terms():
    text = render_markdown(digest([entry(title="[置顶] *援疆* _x_")]))
    assert "**[\\[置顶\\] \\*援疆\\* \\_x\\_](https://www.chinanews.com.cn" in text
    assert "> “**组团式**”医疗**援疆**工作开展以来,**援疆**专家持续帮扶。" in text


def test_bot_markdown_fits_the_limit_and_says_how_many_are_left_out():
    many = [entry(n, f"第{n}条“组团式”医疗援疆新闻[转载]" + "很长" * 20) for n in range(1, 60)]
    text = render_bot_markdown(digest(many), limit_bytes=4000)
    assert len(text.encode("utf-8")) <= 4000
    shown = text.count("\n- [")
    assert 5 < shown < 59
    assert text.rstrip().endswith(f"… {59 - shown} more (the full digest is in the mail)")
    assert "［转载］" in text  # brackets would end the bot's link
    short = render_bot_markdown(digest([entry()]))
    assert "1 new flagged: medical aid 1, sister hospital 0" in short
    assert "more" not in short


def test_empty_digest_headline_and_text():
    empty = digest([], sources=[], not_run=["dmu-news"])
    assert headline(empty) == "Medical-cooperation news digest, since 2026-11-22 09:00: nothing new"
    text = render_text(empty)
    assert "Nothing new was found since 2026-11-22 09:00." in text
    assert "No source ran in this period." in text
    assert "Did not run in this period: dmu-news" in text
    assert "Nothing new was found since 2026-11-22 09:00." in render_html(empty)
    assert "Nothing new" in render_bot_markdown(empty)
