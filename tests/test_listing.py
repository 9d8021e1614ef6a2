"""List detection by page structure (monitor.extraction.listing) on short synthetic pages, one per
CMS shape, each inside the chrome institution sites put around their lists (a header menu,
a column menu, a breadcrumb, side lists, a footer of links); then the real list pages of
../shared/reallists against the targets of issue 20 (skipped when absent)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bench import lists as bench
from monitor.article.dates import find_listed_time, parse_date
from monitor.extraction.generic import FAMILY as GENERIC
from monitor.extraction.listing import find_list, find_next_pages, url_shape
from monitor.extraction.registry import family_for_kind
from monitor.page.fetched import Page

TZ = ZoneInfo("Asia/Shanghai")

TITLES = [
    "学校召开2024年党风廉政建设工作会议",
    "附属医院专家团队赴对口支援医院开展义诊活动",
    "我校与省卫生健康委员会签署合作框架协议",
    "第二十届研究生学术论坛开幕式隆重举行",
    "医学院举办新时代医学教育改革研讨会",
    "护理学院师生志愿服务队走进社区开展健康宣教",
    "校领导带队走访慰问援疆援藏医疗队员家属",
    "公共卫生学院获批省级重点实验室建设项目",
]

COLUMNS = ["学校概况", "机构设置", "师资队伍", "人才培养", "科学研究", "医疗服务",
           "合作交流", "招生就业", "校园文化", "信息公开", "图书馆", "校友之家"]


def chrome(main: str, *, side: str = "", title: str = "学校要闻-某某医科大学",
           menu_href: str = "/{n}/index.htm") -> str:
    """A page around ``main``: header menu, column menu, breadcrumb, ``side``, footer."""
    menu = "".join(f'<li><a href="{menu_href.format(n=f"lm{n}")}">{name}</a>'
                   f'<ul class="sub"><li><a href="/lm{n}/a.htm">{name}简介</a></li>'
                   f'<li><a href="/lm{n}/b.htm">{name}动态</a></li></ul></li>'
                   for n, name in enumerate(COLUMNS))
    left = "".join(f'<li><a href="/xwzx/c{n}.htm">{name}</a></li>'
                   for n, name in enumerate(["学校要闻", "综合新闻", "媒体报道", "通知公告"]))
    links = "".join(f'<a href="http://www.site{n}.gov.cn/">{name}</a>'
                    for n, name in enumerate(["教育部", "国家卫生健康委员会", "省教育厅",
                                              "省卫生健康委员会", "中国医师协会"]))
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="header"><a href="/"><img src="/logo.png" alt="某某医科大学"></a>
<form action="/search.jsp"><input name="q"></form></div>
<div class="nav"><ul class="menu">{menu}</ul></div>
<div class="container"><div class="left-col"><h2>新闻中心</h2><ul class="col-list">{left}</ul>
{side}</div>
<div class="right-col"><div class="position">当前位置：<a href="/">首页</a> &gt;
<a href="/xwzx.htm">新闻中心</a> &gt; 学校要闻</div>
{main}
</div></div>
<div class="footer"><div class="links">友情链接：{links}</div>
<p>版权所有 © 某某医科大学 <a href="https://beian.miit.gov.cn/">蜀ICP备05001234号</a></p></div>
</body></html>"""


def listing_of(html: str, url: str):
    page = Page(url=url, body=html.encode(), headers={"Content-Type": "text/html; charset=utf-8"})
    return find_list(page.selector.root, page.url)


def urls(listing) -> list[str]:
    return [item.url for item in listing.items]


# ---------------------------------------------------------------- CMS shapes


