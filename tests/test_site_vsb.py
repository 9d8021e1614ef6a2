"""The VSB / WebPlus family against the saved university pages (dmu: newer template, UTF-8;
swmu: older table template, GBK)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.extraction.vsb import FAMILY
from monitor.page.fetched import Page
from monitor.page.saved import load_page

SITE = Path(__file__).resolve().parents[1] / "seeds" / "site"
ARTICLES = [
    "www.dmu.edu.cn/info-1142-23456.htm",
    "www.dmu.edu.cn/info-1142-23441.htm",
    "www.dmu.edu.cn/info-1142-23470.htm",
    "www.dmu.edu.cn/info-1142-23398.htm",
    "www.swmu.edu.cn/info-1021-8812.htm",
]


def saved(name: str) -> tuple[Page, dict | None]:
    page = load_page(SITE / name)
    return Page.from_saved(page), page.expected


def html_page(url: str, html: str) -> Page:
    return Page(
        url=url, body=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}
    )


@pytest.mark.parametrize("name", ARTICLES)
def test_article_matches_expected(name):
    page, expected = saved(name)
    fields = FAMILY.extract(page)
    assert fields is not None
    body = "\n".join(fields.paragraphs)
    assert expected["site"] == "vsb"
    assert fields.title == expected["title"]
    assert fields.outlet == expected["outlet"]
    assert fields.author == expected["author"]
    assert body == expected["body"]
    for snippet in expected["must_contain"]:
        assert snippet in body
    for snippet in expected["must_not_contain"]:
        assert snippet not in body


def test_seed_002_date_rule_and_captions():
    page, _ = saved("www.dmu.edu.cn/info-1142-23456.htm")
    fields = FAMILY.extract(page)
    assert fields.rule == "vsb:v_news_content"
    assert [(c.text, c.origin) for c in fields.date_candidates] == [
        ("2024年05月13日", "site:vsb:click-counter-line")
    ]
    captions = [image.caption for image in fields.images]
    assert len(fields.images) == 20
    assert captions[:3] == ["会议现场", "双方签订战略合作协议", "合影留念"]
    assert "学校党委副书记、校长赵杰主持会议并致欢迎辞" in captions
    assert "复旦大学附属中山医院党委书记顾建英讲话" in captions
    assert all(image.src.startswith("https://www.dmu.edu.cn/__local/") for image in fields.images)
    # the same words open a real paragraph: only the caption line is gone
    assert "学校党委副书记、校长赵杰主持会议并致欢迎辞。他介绍了" in fields.paragraphs[3]


def test_older_template_gbk_outlet_and_attachments():
    page, _ = saved("www.swmu.edu.cn/info-1021-8812.htm")
    with pytest.raises(UnicodeDecodeError):
        page.body.decode("utf-8")
    assert page.encoding == "gb18030"
    fields = FAMILY.extract(page)
    assert fields.rule == "vsb:vsb_content"
    assert fields.title == "学校召开2018年本科教学工作会议"
    assert fields.outlet == "党委宣传部"
    assert [c.text for c in fields.date_candidates] == ["2018-05-17"]
    assert "2 attachment(s) left out of the body" in fields.notes
    assert [image.caption for image in fields.images] == ["会议现场", "副校长孙建军讲话"]


def test_detect_by_markers_not_by_host():
    for name in [*ARTICLES, "www.dmu.edu.cn/tzgg-gzdt.htm", "www.swmu.edu.cn/xwzx-xxyw.htm"]:
        assert FAMILY.detect(saved(name)[0]), name
    for name in [
        "www.zs5h.com/news-show-3391.html",
        "www.jkzx365.com/yiwokan-2025-1218-58231.html",
    ]:
        assert not FAMILY.detect(saved(name)[0]), name
    assert not FAMILY.claims("https://www.dmu.edu.cn/info/1142/23456.htm")
    marked = html_page(
        "https://news.example.edu.cn/a.htm", "<html><!--Announced by Visual SiteBuilder 9--></html>"
    )
    assert FAMILY.detect(marked)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.dmu.edu.cn/info/1142/23456.htm", True),
        ("https://www.swmu.edu.cn/info/1021/8812.htm", True),
        (
            "https://www.dmu.edu.cn/content.jsp?urltype=news.NewsContentUrl&wbtreeid=1142&wbnewsid=23456",
            True,
        ),
        ("https://www.dmu.edu.cn/tzgg/gzdt.htm", False),
        ("https://www.dmu.edu.cn/tzgg/gzdt/57.htm", False),
        ("https://www.dmu.edu.cn/info/1142/23456.html", False),
        ("https://www.dmu.edu.cn/content.jsp?urltype=tree.TreeTempUrl&wbtreeid=1142", False),
    ],
)
def test_is_article_url(url, expected):
    assert FAMILY.is_article_url(url) is expected


def test_newer_list_and_pagination():
    first = FAMILY.parse_list(saved("www.dmu.edu.cn/tzgg-gzdt.htm")[0])
    assert len(first.articles) == 15
    assert first.articles[0].url == "https://www.dmu.edu.cn/info/1142/23441.htm"
    assert (first.articles[0].title, first.articles[0].listed_at) == (
        "韩国成均馆大学来访我校",
        "2024-05-14",
    )
    seed = next(link for link in first.articles if link.url.endswith("/23456.htm"))
    assert seed.title == "附属第一医院与复旦大学附属中山医院签订战略合作框架协议"
    assert seed.listed_at == "2024-05-13"
    assert first.next_pages == ["https://www.dmu.edu.cn/tzgg/gzdt/57.htm"]

    second = FAMILY.parse_list(saved("www.dmu.edu.cn/tzgg-gzdt-57.htm")[0])
    assert len(second.articles) == 15
    assert second.next_pages == ["https://www.dmu.edu.cn/tzgg/gzdt/56.htm"]
    assert max(link.listed_at for link in second.articles) < min(
        link.listed_at for link in first.articles
    )


def test_older_list_gbk():
    listing = FAMILY.parse_list(saved("www.swmu.edu.cn/xwzx-xxyw.htm")[0])
    assert len(listing.articles) == 20
    entry = listing.articles[0]
    assert entry.url == "https://www.swmu.edu.cn/info/1021/8812.htm"
    assert (entry.title, entry.listed_at) == ("学校召开2018年本科教学工作会议", "2018-05-17")
    assert listing.next_pages == ["https://www.swmu.edu.cn/xwzx/xxyw/311.htm"]


def test_title_falls_back_to_editable_block_then_head_title():
    form = (
        '<form name="_newscontent_fromname"><div id="vsb_content"><p>'
        + "正文内容。" * 20
        + "</p></div></form>"
    )
    editable = html_page(
        "https://www.example.edu.cn/info/1/2.htm",
        "<html><head><title>学校召开会议-学校新闻</title></head><body>"
        '<!--#begineditable name="标题" viewid="1" contentviewid="" tagname="标题-->'
        "<span><b>学校召开 会议</b></span><!--#endeditable-->" + form + "</body></html>",
    )
    assert FAMILY.extract(editable).title == "学校召开 会议"
    head_only = html_page(
        "https://www.example.edu.cn/info/1/2.htm",
        "<html><head><title>学校召开会议-学校新闻</title></head><body>" + form + "</body></html>",
    )
    fields = FAMILY.extract(head_only)
    assert fields.title == "学校召开会议"
    assert fields.rule == "vsb:vsb_content"
    assert "no date line found" in fields.notes


def test_no_article_form_means_no_match():
    assert FAMILY.extract(saved("www.dmu.edu.cn/tzgg-gzdt.htm")[0]) is None


def test_a_sources_selectors_override_the_vsb_template():
    """A generic or university source's selectors count on a VSB page too (the same way as
    on every family): the body, and the title / date line they point at."""
    from monitor.extraction.chain import extract_article

    page, _ = saved("www.dmu.edu.cn/info-1142-23456.htm")
    own = FAMILY.extract(page)
    chosen = FAMILY.extract(page, {"body": "form[name=_newscontent_fromname] p",
                                   "title": "title"})
    assert chosen.rule == "generic:selectors" and chosen.paragraphs
    assert chosen.title != own.title and chosen.title.startswith(own.title)
    dated = FAMILY.extract(page, {"date": "title"})
    assert dated.rule == own.rule and dated.date_candidates[0].origin == "site:selectors:date"
    article = extract_article(page, kind="generic", selectors={"title": "title"})
    assert article.site == "vsb" and article.title.startswith(own.title)
