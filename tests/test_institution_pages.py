"""Article pages of institution sites (hospitals, universities, health commissions): the
headline and not the site's name, split and labelled dates, the body's trailing link lines
cut and a notice's signature kept, re-saved copies read like the original. Every page here
is a short synthetic one written for these tests."""

from __future__ import annotations

from datetime import datetime

import pytest

from monitor.extraction.mainblock import never_headline
from monitor.extraction.sitename import site_names, without_site_name
from monitor.page.fetched import Page
from monitor.page.resaved import saved_from
from monitor.processing import process_page

FETCHED = datetime.fromisoformat("2025-06-01T00:00:00+08:00")
URL = "https://www.hospital.example.cn/news/show-1234.html"
SITE = "某某市第一人民医院"
HEADLINE = "医院召开2025年度工作会议"
TEXT = (
    "<p>3月6日上午，医院在门诊楼三楼会议室召开年度工作会议，全体中层干部参加，院长主持会议。</p>"
    "<p>院长指出，要进一步提升医疗服务质量，加强学科建设和人才培养，推动医院高质量发展。</p>"
    "<p>会议还对下一阶段的重点工作进行了部署，要求各科室认真落实，确保各项任务按期完成。</p>"
)
SIDEBAR = (
    '<div class="right"><h3>热点新闻</h3><ul>'
    '<li><a href="/news/1.html">医院开展义诊活动服务社区群众</a><span>2024-12-30</span></li>'
    '<li><a href="/news/2.html">护理部举办技能竞赛提升护理水平</a><span>2024-12-28</span></li>'
    "</ul></div>"
)
LOGO = f'<div class="top"><h1><a href="/"><img src="/logo.png" alt="{SITE}">{SITE}</a></h1></div>'
FOOTER = f'<div class="bottom">版权所有：{SITE} 地址：某某路1号</div>'


def page(header: str, body: str = TEXT, *, title: str = f"{HEADLINE}-{SITE}", head: str = "",
         side: str = SIDEBAR, body_class: str = "wz", url: str = URL) -> Page:
    html = (
        f"<html><head><title>{title}</title>{head}</head><body>{LOGO}"
        f'<div class="main"><div class="left">{header}<div class="{body_class}">{body}</div>'
        f"</div>{side}</div>{FOOTER}</body></html>"
    )
    return Page(url=url, body=html.encode("utf-8"),
                headers={"Content-Type": "text/html; charset=utf-8"}, fetched_at=FETCHED)


def run(*args, **kwargs):
    return process_page(page(*args, **kwargs), kind="generic")


# ---------------------------------------------------------------- the headline


def test_site_names_come_from_the_logo_and_the_rights_line():
    names = site_names(page("").selector.root)
    assert never_headline(SITE, names) and never_headline(f"{SITE}官网", names)
    assert not never_headline(HEADLINE, names)
    assert without_site_name(f"{SITE}-{HEADLINE}", names) == HEADLINE
    assert without_site_name(f"{HEADLINE}_{SITE}", names) == HEADLINE


@pytest.mark.parametrize("title, head", [
    (f"{SITE}-{HEADLINE}", f'<meta property="og:title" content="{SITE}">'),  # 单位-标题
    (SITE, ""),  # a <title> naming the site only
    (f"{HEADLINE}_{SITE}", f'<meta property="og:title" content="{SITE}">'),
])
def test_the_site_name_is_never_the_headline(title, head):
    article = run(f"<h2>{HEADLINE}</h2><div class=info>发布时间：2025-03-07</div>",
                  title=title, head=head)
    assert article.title == HEADLINE


def test_the_site_name_is_never_the_headline_on_a_template_page():
    # a hospital CMS's div.content with the site's name in the <h1> of its own wrapper
    header = f'<h1><a href="index.html">{SITE}</a></h1><div class="tit">{HEADLINE}</div>'
    article = run(header + "<div class=info>发布日期：2025-03-07</div>", body_class="content",
                  title=SITE)
    assert article.title == HEADLINE


def test_next_article_lines_and_section_headings_are_never_titles():
    assert never_headline("下一篇：医院开展义诊活动") and never_headline("【上一篇】护理部举办竞赛")
    assert never_headline("热点新闻 更多>>") and never_headline("最新动态")
    header = (f'<p class="bt">{HEADLINE}</p><div class=info>日期：2025-03-07</div>'
              '<div class="title">下一篇：医院开展义诊活动服务社区群众</div>')
    assert run(header, title=SITE).title == HEADLINE


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize("header", [
    f'<div class="date"><span>07</span><p>2025-03</p></div><h2>{HEADLINE}</h2>',
    f'<h2>{HEADLINE}</h2><div class="time"><span class="ym">2025.03</span><b>07</b></div>',
])
def test_a_date_split_over_two_elements_is_read_not_a_sidebar_date(header):
    side = SIDEBAR.replace("<span>2024-12-30</span>",
                           '<div class="date"><span>30</span><p>2024-12</p></div>')
    article = run(header, side=side)
    assert article.published_at.isoformat() == "2025-03-07T00:00:00+08:00"
    assert article.published_origin.startswith("site:")