def test_vsb_ul_li_with_span_dates_and_reverse_numbered_pages():
    rows = "".join(
        f'<li id="line_u8_{n}"><a href="../info/1021/{8812 - n}.htm" target="_blank" '
        f'title="{title}">{title}</a><span>2024-05-{13 - n:02d}</span></li>'
        for n, title in enumerate(TITLES))
    main = f"""<div class="list"><ul>{rows}</ul>
    <div class="pb_sys_common pb_sys_normal pb_sys_style1"><span class="p_pages">
    <span class="p_first_d p_fun_d">首页</span><span class="p_prev_d p_fun_d">上页</span>
    <span class="p_no_d">1</span><span class="p_no"><a href="xxyw/311.htm">2</a></span>
    <span class="p_no"><a href="xxyw/310.htm">3</a></span>
    <span class="p_next p_fun"><a href="xxyw/311.htm">下页</a></span>
    <span class="p_last p_fun"><a href="xxyw/1.htm">尾页</a></span></span></div></div>"""
    url = "https://www.example.edu.cn/xwzx/xxyw.htm"
    listing = listing_of(chrome(main), url)
    assert urls(listing) == [f"https://www.example.edu.cn/info/1021/{8812 - n}.htm"
                             for n in range(len(TITLES))]
    assert [item.title for item in listing.items] == TITLES
    assert [item.listed_at for item in listing.items] == [
        f"2024-05-{13 - n:02d}" for n in range(len(TITLES))]
    assert listing.next_pages[0] == "https://www.example.edu.cn/xwzx/xxyw/311.htm"


def test_vsb_page_buttons_without_text_follow_the_reverse_numbering():
    """Image buttons: no 下页 text, no numbers; page 2 is the highest-numbered page."""
    rows = "".join(f'<li><a href="../info/1021/{900 + n}.htm">{title}</a>'
                   f'<span>2024-04-{n + 1:02d}</span></li>' for n, title in enumerate(TITLES))
    pager = ('<div class="pager"><a href="xxyw/56.htm"><img src="/next.gif"></a>'
             '<a href="xxyw/1.htm"><img src="/last.gif"></a></div>')
    url = "https://www.example.edu.cn/xwzx/xxyw.htm"
    listing = listing_of(chrome(f'<ul class="news">{rows}</ul>{pager}'), url)
    assert listing.next_pages[0] == "https://www.example.edu.cn/xwzx/xxyw/56.htm"
    second = listing_of(chrome(f'<ul class="news">{rows}</ul>'
                               '<div class="pager"><a href="55.htm"><img src="/n.gif"></a>'
                               '<a href="1.htm"><img src="/l.gif"></a></div>'),
                        "https://www.example.edu.cn/xwzx/xxyw/56.htm")
    assert second.next_pages[0] == "https://www.example.edu.cn/xwzx/xxyw/55.htm"


def test_table_rows_with_a_date_cell_and_a_heading_row():
    rows = "".join(
        f'<tr id="line_u5_{n}"><td width="80%"><a class="c44412" href="../info/1021/{500 + n}.htm"'
        f' title="{title}">{title[:12]}…</a></td>'
        f'<td><span class="timestyle44412">2024/03/{n + 2:02d}</span></td></tr>'
        for n, title in enumerate(TITLES))
    main = (f'<table class="winstyle44412"><tr><th>标题</th><th>发布日期</th></tr>{rows}</table>'
            '<div class="page"><a href="xxyw/88.htm">下一页</a></div>')
    listing = listing_of(chrome(main), "https://www.example.edu.cn/xwzx/xxyw.htm")
    assert len(listing.items) == len(TITLES)
    assert listing.items[0].title == TITLES[0][:12] + "…"  # the visible text
    assert [item.listed_at for item in listing.items][:2] == ["2024/03/02", "2024/03/03"]
    assert listing.next_pages == ["https://www.example.edu.cn/xwzx/xxyw/88.htm"]


def test_webplus_hex_paths_and_its_pager_beside_a_hot_sidebar():
    """WebPlus articles at /<hex>/<hex>/c<column>a<id>/page.htm: no extension-and-id rule
    finds them; the structure does. The 热点新闻 side list has the same URL shape."""
    rows = "".join(
        f'<li class="news n{n + 1} clearfix"><span class="news_title"><a href="/2f/3a/'
        f'c1234a{567890 + n}/page.htm" target="_blank" title="{title}">{title}</a></span>'
        f'<span class="news_meta">2024-05-{20 - n:02d}</span></li>'
        for n, title in enumerate(TITLES))
    hot = "".join(
        f'<li class="news n{n + 1}"><span class="news_title"><a href="/1a/2b/c999a{10 + n}'
        f'/page.htm">{title}（热点）</a></span><span class="news_meta">2024-01-0{n + 1}</span></li>'
        for n, title in enumerate(TITLES[:5]))
    side = f'<div class="post post3"><div class="tt"><h3>热点新闻</h3></div><div class="con">' \
           f'<ul class="news_list list2">{hot}</ul></div></div>'
    main = f"""<div id="wp_news_w6"><ul class="news_list list2">{rows}</ul></div>
    <div id="wp_paging_w6"><ul class="wp_paging clearfix"><li class="pages_count">
    <span class="per_page">每页&nbsp;<em class="per_count">8</em>&nbsp;记录&nbsp;</span></li>
    <li class="page_nav"><a class="first" href="javascript:void(0);">第一页</a>
    <a class="prev" href="javascript:void(0);"><span>&lt;&lt;上一页</span></a>
    <a class="next" href="/1234/list2.htm" target="_self"><span>下一页&gt;&gt;</span></a>
    <a class="last" href="/1234/list17.htm" target="_self"><span>尾页</span></a></li></ul></div>"""
    listing = listing_of(chrome(main, side=side), "https://www.example.edu.cn/1234/list.htm")
    assert urls(listing) == [f"https://www.example.edu.cn/2f/3a/c1234a{567890 + n}/page.htm"
                             for n in range(len(TITLES))]
    assert listing.items[-1].listed_at == "2024-05-13"
    assert listing.next_pages == ["https://www.example.edu.cn/1234/list2.htm"]
    assert url_shape("https://www.example.edu.cn/2f/3a/c1234a567890/page.htm") == 1


