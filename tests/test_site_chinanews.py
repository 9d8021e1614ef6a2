"""China News family: the saved pages under seeds/site/www.chinanews.com{,.cn}/."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from monitor.extraction.chinanews import (
    FAMILY,
    canonical_article_url,
    reporters,
    url_date,
)
from monitor.page.fetched import Page
from monitor.page.saved import SavedPage, iter_pages
from monitor.processing import process_page

SITE = Path(__file__).resolve().parents[1] / "seeds" / "site"
HOSTS = ("www.chinanews.com.cn", "www.chinanews.com")
CN = "https://www.chinanews.com.cn"


def _saved() -> list[SavedPage]:
    return [page for host in HOSTS for page in iter_pages(SITE / host)]


def _page(url: str) -> Page:
    for saved in _saved():
        if saved.url == url:
            return Page.from_saved(saved)
    raise LookupError(url)


ARTICLES = [saved for saved in _saved() if saved.expected is not None]


def test_saved_articles_present():
    assert sorted(saved.url for saved in ARTICLES) == [
        "https://www.chinanews.com.cn/gn/2025/05-04/10410087.shtml",
        "https://www.chinanews.com.cn/gn/2025/05-06/10411236.shtml",
        "https://www.chinanews.com.cn/jk/2025/05-08/10412518.shtml",
        "https://www.chinanews.com.cn/sh/2025/05-09/10413002.shtml",
        "https://www.chinanews.com/sh/2020/07-04/9229876.shtml",
    ]


@pytest.mark.parametrize("saved", ARTICLES, ids=lambda saved: saved.url.split("//")[1])
def test_article_matches_expected(saved: SavedPage):
    expected = saved.expected
    page = Page.from_saved(saved)
    assert FAMILY.claims(page.url)
    assert expected["site"] == FAMILY.name
    fields = FAMILY.extract(page)
    assert fields is not None
    body = "\n".join(fields.paragraphs)
    assert fields.title == expected["title"]
    assert fields.outlet == expected["outlet"]
    assert fields.author == expected["author"]
    assert fields.canonical_url == expected["canonical_url"]
    assert body == expected["body"]
    for snippet in expected["must_contain"]:
        assert snippet in body, snippet
    for snippet in expected["must_not_contain"]:
        assert snippet not in body, snippet
    # the displayed date line comes first, whole: monitor.article.dates reads the time from it
    published = datetime.fromisoformat(expected["published_at"])
    assert fields.date_candidates[0].text.startswith(published.strftime("%Y年%m月%d日 %H:%M"))
    assert fields.date_candidates[0].origin.startswith("site:")
    assert any(note.startswith("editor: ") for note in fields.notes)


def test_2020_page_is_gbk_declared_gb2312():
    saved = next(s for s in ARTICLES if s.url.startswith("https://www.chinanews.com/"))
    assert "gb2312" in saved.header("Content-Type")
    assert b'charset=gb2312"' in saved.body[:600]
    with pytest.raises(UnicodeDecodeError):
        saved.body.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):  # 喆 is GBK, not GB2312
        saved.body.decode("gb2312")
    page = Page.from_saved(saved)
    assert page.encoding == "gb18030"
    assert "王晓喆" in page.text


def test_2020_template_fields():
    fields = FAMILY.extract(_page("https://www.chinanews.com/sh/2020/07-04/9229876.shtml"))
    assert fields.rule == "chinanews:2020"
    assert [(c.text, c.origin) for c in fields.date_candidates] == [
        ("2020年07月04日 12:10 来源： 求是网", "site:div.left-t"),
        ("2020-07-04 12:10:24", "meta:pubtime_baidu"),
    ]  # no dateline on this repost; the CMS comment's 12:29:22 is never a candidate
    assert fields.author == "王晓喆"  # from #author_baidu
    assert fields.notes == ["editor: 王琴"]
    assert [(i.src, i.caption) for i in fields.images] == [
        (
            "https://i2.chinanews.com/simg/cmshd/2020/07/04/b1e6c2d07f3a4e2f9c6f0c0c3b8a2d51.jpg",
            "图为西吉县一处扶贫车间内，村民正在加工服装。(资料图)",
        )
    ]


def test_2022_template_fields_seed_003():
    fields = FAMILY.extract(_page(f"{CN}/gn/2025/05-04/10410087.shtml"))
    assert fields.rule == "chinanews:2022+"
    assert [(c.text, c.origin) for c in fields.date_candidates] == [
        ("2025年05月04日 14:29 来源：中国新闻网 分享到：", "site:div.content_left_time"),
    ]  # the dateline of the first paragraph is a candidate added by monitor.extraction.chain
    assert fields.paragraphs[0].startswith("中新网乌鲁木齐5月4日电 (戚亚平 林国强)各科室")
    assert fields.notes == ["editor: 刘欢"]
    assert len(fields.images) == 1
    assert fields.images[0].caption == "援疆专家结合具体病例开展现场教学。(资料图) 第一师医院供图"
    assert fields.images[0].src.startswith("https://i2.chinanews.com.cn/simg/")


def test_extract_and_detect_other_pages():
    list_page = _page(f"{CN}/scroll-news/news1.html")
    assert FAMILY.extract(list_page) is None
    assert not FAMILY.detect(list_page)
    other = Page(url="https://example.org/a.html", body=b"<html><title>x</title><h1>x</h1></html>")
    assert not FAMILY.detect(other)
    assert FAMILY.extract(other) is None
    moved = Page(  # an article saved under another host is still recognised by its markup
        url="https://mirror.example.org/a.html",
        body=_page(f"{CN}/gn/2025/05-04/10410087.shtml").body,
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    assert not FAMILY.claims(moved.url)
    assert FAMILY.detect(moved)


def test_body_noise_in_paragraph_form():
    html = """<html><body><h1 class="content_left_title">标题</h1>
    <div class="content_left_time">2025年05月04日 14:29　来源：<a href="#">新疆日报</a>
    　参与互动</div>
    <div class="left_zw"><p>　　中新社北京5月6日电(记者张三 通讯员 李四)正文第一段。</p>
    <p>第二段<img src="/a.jpg" alt="示意图">继续。</p><table><tr><td>数据</td></tr></table>
    <p>【编辑:赵六】</p></div></body></html>"""
    page = Page(url=f"{CN}/gn/2025/05-06/1.shtml", body=html.encode(), headers={})
    fields = FAMILY.extract(page)
    assert fields.paragraphs == [
        "中新社北京5月6日电(记者张三 通讯员 李四)正文第一段。",
        "第二段继续。",
    ]
    assert fields.outlet == "新疆日报"
    assert fields.author == "张三 李四"
    assert fields.notes == ["editor: 赵六"]
    assert [(i.src, i.caption) for i in fields.images] == [(f"{CN}/a.jpg", "示意图")]
    assert [c.origin for c in fields.date_candidates] == ["site:div.content_left_time"]


def test_any_displayed_time_form_reaches_the_dates_module():
    """The date line is passed whole: a form other than YYYY年MM月DD日 HH:MM is not lost."""
    html = """<html><head><title>标题 -中新网</title></head><body>
    <h1 class="content_left_title">标题</h1>
    <div class="content_left_time">2025-05-06 09:12　来源：中国新闻网</div>
    <div class="left_zw"><p>中新网北京5月6日电 正文第一段，说明了事情。</p></div></body></html>"""
    page = Page(url=f"{CN}/gn/2025/05-06/2.shtml", body=html.encode(), headers={},
                fetched_at=datetime.fromisoformat("2025-05-07T00:00:00+08:00"))
    article = process_page(page, kind="chinanews")
    assert article.published_at.isoformat() == "2025-05-06T09:12:00+08:00"
    assert article.published_origin == "site:div.content_left_time"


@pytest.mark.parametrize(
    ("who", "names"),
    [
        ("戚亚平 林国强", "戚亚平 林国强"),
        ("记者 苏丽娜", "苏丽娜"),
        ("记者 黄艳梅 通讯员 林晓", "黄艳梅 林晓"),
        ("记者张三", "张三"),
        ("记者", None),
    ],
)
def test_reporters(who, names):
    assert reporters(who) == names


@pytest.mark.parametrize(
    "url",
    [
        "https://www.chinanews.com/sh/2020/07-04/9229876.shtml",
        "http://www.chinanews.com.cn/sh/2020/07-04/9229876.shtml",
        "//www.chinanews.com.cn/sh/2020/07-04/9229876.shtml",
        "https://chinanews.com/sh/2020/07-04/9229876.shtml?from=timeline#comment",
        "HTTPS://WWW.CHINANEWS.COM/sh/2020/07-04/9229876.shtml",
    ],
)
def test_canonical_article_url_forms(url):
    assert canonical_article_url(url) == f"{CN}/sh/2020/07-04/9229876.shtml"
    assert FAMILY.is_article_url(url)
    assert FAMILY.claims(url)
    assert url_date(url) == (2020, 7, 4)


def test_canonical_leaves_other_sites_alone():
    url = "https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html?x=1"
    assert canonical_article_url(url) == url
    assert not FAMILY.claims(url)
    assert not FAMILY.is_article_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "//www.chinanews.com.cn/shipin/2025/05-04/news1012345.shtml",  # video
        "//www.chinanews.com.cn/tp/hd2011/2025/05-04/1123456.shtml",  # photo gallery
        f"{CN}/scroll-news/news1.html",
        f"{CN}/scroll-news/2025/0504/news.shtml",
        f"{CN}/health.shtml",
        "https://www.chinanews.com.cn.example.org/gn/2025/05-04/10410087.shtml",
    ],
)
def test_non_article_urls(url):
    assert not FAMILY.is_article_url(url)


def test_url_date():
    assert url_date(f"{CN}/gn/2025/05-04/10410087.shtml") == (2025, 5, 4)
    assert url_date("http://www.chinanews.com/gn/news/2010/03-05/2153421.shtml") == (2010, 3, 5)
    assert url_date(f"{CN}/scroll-news/2025/0504/news.shtml") == (2025, 5, 4)
    assert url_date(f"{CN}/scroll-news/news1.html") is None


def test_scroll_list_page_1():
    listing = FAMILY.parse_list(_page(f"{CN}/scroll-news/news1.html"))
    assert [(a.url, a.listed_at) for a in listing.articles] == [
        (f"{CN}/sh/2025/05-09/10413002.shtml", "5-9 15:12"),
        (f"{CN}/jk/2025/05-08/10412518.shtml", "5-8 16:02"),
        (f"{CN}/gn/2025/05-06/10411236.shtml", "5-6 11:25"),
        (f"{CN}/gn/2025/05-04/10410087.shtml", "5-4 14:29"),
    ]  # the video and the photo gallery are dropped
    assert listing.articles[3].title == "浙江大学“组团式”医疗援疆见成效:50余项技术填补当地空白"
    assert listing.next_pages == [f"{CN}/scroll-news/news{n}.html" for n in range(2, 11)]


def test_scroll_list_page_2_links_the_com_page_in_its_com_cn_form():
    listing = FAMILY.parse_list(_page(f"{CN}/scroll-news/news2.html"))
    assert [(a.url, a.listed_at) for a in listing.articles] == [
        (f"{CN}/sh/2020/07-04/9229876.shtml", "7-4 12:10"),
    ]
    # the saved page is on the .com host: same canonical URL
    assert canonical_article_url("https://www.chinanews.com/sh/2020/07-04/9229876.shtml") == (
        listing.articles[0].url
    )
    assert listing.next_pages == [f"{CN}/scroll-news/news{n}.html" for n in range(3, 11)]


def test_daily_archive():
    listing = FAMILY.parse_list(_page(f"{CN}/scroll-news/2025/0504/news.shtml"))
    assert [(a.url, a.listed_at) for a in listing.articles] == [
        (f"{CN}/gn/2025/05-04/10410087.shtml", "5-4 14:29")
    ]
    assert listing.next_pages == []


def test_channel_page_main_column_only():
    listing = FAMILY.parse_list(_page(f"{CN}/health.shtml"))
    assert [(a.url, a.listed_at) for a in listing.articles] == [
        (f"{CN}/gn/2025/05-04/10410087.shtml", "2025-05-04 14:29"),  # focus + list merged
        (f"{CN}/jk/2025/05-08/10412518.shtml", "2025-05-08 16:02"),
    ]  # the 健康排行 sidebar and the video are not taken
    assert listing.next_pages == []


def test_list_selectors_from_config():
    page = _page(f"{CN}/health.shtml")
    listing = FAMILY.parse_list(page, {"list_links": "ol.rank_list a"})
    assert [a.url for a in listing.articles][:2] == [
        f"{CN}/jk/2025/05-07/10411980.shtml",
        f"{CN}/jk/2025/05-06/10411402.shtml",
    ]
    assert all(a.listed_at is None for a in listing.articles)


def test_every_listed_article_is_saved():
    """A crawl of the saved web must not hit a dead article link."""
    saved = {canonical_article_url(s.url) for s in ARTICLES}
    lists = [s for s in _saved() if s.expected is None]
    assert len(lists) == 4
    for page in lists:
        for link in FAMILY.parse_list(Page.from_saved(page)).articles:
            assert link.url in saved, (page.url, link.url)
