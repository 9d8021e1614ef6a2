"""The general article rules (monitor/extraction/mainblock.py) on small pages of unknown layouts."""

from __future__ import annotations

from datetime import datetime

from monitor.extraction.generic import FAMILY
from monitor.extraction.mainblock import trim_body, trim_site_suffix
from monitor.page.fetched import Page
from monitor.processing import process_page

PARAGRAPH = "<p>{}，这是文章正文的一段话，说明了事情的经过和各方的看法。</p>"
FETCHED = datetime.fromisoformat("2024-06-01T00:00:00+08:00")


def page_of(body: str, title: str = "医院签署合作协议_新闻中心_某某网", head: str = "") -> Page:
    html = f"<html><head><title>{title}</title>{head}</head><body>{body}</body></html>"
    return Page(url="https://news.example.cn/a/2024/0510/123.html", body=html.encode("utf-8"),
                headers={"Content-Type": "text/html; charset=utf-8"}, fetched_at=FETCHED)


def paragraphs(word: str, count: int = 5) -> str:
    return "".join(PARAGRAPH.format(f"{word}{n}") for n in range(count))


def test_headline_by_agreement_not_a_section_heading_and_shown_time_with_minutes():
    body = (
        '<div class="nav"><h2>新闻中心</h2></div>'
        "<h1>医院签署合作协议</h1><div class=info>2024年05月10日08:59 来源：某某报</div>"
        f'<div class="wenzhang">{paragraphs("正文")}</div>'
        f'<div class="hot"><h3>热门推荐</h3><ul><li><a href="/b.html">别的新闻</a></li></ul></div>'
    )
    fields = FAMILY.extract(page_of(body))
    assert fields.rule == "generic:text-density"
    assert fields.title == "医院签署合作协议"
    assert [c.text for c in fields.date_candidates] == ["2024年05月10日08:59"]
    assert fields.outlet == "某某报"
    article = process_page(page_of(body), kind="generic")
    assert article.published_at.isoformat() == "2024-05-10T08:59:00+08:00"


def test_comment_area_and_second_article_are_not_merged():
    body = (
        "<h1>医院签署合作协议</h1>"
        f'<div class="article"><div class="content">{paragraphs("第一篇", 6)}</div></div>'
        f'<div class="comment-list">{paragraphs("评论", 8)}</div>'
        "<h1>另一篇文章的标题</h1>"
        f'<div class="article"><div class="content">{paragraphs("第二篇", 4)}</div></div>'
    )
    fields = FAMILY.extract(page_of(body))
    text = "\n".join(fields.paragraphs)
    assert "第一篇0" in text and "第一篇5" in text
    assert "评论" not in text and "第二篇" not in text
    assert fields.title == "医院签署合作协议"


def test_a_heading_with_widget_text_gives_the_title_it_starts_with():
    body = f"<h1>医院签署合作协议<span>播报文章</span></h1><div>{paragraphs('正文')}</div>"
    head = '<meta property="og:title" content="医院签署合作协议">'
    assert FAMILY.extract(page_of(body, head=head)).title == "医院签署合作协议"


def test_feed_entries_alike_lose_to_the_article():
    feed = "".join(f'<div class="item">{paragraphs(f"推荐{n}", 3)}</div>' for n in range(4))
    body = f"<h1>医院签署合作协议</h1><div class=main>{paragraphs('正文', 3)}</div>{feed}"
    text = "\n".join(FAMILY.extract(page_of(body)).paragraphs)
    assert "正文0" in text and "推荐" not in text


def test_a_site_only_title_gives_way_to_the_headline_above_the_body():
    body = f"<div class=rumor-title>徒手抓子弹真的存在吗？</div><div>{paragraphs('正文')}</div>"
    fields = FAMILY.extract(page_of(body, title="科普中国-辟谣文章"))
    assert fields.title == "徒手抓子弹真的存在吗？"


def test_trim_body_drops_deck_date_line_toc_and_furniture_but_keeps_a_short_dateline():
    title = "某省召开座谈会"
    lines = [
        ("某省召开座谈会强调", "bold"), ("推动高质量发展", "bold"),
        ("2024-05-10 08:59", ""), ("来源：新华社", ""),
        ("本报北京讯", "bold"), ("第一段，正文。", ""), ("最后一段。", ""),
        ("（责编：某某）", ""), ("[1] 注释一。", ""),
    ]
    kept, dropped = trim_body(lines, title)
    assert kept == ["本报北京讯", "第一段，正文。", "最后一段。"]
    assert dropped[0] == "某省召开座谈会强调" and dropped[-1] == "[1] 注释一。"
    toc = [("目 录", ""), ("第一章 起源", ""), ("第二章 发展", ""), ("导言", "")]
    assert trim_body([*toc, ("正文开始了。", "")], "报告")[0] == ["正文开始了。"]


def test_trim_site_suffix():
    assert trim_site_suffix("标题很长的文章--健康·生活--人民网") == "标题很长的文章"
    assert trim_site_suffix("标题很长的文章_要闻_电影网_1905.com") == "标题很长的文章"
    assert trim_site_suffix("2024-2025学年表彰会召开_新闻中心_某医院") == "2024-2025学年表彰会召开"