def test_cards_with_the_day_apart_from_the_year_and_month():
    """A card per item: image, heading, summary and a date split over two elements, all
    inside the link; the heading is the title, the split date is read whole."""
    cards = "".join(
        f'<li><a href="/news/2024/{1000 + n}.html"><div class="pic"><img src="/p{n}.jpg"></div>'
        f'<div class="date"><span class="day">{n + 10}</span><span class="ym">2024-06</span></div>'
        f'<div class="txt"><h3>{title}</h3><p>{title}。本网讯近日，相关工作有序推进。</p>'
        f'</div></a></li>' for n, title in enumerate(TITLES[:6]))
    listing = listing_of(chrome(f'<ul class="news-card clearfix">{cards}</ul>'),
                         "https://www.example-hospital.cn/news/")
    assert [item.title for item in listing.items] == TITLES[:6]
    assert [item.listed_at for item in listing.items][:2] == ["2024-06-10", "2024-06-11"]
    assert find_listed_time("10 2024-06") == "2024-06-10"
    assert find_listed_time("2024.06 10") == "2024-06-10"
    assert find_listed_time("2024-06 10:30") is None  # a clock, not a day


def test_trs_wcm_government_list_and_its_script_pager():
    rows = "".join(
        f'<li><a href="./202405/t202405{20 - n:02d}_{4567890 + n}.html" target="_blank" '
        f'title="{title}">{title}</a><span>2024-05-{20 - n:02d}</span></li>'
        for n, title in enumerate(TITLES))
    main = f"""<div class="xxgk-list"><ul class="list">{rows}</ul>
    <div class="page"><script>var currentPage = 0;var countPage = 12;
    createPageHTML(countPage, currentPage, "index", "html");</script></div></div>"""
    listing = listing_of(chrome(main, title="工作动态_某省卫生健康委员会"),
                         "http://wsjkw.example.gov.cn/xwdt/gzdt/index.html")
    assert urls(listing)[0] == (
        "http://wsjkw.example.gov.cn/xwdt/gzdt/202405/t20240520_4567890.html")
    assert len(listing.items) == len(TITLES)
    assert listing.next_pages == ["http://wsjkw.example.gov.cn/xwdt/gzdt/index_1.html"]
    third = listing_of(chrome(main.replace("currentPage = 0", "currentPage = 2")),
                       "http://wsjkw.example.gov.cn/xwdt/gzdt/index_2.html")
    assert third.next_pages == ["http://wsjkw.example.gov.cn/xwdt/gzdt/index_3.html"]
    last = listing_of(chrome(main.replace("currentPage = 0", "currentPage = 11")),
                      "http://wsjkw.example.gov.cn/xwdt/gzdt/index_11.html")
    assert last.next_pages == []


def test_hanweb_records_kept_in_a_script_datastore():
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/2024/5/{20 - n}/art_1234_{56789 + n}.html" '
        f'title="{title}" target="_blank">{title}</a><span>2024-05-{20 - n:02d}</span></li>]]>'
        f'</record>' for n, title in enumerate(TITLES))
    main = (f'<div id="3456"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href='
            f'"/module/web/jpage/dataproxy.jsp?page=1&webid=1&path=/&columnid=1234"></a>]]>'
            f'</nextgroup><recordset>{records}</recordset></datastore></script></div>')
    listing = listing_of(chrome(main), "http://www.example.gov.cn/col/col1234/index.html")
    assert urls(listing)[0] == "http://www.example.gov.cn/art/2024/5/20/art_1234_56789.html"
    assert [item.listed_at for item in listing.items][-1] == "2024-05-13"
    assert len(listing.items) == len(TITLES)