def test_a_split_date_on_a_template_page():
    header = f'<h1>{HEADLINE}</h1><div class="riqi"><em>07</em><i>2025-03</i></div>'
    article = run(header, body_class="content")
    assert article.published_at.isoformat() == "2025-03-07T00:00:00+08:00"


def test_the_pages_own_date_line_wins_over_a_quoted_outlets_date():
    header = (f"<h2>{HEADLINE}</h2><div class=info>来源：健康报 2025-02-20　"
              "发布时间：2025-03-07 10:30　浏览次数：123</div>")
    article = run(header)
    assert article.published_at.isoformat() == "2025-03-07T10:30:00+08:00"


def test_a_time_written_in_chinese_is_kept_with_the_date():
    article = run(f"<h2>{HEADLINE}</h2><div class=info>发布时间：2025年03月07日 10时30分</div>")
    assert article.published_at.isoformat() == "2025-03-07T10:30:00+08:00"


# ---------------------------------------------------------------- the body's ends


TRAILING = (
    "<p>点击阅读原文</p><p>【打印本页】 【关闭窗口】</p><p>返回顶部</p><p>分享到：</p>"
    "<p>附件：会议纪要.pdf（下载次数：12）</p>"
)


@pytest.mark.parametrize("body_class", ["wz", "content"])  # main block, CMS template
def test_trailing_link_lines_and_download_counters_are_cut(body_class):
    article = run(f"<h2>{HEADLINE}</h2><div class=info>发布日期：2025-03-07</div>",
                  body=TEXT + TRAILING, body_class=body_class)
    assert article.body.endswith("确保各项任务按期完成。")
    for furniture in ("阅读原文", "打印", "关闭", "返回", "下载次数", "会议纪要.pdf"):
        assert furniture not in article.body


@pytest.mark.parametrize("body_class", ["wz", "content"])
def test_a_notices_salutation_and_signature_are_kept(body_class):
    notice = "关于开展2025年度安全生产检查的通知"
    body = ("<p>各科室：</p>" + TEXT + '<p style="text-align:right">医院办公室</p>'
            '<p style="text-align:right">2025年3月7日</p>' + TRAILING)
    article = run(f"<h2>{notice}</h2><div class=info>发布日期：2025-03-07</div>", body=body,
                  title=f"{notice}-{SITE}", body_class=body_class)
    lines = article.body.split("\n")
    assert lines[0] == "各科室："
    assert lines[-2:] == ["医院办公室", "2025年3月7日"]


# ---------------------------------------------------------------- re-saved copies


ORIGINAL_BODY = TEXT + (
    '<p><a href="https://ads.example.com/buy">点此购买保健品立享优惠活动名额有限</a></p>'
    '<p><img src="/upload/2025/photo.jpg"></p>'
)


def _resaved(html: str) -> str:
    """What Teleport Pro, a browser and the Wayback Machine do to a page."""
    html = html.replace('href="https://ads.example.com/buy"',
                        'href="../ads/buy.htm" tppabs="https://ads.example.com/buy"')
    html = html.replace('src="/upload/2025/photo.jpg"',
                        'src="photo.jpg" tppabs="https://www.hospital.example.cn/upload/2025/photo.jpg"')
    html = html.replace('href="/news/1.html"', 'href="/web/20250307101010/https://www.hospital.'
                        'example.cn/news/1.html"')
    html = html.replace("<head>", '<head><base href="https://www.hospital.example.cn/news/">')
    html = html.replace(
        "<body>", '<body><div id="wm-ipp-base"><div>2025年3月8日 抓取 07 Mar 2025</div></div>'
                  '<div class="saved-wrapper"><div>')
    html = html.replace("</body>", "</div></div></body>")
    return f"<!-- saved from url=(0052){URL} -->\n" + html


def test_a_resaved_copy_reads_like_the_original():
    original = page(f"<h2>{HEADLINE}</h2><div class=info>发布时间：2025-03-07 10:30</div>",
                    body=ORIGINAL_BODY)
    copy = Page(url="http://localhost:8000/mirror/show-1234.html",
                body=_resaved(original.body.decode("utf-8")).encode("utf-8"),
                headers=original.headers, fetched_at=FETCHED)
    first, second = process_page(original, kind="generic"), process_page(copy, kind="generic")
    assert (second.title, second.published_at, second.body) == \
        (first.title, first.published_at, first.body)
    assert "保健品" not in second.body  # the ad's link still leads to another site
    assert [image.src for image in second.images] == [image.src for image in first.images]
    assert second.canonical_url == URL
    assert saved_from(copy.text) == URL
