"""The generic fallback family: a home-grown hospital CMS (zs5h) and the content farm (jkzx365)."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.extraction.blocks import (
    Block,
    drop_noise,
    labelled_fields,
    split_images,
    split_trailer,
)
from monitor.extraction.generic import FAMILY
from monitor.page.fetched import Page
from monitor.page.saved import load_page

SITE = Path(__file__).resolve().parents[1] / "seeds" / "site"
HOSPITAL = "www.zs5h.com/news-show-3391.html"
FARM = [
    "www.jkzx365.com/yiwokan-2025-1218-58231.html",
    "www.jkzx365.com/yiwokan-2025-1218-58230.html",
]
# Removing the injected title fragments is the cleaner's job: the farm body is compared after
# undoing them (text around each fragment on the page -> the same text without it).
FARM_FRAGMENTS = {
    FARM[0]: [
        ("倡议的健康丝路推动下", "倡议的推动下"),
        ("民心的医看院持医疗重要纽带", "民心的重要纽带"),
        ("技术输出、深耕资源下沉", "技术输出、资源下沉"),
        ("为核心,中山持续深化", "为核心,持续深化"),
        ("地区的续深医疗帮扶", "地区的医疗帮扶"),
        ("国家的化对合作", "国家的合作"),
        ("医疗水平、南疆守护人民健康", "医疗水平、守护人民健康"),
        ("注入持续动力。地区", "注入持续动力。"),
        ("相对不足、健康丝路群众看病远", "相对不足、群众看病远"),
        ("看病远的医看院持医疗问题", "看病远的问题"),
        ("突破口,深耕积极引入", "突破口,积极引入"),
        ("机器人系统,中山让边疆患者", "机器人系统,让边疆患者"),
        ("高水平医疗服务。续深", "高水平医疗服务。"),
        ("2024年7月,化对一场", "2024年7月,一场"),
    ],
    FARM[1]: [
        ("获悉,多地受强冷空气影响", "获悉,受强冷空气影响"),
        ("明显降温,个位数粤北市县", "明显降温,粤北市县"),
        ("冰冻,来袭珠三角地区", "冰冻,珠三角地区"),
        ("降至8℃至10℃。气温", "降至8℃至10℃。"),
        ("来势较猛,跌至过程降温", "来势较猛,过程降温"),
    ],
}


def saved(name: str) -> tuple[Page, dict | None]:
    page = load_page(SITE / name)
    return Page.from_saved(page), page.expected


def html_page(url: str, html: str) -> Page:
    return Page(
        url=url, body=html.encode("utf-8"), headers={"Content-Type": "text/html; charset=utf-8"}
    )


def test_hospital_cms_article_matches_expected():
    page, expected = saved(HOSPITAL)
    fields = FAMILY.extract(page)
    body = "\n".join(fields.paragraphs)
    assert expected["site"] == "generic"
    assert fields.rule == "generic:pattern:article-detail"
    assert fields.title == expected["title"]
    assert fields.outlet == expected["outlet"]
    assert fields.author == expected["author"] == "护理部 何嘉欣"
    assert body == expected["body"]
    for snippet in expected["must_contain"]:
        assert snippet in body
    for snippet in expected["must_not_contain"]:
        assert snippet not in body
    assert [(c.text, c.origin) for c in fields.date_candidates] == [
        ("2025-05-12", "site:generic:article-detail")
    ]
    assert any("摄影：梁志斌" in note and "审核：郭伟" in note for note in fields.notes)
    assert [image.caption for image in fields.images] == [
        "义诊现场",
        "护士为市民测量血压",
        "急诊科护士指导市民进行心肺复苏",
    ]


@pytest.mark.parametrize("name", FARM)
def test_farm_article_loses_ad_and_related_items(name):
    page, expected = saved(name)
    fields = FAMILY.extract(page)
    body = "\n".join(fields.paragraphs)
    assert fields.rule == "generic:pattern:article-content"
    assert fields.title == expected["title"]
    assert fields.author is None and expected["author"] is None
    assert fields.outlet is None
    fragments = {wrong for wrong, _right in FARM_FRAGMENTS[name]}
    junk = [snippet for snippet in expected["must_not_contain"] if snippet not in fragments]
    assert fragments < set(expected["must_not_contain"])
    assert {"EXNESS", "玩站小弟", "相关文章", "最新评论"} < set(junk)
    for snippet in junk:  # the ad, the farm's account, 相关文章 items, the image caption
        assert snippet not in body
    for wrong, right in FARM_FRAGMENTS[name]:
        assert body.count(wrong) == 1
        body = body.replace(wrong, right)
    assert body == expected["body"]
    assert any("link-only line to another site: EXNESS" in note for note in fields.notes)
    assert any("玩站小弟" in note for note in fields.notes)


def test_farm_date_and_caption():
    page, _ = saved(FARM[0])
    fields = FAMILY.extract(page)
    assert [c.text for c in fields.date_candidates] == ["2025-12-18 19:33:05"]
    assert [(image.src, image.caption) for image in fields.images] == [
        (
            "http://www.jkzx365.com/uploads/allimg/251218/1-25121819330Q15.jpg",
            "林天歆为新疆患者实施远程手术。帮扶朱文 摄",
        )
    ]


def test_claims_and_detects_nothing():
    page, _ = saved(HOSPITAL)
    assert not FAMILY.claims(page.url)
    assert not FAMILY.detect(page)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.zs5h.com/news/show-3391.html", True),
        ("http://www.jkzx365.com/yiwokan/2025/1218/58231.html", True),
        ("https://www.example.gov.cn/art/2025/5/12/art_1_2.html", True),
        ("https://www.example.cn/content/2025-05/12/content_88.htm", True),
        ("https://www.zs5h.com/news/list_1.html", False),
        ("http://www.jkzx365.com/yiwokan/list_12_2.html", False),
        ("http://www.jkzx365.com/yiwokan/", False),
        ("https://www.example.cn/news/index.html", False),
        ("https://www.zs5h.com/about/show-12.html", False),
    ],
)
def test_is_article_url_heuristic(url, expected):
    assert FAMILY.is_article_url(url) is expected


def test_is_article_url_pattern_overrides():
    assert FAMILY.is_article_url("https://h.example.cn/n?id=5", pattern=r"/n\?id=\d+")
    assert not FAMILY.is_article_url("https://www.zs5h.com/news/show-3391.html", pattern=r"/n\?id=")


def test_list_heuristic_hospital():
    listing = FAMILY.parse_list(saved("www.zs5h.com/news-list_1.html")[0])
    assert len(listing.articles) == 10
    entry = next(
        link for link in listing.articles if link.url == "https://www.zs5h.com/news/show-3391.html"
    )
    assert entry.title == "中山五院开展“5·12”国际护士节主题义诊活动"
    assert entry.listed_at == "2025-05-12"
    assert listing.next_pages == ["https://www.zs5h.com/news/list_2.html"]


def test_list_heuristic_farm_keeps_its_own_column():
    listing = FAMILY.parse_list(saved("www.jkzx365.com/yiwokan")[0])
    urls = [link.url for link in listing.articles]
    assert urls[:2] == [
        "http://www.jkzx365.com/yiwokan/2025/1218/58231.html",
        "http://www.jkzx365.com/yiwokan/2025/1218/58230.html",
    ]
    assert len(urls) == 11 and all("/yiwokan/" in url for url in urls)  # not the 热门文章 sidebar
    assert {link.listed_at for link in listing.articles[:2]} == {"2025-12-18"}
    assert listing.next_pages == ["http://www.jkzx365.com/yiwokan/list_12_2.html"]


def test_list_from_selectors():
    page, _ = saved("www.zs5h.com/news-list_1.html")
    listing = FAMILY.parse_list(
        page,
        {
            "list_links": "ul.news-list li",
            "next_page": ".pagination a.next",
            "article_url_pattern": r"show-33[89]\d\.html$",
        },
    )
    assert [link.url.rsplit("/", 1)[1] for link in listing.articles] == [
        "show-3391.html",
        "show-3384.html",
    ]
    assert listing.next_pages == ["https://www.zs5h.com/news/list_2.html"]


def test_extract_from_selectors():
    page, expected = saved(HOSPITAL)
    fields = FAMILY.extract(
        page,
        {
            "title": "h2.title",
            "date": "div.info span",
            "body": "#detailContent",
            "outlet": "span.nothing",
        },
    )
    assert fields.rule == "generic:selectors"
    assert fields.title == expected["title"]
    assert [(c.text, c.origin) for c in fields.date_candidates] == [
        ("发布日期：2025-05-12", "site:selectors:date")
    ]
    assert "\n".join(fields.paragraphs) == expected["body"]
    assert fields.author == "护理部 何嘉欣"
    assert fields.outlet is None


def test_missing_body_selector_falls_back_to_patterns():
    page, expected = saved(HOSPITAL)
    fields = FAMILY.extract(page, {"body": "div.gone"})
    assert fields.rule == "generic:pattern:article-detail"
    assert "\n".join(fields.paragraphs) == expected["body"]
    assert any("div.gone" in note for note in fields.notes)


def test_nothing_plausible_returns_none():
    assert FAMILY.extract(saved("www.zs5h.com/news-list_1.html")[0]) is None
    tiny = html_page(
        "https://h.example.cn/a/1234.html",
        '<html><body><div class="content"><p>短</p></div></body></html>',
    )
    assert FAMILY.extract(tiny) is None


def test_title_from_head_when_no_heading():
    html = (
        "<html><head><title>2024-2025学年表彰大会召开_新闻中心_某某医院</title></head><body>"
        '<div class="content"><p>' + "表彰大会在学术报告厅召开。" * 10 + "</p></div></body></html>"
    )
    fields = FAMILY.extract(html_page("https://h.example.cn/news/123.html", html))
    assert fields.rule == "generic:pattern:content"
    assert fields.title == "2024-2025学年表彰大会召开"
    assert fields.date_candidates == []


def test_labelled_fields():
    assert labelled_fields(
        "来源: 党委宣传部 | 发布时间: 2018-05-17 | 浏览次数:",
        ("来源", "发布时间", "时间", "浏览次数"),
    ) == {
        "来源": "党委宣传部",
        "发布时间": "2018-05-17",
        "浏览次数": "",
    }
    assert labelled_fields("供稿：护理部 何嘉欣 摄影：梁志斌", ("供稿", "摄影", "影")) == {
        "供稿": "护理部 何嘉欣",
        "摄影": "梁志斌",
    }


def test_caption_is_a_short_centred_line_after_an_image():
    blocks = [
        Block("", images=["/a.jpg"], centred=True),
        Block("会议现场", centred=True),
        Block("", images=["/b.jpg"]),
        Block("这是一段居中但很长的正文，" * 5, centred=True),
        Block("正文。"),
    ]
    kept, images = split_images(blocks, "https://h.example.cn/x/1.html")
    assert [(image.src, image.caption) for image in images] == [
        ("https://h.example.cn/a.jpg", "会议现场"),
        ("https://h.example.cn/b.jpg", None),
    ]
    assert [block.text for block in kept] == ["这是一段居中但很长的正文，" * 5, "正文。"]


def test_noise_and_trailer_lines():
    blocks = [
        Block("广告文字", link_chars=4, hrefs=["https://ads.example.com/x"]),
        Block("本院新闻", link_chars=4, hrefs=["/news/1.html"]),
        Block("上一篇：某某新闻"),
        Block("正文。"),
        Block("文：张三 图：李四"),
        Block("责任编辑：王五"),
    ]
    kept, notes = drop_noise(blocks, "https://h.example.cn/news/2.html")
    assert [block.text for block in kept] == [
        "本院新闻",
        "正文。",
        "文：张三 图：李四",
        "责任编辑：王五",
    ]
    assert len(notes) == 2
    body, fields, trailer = split_trailer(kept)
    assert [block.text for block in body] == ["本院新闻", "正文。"]
    assert fields == {"文": "张三", "图": "李四", "责任编辑": "王五"}
    assert trailer == ["文：张三 图：李四", "责任编辑：王五"]