def test_dedecms_list_with_labelled_date_and_summary_beside_a_hot_box():
    rows = "".join(
        f'<li><a href="/a/xinwen/2024/05{20 - n:02d}/{300 + n}.html" class="title">{title}</a>'
        f'<span class="info"><small>日期：</small>2024-05-{20 - n:02d} 10:2{n}:11'
        f'<small>点击：</small>{120 + n}<small>好评：</small>0</span>'
        f'<p class="intro">{title}。5月12日上午，活动在学校报告厅举行，各部门负责人参加……</p></li>'
        for n, title in enumerate(TITLES))
    hot = "".join(f'<li><a href="/a/xinwen/2023/1201/{200 + n}.html">{title}（专题）</a></li>'
                  for n, title in enumerate(TITLES[:7]))
    side = (f'<div class="hot mt1"><dl class="tbox"><dt><strong>热门文章</strong></dt>'
            f'<dd><ul class="c1 ico2">{hot}</ul></dd></dl></div>')
    pager = """<div class="dede_pages"><ul class="pagelist">
      <li><span class="pageinfo">共 <strong>12</strong>页<strong>230</strong>条</span></li>
      <li class="thisclass">1</li><li><a href='list_5_2.html'>2</a></li>
      <li><a href='list_5_3.html'>3</a></li><li><a href='list_5_2.html'>下一页</a></li>
      <li><a href='list_5_12.html'>末页</a></li></ul></div>"""
    listing = listing_of(chrome(f'<div class="listbox"><ul class="e2">{rows}</ul></div>{pager}',
                                side=side), "http://www.example-yy.com/a/xinwen/")
    assert len(listing.items) == len(TITLES)
    assert all("/2023/" not in url for url in urls(listing))
    assert listing.items[0].listed_at == "2024-05-20 10:20:11"
    assert listing.next_pages == ["http://www.example-yy.com/a/xinwen/list_5_2.html"]


def test_phpcms_query_ids_and_category_tags_beside_the_headline():
    base = "http://www.example.org.cn/index.php?m=content&c=index"
    rows = "".join(
        f'<li><span class="rt">2024-05-{20 - n:02d}</span>·<a href="{base}&a=lists&catid=9">'
        f'[院务]</a> <a href="{base}&amp;a=show&amp;catid=12&amp;id={345 + n}" '
        f'target="_blank">{title}</a></li>' for n, title in enumerate(TITLES))
    pager = (f'<div id="pages" class="text-c"><a class="a1">230条</a> '
             f'<a href="{base}&amp;a=lists&amp;catid=12&amp;page=0" class="a1">上一页</a> '
             f'<span>1</span> <a href="{base}&amp;a=lists&amp;catid=12&amp;page=2">2</a> '
             f'<a href="{base}&amp;a=lists&amp;catid=12&amp;page=2" class="a1">下一页</a></div>')
    listing = listing_of(chrome(f'<ul class="list lh24 f14">{rows}</ul>{pager}'),
                         f"{base}&a=lists&catid=12")
    assert urls(listing) == [f"{base}&a=show&catid=12&id={345 + n}" for n in range(len(TITLES))]
    assert listing.items[1].listed_at == "2024-05-19"
    assert listing.next_pages == [f"{base}&a=lists&catid=12&page=2"]


def test_empire_cms_div_items_and_numbered_pager():
    items = "".join(
        f'<div class="item"><h3><a href="/news/hospital/2024-05-{20 - n:02d}/{1234 + n}.html">'
        f'{title}</a></h3><p>{title}，相关负责人介绍了具体情况。</p><span class="time">'
        f'{n + 1}小时前</span></div>' for n, title in enumerate(TITLES))
    pager = ('<div class="list_page"><b>1</b>&nbsp;<a href="/news/hospital/index_2.html">2</a>'
             '&nbsp;<a href="/news/hospital/index_3.html">3</a>&nbsp;'
             '<a href="/news/hospital/index_9.html">尾页</a></div>')
    listing = listing_of(chrome(f'<div class="news-list">{items}</div>{pager}'),
                         "https://www.example-yy.cn/news/hospital/")
    assert len(listing.items) == len(TITLES)
    assert listing.items[2].listed_at == "3小时前"
    fetched = datetime(2024, 5, 20, 12, 0, tzinfo=TZ)
    assert parse_date(listing.items[2].listed_at, fetched_at=fetched) == datetime(
        2024, 5, 20, 9, 0, tzinfo=TZ)
    assert listing.next_pages == ["https://www.example-yy.cn/news/hospital/index_2.html"]


def test_wordpress_posts_with_time_links_and_a_recent_posts_widget():
    posts = "".join(
        f'<article id="post-{123 + n}" class="post-{123 + n} post type-post hentry">'
        f'<header class="entry-header"><h2 class="entry-title"><a href="https://blog.example.cn/'
        f'2024/05/{20 - n:02d}/post-{n}/" rel="bookmark">{title}</a></h2><div class="entry-meta">'
        f'<span class="posted-on"><a href="https://blog.example.cn/2024/05/{20 - n:02d}/post-{n}/"'
        f' rel="bookmark"><time class="entry-date published" datetime="2024-05-{20 - n:02d}T09:00">'
        f'2024年5月{20 - n}日</time></a></span><span class="byline"><a class="url fn n" '
        f'href="https://blog.example.cn/author/admin/">admin</a></span></div></header>'
        f'<div class="entry-summary"><p>{title}。更多内容请点击阅读。</p></div><footer '
        f'class="entry-footer"><span class="cat-links"><a href="https://blog.example.cn/category/'
        f'news/" rel="category tag">新闻</a></span></footer></article>'
        for n, title in enumerate(TITLES[:5]))
    recent = "".join(f'<li><a href="https://blog.example.cn/2023/12/0{n + 1}/old-{n}/">{title}'
                     f'</a></li>' for n, title in enumerate(TITLES))
    html = f"""<html><head><title>新闻 – 某某医院</title></head><body>
    <header id="masthead" class="site-header"><nav class="main-navigation"><ul>
    {''.join(f'<li><a href="https://blog.example.cn/{n}/">{name}</a></li>'
             for n, name in enumerate(COLUMNS))}</ul></nav></header>
    <main id="main" class="site-main">{posts}
    <nav class="navigation pagination"><div class="nav-links">
    <span aria-current="page" class="page-numbers current">1</span>
    <a class="page-numbers" href="https://blog.example.cn/category/news/page/2/">2</a>
    <a class="next page-numbers" href="https://blog.example.cn/category/news/page/2/">下一页 »</a>
    </div></nav></main>
    <aside id="secondary" class="widget-area"><section class="widget widget_recent_entries">
    <h2 class="widget-title">近期文章</h2><ul>{recent}</ul></section></aside></body></html>"""
    listing = listing_of(html, "https://blog.example.cn/category/news/")
    assert urls(listing) == [f"https://blog.example.cn/2024/05/{20 - n:02d}/post-{n}/"
                             for n in range(5)]
    assert listing.items[0].listed_at == "2024年5月20日"
    assert listing.next_pages == ["https://blog.example.cn/category/news/page/2/"]


def test_dl_pairs_read_the_date_after_the_title():
    pairs = "".join(f'<dt><a href="/news/show-{3391 - n}.html">{title}</a></dt>'
                    f'<dd>[05-{20 - n:02d}]</dd>' for n, title in enumerate(TITLES))
    listing = listing_of(chrome(f'<dl class="news">{pairs}</dl>'),
                         "https://www.example5h.com/news/list_1.html")
    assert len(listing.items) == len(TITLES)
    assert [item.listed_at for item in listing.items][:2] == ["05-20", "05-19"]


def test_a_big_menu_and_a_ranking_sidebar_lose_to_a_short_list():
    """Six items against a menu of 36 column links and a dated 点击排行 box of ten."""
    rows = "".join(f'<li><a href="/info/1142/{23456 + n}.htm">{title}</a><em>2024-05-0{n + 1}</em>'
                   f'</li>' for n, title in enumerate(TITLES[:6]))
    ranking = "".join(f'<li><a href="/info/1142/{20000 + n}.htm">{title}（回顾）</a>'
                      f'<em>2023-11-{n + 10}</em></li>'
                      for n, title in enumerate(TITLES + TITLES[:2]))
    side = f'<div class="box"><div class="box-title">点击排行</div><ul class="box-list">' \
           f'{ranking}</ul></div>'
    listing = listing_of(chrome(f'<ul class="box-list">{rows}</ul>', side=side,
                                menu_href="/{n}/list.htm"),
                         "https://www.example.edu.cn/tzgg/gzdt.htm")
    assert urls(listing) == [f"https://www.example.edu.cn/info/1142/{23456 + n}.htm"
                             for n in range(6)]


def test_the_dated_block_is_the_list_not_a_block_of_features():
    """Two blocks of six article links side by side: the one that shows dates is the
    column's list, the other a block of features."""
    dated = "".join(f'<li><a href="/info/1142/{23456 + n}.htm">{title}</a>'
                    f'<span>2024-05-0{n + 1}</span></li>' for n, title in enumerate(TITLES[:6]))
    features = "".join(f'<li><a href="/info/1150/{3456 + n}.htm">专题报道：{title}</a></li>'
                       for n, title in enumerate(TITLES[:6]))
    html = chrome(f'<div class="block"><ul class="items">{features}</ul></div>'
                  f'<div class="block"><ul class="items">{dated}</ul></div>')
    listing = listing_of(html, "https://www.example.edu.cn/xwzx/zhxw.htm")
    assert all("/1142/" in url for url in urls(listing)) and len(listing.items) == 6
    apart = chrome(f'<div class="zt"><ul class="zt-items">{features}</ul></div>'
                   f'<div class="xw"><ul class="xw-items">{dated}</ul></div>')
    listing = listing_of(apart, "https://www.example.edu.cn/xwzx/zhxw.htm")
    assert all("/1142/" in url for url in urls(listing)) and len(listing.items) == 6


def test_a_list_split_in_several_blocks_is_one_list():
    blocks = "".join(
        '<ul class="news">' + "".join(
            f'<li><a href="/xw/{100 + 5 * b + n}.html">{TITLES[(5 * b + n) % 8]}{b}{n}</a>'
            f'<span>2024-04-{10 + n}</span></li>' for n in range(5)) + '</ul><hr>'
        for b in range(3))
    listing = listing_of(chrome(f'<div class="news-box">{blocks}</div>'),
                         "https://www.example.edu.cn/xw/")
    assert len(listing.items) == 15
    assert all(item.listed_at for item in listing.items)


def test_dates_printed_in_the_link_text():
    rows = "".join(f'<li><a href="/xw/{200 + n}.html">[05-{20 - n:02d}] {title}</a></li>'
                   for n, title in enumerate(TITLES[:4]))
    rows += "".join(f'<li><a href="/xw/{300 + n}.html">{title}（2024-04-{20 - n:02d}）</a></li>'
                    for n, title in enumerate(TITLES[4:]))
    listing = listing_of(chrome(f'<ul class="lb">{rows}</ul>'), "https://www.example.cn/xw/")
    assert [item.title for item in listing.items] == TITLES
    assert [item.listed_at for item in listing.items][3:5] == ["05-17", "2024-04-20"]


def test_hidden_tab_panels_are_left_out_unless_nothing_else_shows():
    panel = "".join(f'<li><a href="/info/7/{n + 1}.htm">{title}</a><span>2024-05-01</span></li>'
                    for n, title in enumerate(TITLES[:5]))
    other = panel.replace("/info/7/", "/info/8/")
    tabs = (f'<div class="tab-con"><ul class="on">{panel}</ul>'
            f'<ul style="display: none">{other}</ul></div>')
    listing = listing_of(chrome(tabs), "https://www.example.edu.cn/tzgg.htm")
    assert urls(listing) == [f"https://www.example.edu.cn/info/7/{n + 1}.htm" for n in range(5)]
    shown_by_script = chrome(f'<div id="list" style="display:none"><ul>{panel}</ul></div>')
    assert len(listing_of(shown_by_script, "https://www.example.edu.cn/tzgg.htm").items) == 5


def test_a_page_of_menus_only_has_no_list():
    html = chrome('<div class="content"><p>本栏目暂无内容。</p></div>')
    assert listing_of(html, "https://www.example.edu.cn/xwzx/empty.htm").items == []


def test_a_source_selector_still_overrides_the_detection():
    rows = "".join(f'<li><a href="/info/1/{n + 10}.htm">{title}</a><span>2024-05-01</span></li>'
                   for n, title in enumerate(TITLES))
    html = chrome(f'<ul class="main">{rows}</ul>')
    page = Page(url="https://www.example.edu.cn/x.htm", body=html.encode(),
                headers={"Content-Type": "text/html; charset=utf-8"})
    picked = GENERIC.parse_list(page, {"list_links": "ul.col-list li"})
    assert [link.title for link in picked.articles] == [
        "学校要闻", "综合新闻", "媒体报道", "通知公告"]
    detected = family_for_kind("university", page).parse_list(page, {})
    assert [link.title for link in detected.articles] == TITLES


# ---------------------------------------------------------------- next pages


def next_of(anchors: str, url: str = "https://www.example.cn/news/index.html") -> list[str]:
    page = Page(url=url, body=f"<html><body><div>{anchors}</div></body></html>".encode(),
                headers={"Content-Type": "text/html; charset=utf-8"})
    return find_next_pages(page.selector.root, page.url)


@pytest.mark.parametrize(("anchors", "expected"), [
    ('<a href="index_1.html">[下一页]</a>', "index_1.html"),
    ('<a href="p2.html">下页</a>', "p2.html"),
    ('<a href="p2.html">后页&gt;</a>', "p2.html"),
    # « ‹ 1 2 › »: › is the next page, » the last
    ('<a href="index.html">«</a><a href="index.html">‹</a><span>1</span>'
     '<a href="index_1.html">2</a><a href="index_1.html">›</a><a href="index_9.html">»</a>',
     "index_1.html"),
    ('<a href="index_1.html">&gt;</a><a href="index_9.html">&gt;&gt;</a>', "index_1.html"),
    ('<a href="more.html" rel="next"><img src="n.gif"></a>', "more.html"),
    # numbered pager, the current page marked
    ('<a href="index.html">1</a><a href="index_1.html">2</a><a class="on" href="index_2.html">3'
     '</a><a href="index_3.html">4</a>', "index_3.html"),
])
def test_next_page_forms(anchors, expected):
    url = "https://www.example.cn/news/index_2.html" if 'class="on"' in anchors else \
        "https://www.example.cn/news/index.html"
    assert next_of(anchors, url)[0] == f"https://www.example.cn/news/{expected}"


def test_next_page_by_url_successor_when_the_pager_has_no_text():
    image = '<img src="/images/btn.gif">'
    assert next_of(f'<a href="index_1.html">{image}</a>') == [
        "https://www.example.cn/news/index_1.html"]
    assert next_of(f'<a href="list_3.html">{image}</a>',
                   "https://www.example.cn/news/list_2.html") == [
        "https://www.example.cn/news/list_3.html"]
    assert next_of(f'<a href="?page=3">{image}</a>', "https://www.example.cn/news/?page=2") == [
        "https://www.example.cn/news/?page=3"]


def test_script_hash_other_site_and_column_links_are_no_next_page():
    assert next_of('<a href="javascript:toPage(2)">下一页</a>'
                   '<a href="#page=2">2</a><a href="#page=2">下一页</a>') == []
    assert next_of('<a href="https://other.example.org/news/index_1.html">下一页</a>') == []
    # a column id is not a page number: left_100186 → left_100187 is another column
    assert next_of('<a href="left_100187.jhtml">信息披露</a>',
                   "https://www.example.cn/front/left_100186.jhtml") == []
    # a calendar of archive days on another host is no pager
    days = "".join(f'<a href="https://archive.example.cn/2024-05/{d:02d}.html">{d}</a>'
                   for d in range(1, 29))
    assert next_of(days) == []


# ---------------------------------------------------------------- the real list pages


REALLISTS = bench.load()


@pytest.mark.skipif(not REALLISTS, reason="../shared/reallists not found (MONITOR_REALLISTS)")
def test_real_list_pages_meet_the_targets():
    scores = [bench.score(truth, *bench.run(truth)) for truth in REALLISTS]
    eight = bench.micro([one for one in scores if one.name != bench.APART])
    assert eight.recall >= bench.TARGETS["recall"]
    assert eight.precision >= bench.TARGETS["precision"]
    assert eight.date_read >= bench.TARGETS["date read"]
    apart = next(one for one in scores if one.name == bench.APART)
    assert apart.precision > bench.BEFORE[bench.APART][1]  # the ranking page: fewer extras
