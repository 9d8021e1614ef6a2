"""NetEase family: URL forms, list pages and the four article templates, on the saved pages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from monitor.extraction.netease import FAMILY, article_id, canonical_article_url, listed_url
from monitor.page.fetched import Page
from monitor.page.replay import ReplayIndex
from monitor.page.saved import SavedPage, iter_pages

SITE = Path(__file__).resolve().parents[1] / "seeds" / "site"
HOSTS = ("www.163.com", "news.163.com", "dy.163.com", "3g.163.com")
SAVED = [page for host in HOSTS for page in iter_pages(SITE / host)]
ARTICLES = [page for page in SAVED if page.expected is not None]
BY_URL = {page.url: page for page in SAVED}

SEED = "https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html"
NEWS_2019 = "https://news.163.com/19/0907/09/EOTV5M7G0001899O.html"
NEWS_2016 = "https://news.163.com/16/0412/10/BKMT6H2T00014AED.html"
DY_V2 = "https://dy.163.com/v2/article/detail/EF5H3QJ80514R9OJ.html"
JSONP_LIST = "https://3g.163.com/touch/reconstruct/article/list/BDC4QSV3wangning/0-20.html"
SEARCH_SISTER = "https://www.163.com/search?keyword=%E5%A7%8A%E5%A6%B9%E5%8C%BB%E9%99%A2"
SEARCH_AID = "https://www.163.com/search?keyword=%E5%8C%BB%E7%96%97%E6%8F%B4%E7%96%86"

RULES = {
    SEED: "netease:2020+",
    NEWS_2019: "netease:2019",
    NEWS_2016: "netease:2016",
    DY_V2: "netease:dy-v2",
}


def page_of(saved: SavedPage) -> Page:
    return Page.from_saved(saved)


def normalised(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_all_saved_pages_are_present():
    assert sorted(page.url for page in ARTICLES) == sorted(RULES)
    assert {JSONP_LIST, SEARCH_SISTER, SEARCH_AID} <= set(BY_URL)


# ---------------------------------------------------------------- articles


@pytest.mark.parametrize("saved", ARTICLES, ids=lambda saved: saved.url)
def test_extract_matches_expected(saved: SavedPage):
    expected = saved.expected
    fields = FAMILY.extract(page_of(saved))
    assert fields is not None
    assert fields.rule == RULES[saved.url]
    assert fields.title == expected["title"]
    assert fields.outlet == expected["outlet"]
    assert fields.author == expected["author"]
    assert fields.canonical_url == expected["canonical_url"]
    body = "\n".join(fields.paragraphs)
    assert normalised(body) == normalised(expected["body"])
    for snippet in expected["must_contain"]:
        assert snippet in body
    for snippet in expected["must_not_contain"]:
        assert snippet not in body, snippet
    assert expected["site"] == "netease"


@pytest.mark.parametrize("saved", ARTICLES, ids=lambda saved: saved.url)
def test_displayed_time_comes_first_then_machine_times(saved: SavedPage):
    fields = FAMILY.extract(page_of(saved))
    published = datetime.fromisoformat(saved.expected["published_at"])
    first = fields.date_candidates[0]
    assert first.origin.startswith("site:")
    assert first.text == published.strftime("%Y-%m-%d %H:%M:%S")
    assert all(c.origin.startswith("meta:") for c in fields.date_candidates[1:])
    assert published <= saved.fetched_at


def test_machine_times_by_template():
    origins = {
        url: [c.origin for c in FAMILY.extract(page_of(BY_URL[url])).date_candidates]
        for url in RULES
    }
    assert origins[SEED] == [
        "site:div.post_info",
        "meta:data-publishtime",
        "meta:article:published_time",
    ]
    assert origins[NEWS_2019] == ["site:div.post_time_source"]
    assert origins[NEWS_2016] == ["site:div.ep-time-soure"]
    assert origins[DY_V2] == ["site:p.time span", "meta:data-ptime"]
    seed = FAMILY.extract(page_of(BY_URL[SEED])).date_candidates
    assert seed[2].text == "2025-11-11T16:27:00+08:00"


def test_seed_page_declares_no_charset_and_decodes_from_the_header():
    saved = BY_URL[SEED]
    assert b"charset" not in saved.body.lower()
    assert saved.header("Content-Type") == "text/html; charset=utf-8"
    page = page_of(saved)
    assert page.encoding == "utf-8"
    assert "亚历山大•塔希曼" in page.text


@pytest.mark.parametrize("url", [NEWS_2016, DY_V2])
def test_gbk_pages_decode(url):
    saved = BY_URL[url]
    assert "gb2312" in saved.header("Content-Type")
    assert b'charset=gb2312"' in saved.body[:2000]
    with pytest.raises(UnicodeDecodeError):
        saved.body.decode("utf-8")
    page = page_of(saved)
    assert page.encoding == "gb18030"
    assert saved.expected["title"] in page.text
    assert "\ufffd" not in page.text


def test_2016_page_holds_gbk_characters_outside_gb2312():
    body = BY_URL[NEWS_2016].body
    with pytest.raises(UnicodeDecodeError):
        body.decode("gb2312")
    assert "王喆" in "\n".join(FAMILY.extract(page_of(BY_URL[NEWS_2016])).paragraphs)


def test_dy_v2_fragments_are_merged_into_paragraphs():
    saved = BY_URL[DY_V2]
    page = page_of(saved)
    fragments = page.selector.css("div#content p::text").getall()
    assert all(fragment.startswith("\u3000\u3000") for fragment in fragments)
    paragraphs = FAMILY.extract(page).paragraphs
    assert len(fragments) > 3 * len(paragraphs)
    assert all(p.endswith("。") for p in paragraphs)
    assert paragraphs[0].startswith("5月16日，在雷山县望丰乡的茶叶加工厂里")


def test_images_and_captions_leave_the_body():
    fields = FAMILY.extract(page_of(BY_URL[NEWS_2019]))
    assert [(i.src.split("?")[0].rsplit("/", 1)[-1], i.caption) for i in fields.images] == [
        ("b93bc940d8948546906df89bc84798e5.jpeg", "义诊现场，专家为市民测量血压。")
    ]
    seed = FAMILY.extract(page_of(BY_URL[SEED]))
    assert len(seed.images) == 1 and seed.images[0].caption is None
    assert seed.images[0].src.startswith("https://nimg.ws.126.net/?url=")


def test_template_detection_and_foreign_pages():
    for url, rule in RULES.items():
        assert FAMILY.template(page_of(BY_URL[url])) == rule
    other = Page(url="https://example.org/a.html", body=b"<html><h1>x</h1><p>y</p></html>")
    assert FAMILY.template(other) is None
    assert FAMILY.extract(other) is None
    assert FAMILY.extract(page_of(BY_URL[SEARCH_SISTER])) is None
    assert FAMILY.extract(Page(url="https://m.163.com/fe/api/hot/news/flow", body=b"{}")) is None


def test_selectors_from_the_source_config_override_the_template():
    fields = FAMILY.extract(page_of(BY_URL[SEED]), {"title": "div.post_crumb a"})
    assert fields.title == "网易首页"
    assert fields.outlet == "中国日报网"
    # no 来源 anchor under the configured selector: the 来源 text of the info line is used
    assert FAMILY.extract(page_of(BY_URL[SEED]), {"outlet": "span.none"}).outlet == "中国日报网"


def _current_page(last_paragraph: str, editor: str = "责任编辑：王敏_NBJ12345") -> Page:
    html = f"""<html><body><div class="post_main"><h1 class="post_title">标题</h1>
      <div class="post_info">2025-10-16 20:02:18　来源: 澎湃新闻 <br/>上海</div>
      <div class="post_body"><p class="otitle">（原标题：旧标题）</p><p>正文第一段。</p>
      <p>{last_paragraph}</p></div><div class="post_author">本文来源：澎湃新闻 {editor}</div>
      </div></body></html>"""
    return Page(url="https://www.163.com/news/article/KB1A2B3C0001899O.html", body=html.encode())


@pytest.mark.parametrize(
    ("last", "author"),
    [
        ("(中国日报四川记者站 赵俊峰 彭超)", "赵俊峰 彭超"),
        ("（记者 王五 通讯员 李四）", "王五 李四"),
        ("（本报记者张三）", "张三"),
        ("（完）", "王敏"),  # no reporter: the editor
        ("双方将继续合作。", "王敏"),
    ],
)
def test_author_is_the_credited_reporter_else_the_editor(last, author):
    fields = FAMILY.extract(_current_page(last))
    assert fields.author == author
    assert fields.outlet == "澎湃新闻"
    assert fields.paragraphs[0] == "正文第一段。"  # 原标题 dropped
    assert fields.date_candidates[0].text == "2025-10-16 20:02:18"


def test_no_editor_and_no_credit_gives_no_author():
    assert FAMILY.extract(_current_page("正文。", editor="")).author is None


def test_claims_and_detect():
    assert FAMILY.claims("https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html")
    assert FAMILY.claims("http://163.com/")
    assert not FAMILY.claims("https://www.chinanews.com.cn/gn/2025/05-04/10410087.shtml")
    assert not FAMILY.claims("https://not163.com/x")
    copy = Page(url="http://mirror.example/x.html", body=BY_URL[NEWS_2019].body)
    assert FAMILY.detect(copy)
    assert not FAMILY.detect(Page(url="http://x.example/", body=b"<html>hello</html>"))


# ---------------------------------------------------------------- URL forms

URL_FORMS = [
    # url, id, canonical, form a list page yields
    (SEED, "KDJ3BQ9B0534A4SC", SEED, SEED),
    (
        "http://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html?spss=dy_author#post_comment_area",
        "KDJ3BQ9B0534A4SC",
        SEED,
        SEED,
    ),
    ("https://m.163.com/dy/article/KDJ3BQ9B0534A4SC.html", "KDJ3BQ9B0534A4SC", SEED, SEED),
    ("https://3g.163.com/dy/article/KDJ3BQ9B0534A4SC.html", "KDJ3BQ9B0534A4SC", SEED, SEED),
    (
        "https://www.163.com/news/article/EOTV5M7G0001899O.html",
        "EOTV5M7G0001899O",
        "https://www.163.com/news/article/EOTV5M7G0001899O.html",
        "https://www.163.com/news/article/EOTV5M7G0001899O.html",
    ),
    (
        "http://m.163.com/news/article/EOTV5M7G0001899O.html",
        "EOTV5M7G0001899O",
        "https://www.163.com/news/article/EOTV5M7G0001899O.html",
        "https://www.163.com/news/article/EOTV5M7G0001899O.html",
    ),
    (
        "https://c.m.163.com/news/a/EOTV5M7G0001899O.html?spss=newsapp",
        "EOTV5M7G0001899O",
        "https://www.163.com/news/article/EOTV5M7G0001899O.html",
        "https://www.163.com/news/article/EOTV5M7G0001899O.html",
    ),
    (
        "http://news.163.com/19/0907/09/EOTV5M7G0001899O.html",
        "EOTV5M7G0001899O",
        NEWS_2019,
        NEWS_2019,
    ),
    (
        "http://3g.163.com/news/16/0412/10/BKMT6H2T00014AED.html",
        "BKMT6H2T00014AED",
        NEWS_2016,
        NEWS_2016,
    ),
    (
        "http://tech.163.com/19/0907/09/EOTV5M7G00097U7R.html",
        "EOTV5M7G00097U7R",
        "https://tech.163.com/19/0907/09/EOTV5M7G00097U7R.html",
        "https://tech.163.com/19/0907/09/EOTV5M7G00097U7R.html",
    ),
    (DY_V2, "EF5H3QJ80514R9OJ", "https://www.163.com/dy/article/EF5H3QJ80514R9OJ.html", DY_V2),
    (
        "http://dy.163.com/article/EF5H3QJ80514R9OJ.html",
        "EF5H3QJ80514R9OJ",
        "https://www.163.com/dy/article/EF5H3QJ80514R9OJ.html",
        "https://dy.163.com/article/EF5H3QJ80514R9OJ.html",
    ),
    (
        "https://www.163.com/money/article/KDJ5R1A700259DLP.html",
        "KDJ5R1A700259DLP",
        "https://www.163.com/money/article/KDJ5R1A700259DLP.html",
        "https://www.163.com/money/article/KDJ5R1A700259DLP.html",
    ),
]


@pytest.mark.parametrize(("url", "doc", "canonical", "listed"), URL_FORMS)
def test_article_url_forms(url, doc, canonical, listed):
    assert FAMILY.is_article_url(url)
    assert article_id(url) == doc
    assert canonical_article_url(url) == canonical
    assert listed_url(url) == listed


@pytest.mark.parametrize(
    "url",
    [
        "https://www.163.com/v/video/VJ8M2K0E1.html",
        "https://www.163.com/photoview/00AP0001/2267890.html",
        "https://www.163.com/dy/media/T1504518296467.html",
        "https://www.163.com/dy/article/kdj3bq9b0534a4sc.html",  # IDs are upper case
        "https://www.163.com/dy/article/KDJ3BQ9B0534A4S.html",  # 15 characters
        JSONP_LIST,
        SEARCH_SISTER,
        "https://news.163.com/",
        "https://www.example.com/dy/article/KDJ3BQ9B0534A4SC.html",
        "javascript:;",
    ],
)
def test_non_article_urls(url):
    assert not FAMILY.is_article_url(url)
    assert article_id(url) is None
    assert canonical_article_url(url) is None


def test_every_saved_article_id_matches_its_canonical_form():
    for saved in ARTICLES:
        assert article_id(saved.url) == article_id(saved.expected["canonical_url"])


# ---------------------------------------------------------------- list pages


def test_jsonp_channel_list():
    saved = BY_URL[JSONP_LIST]
    assert saved.header("Content-Type").startswith("application/javascript")
    assert saved.body.startswith(b"artiList(")
    listing = FAMILY.parse_list(page_of(saved))
    assert [link.url for link in listing.articles] == [SEED, NEWS_2019, DY_V2, NEWS_2016]
    assert listing.articles[0].title == BY_URL[SEED].expected["title"]
    assert listing.articles[0].listed_at == "2025-11-11 16:27:00"
    assert listing.next_pages == []
    raw = json.loads(saved.body.decode()[len("artiList(") : -1])["BDC4QSV3wangning"]
    skipped = [item["url"] for item in raw if not FAMILY.is_article_url(item["url"])]
    assert skipped == [
        "https://www.163.com/v/video/VJ8M2K0E1.html",
        "https://www.163.com/photoview/00AP0001/2267890.html",
    ]


def test_hot_news_flow_json():
    flow = {
        "code": 200,
        "data": {
            "list": [
                {
                    "url": "https://c.m.163.com/news/a/EOTV5M7G0001899O.html",
                    "title": "义诊",
                    "ptime": "2019-09-07 09:59:22",
                },
                {"url": "https://www.163.com/v/video/VJ8M2K0E1.html", "title": "视频"},
                {"url": "https://m.163.com/dy/article/KDJ3BQ9B0534A4SC.html", "title": "姊妹医院"},
                {"url": "https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html", "title": "again"},
                {"title": "no url"},
            ]
        },
    }
    page = Page(
        url="https://m.163.com/fe/api/hot/news/flow",
        body=json.dumps(flow).encode(),
        headers={"Content-Type": "application/json;charset=UTF-8"},
    )
    links = FAMILY.parse_list(page).articles
    assert [(link.url, link.title, link.listed_at) for link in links] == [
        ("https://www.163.com/news/article/EOTV5M7G0001899O.html", "义诊", "2019-09-07 09:59:22"),
        (SEED, "姊妹医院", None),
    ]


def test_broken_json_gives_no_links():
    page = Page(url=JSONP_LIST, body=b"artiList({not json})")
    assert FAMILY.parse_list(page).articles == []
    assert FAMILY.parse_list(Page(url=JSONP_LIST, body=b"[1, 2]")).articles == []


@pytest.mark.parametrize("url", [SEARCH_SISTER, SEARCH_AID])
def test_search_pages_hold_no_article_link_before_javascript(url):
    saved = BY_URL[url]
    page = page_of(saved)
    hrefs = page.selector.css("[href]::attr(href)").getall()
    assert hrefs and not [href for href in hrefs if FAMILY.is_article_url(href)]
    assert not re.search(rb"163\.com/(?:dy|news)/article/|163\.com/\d{2}/\d{4}/", saved.body)
    assert FAMILY.parse_list(page).articles == []
    assert page.selector.css("#keyword_list *") == []
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page.text)  # nothing else to fetch


def _embedded_results(saved: SavedPage) -> list[str]:
    state = re.search(r"window\.__SEARCH_STATE__ = (\{.*?\});</script>", saved.body.decode())
    return [item["url"] for item in json.loads(state.group(1))["list"]]


SEARCH_RESULTS = {
    SEARCH_SISTER: [SEED, DY_V2],
    SEARCH_AID: [NEWS_2019],
}


@pytest.mark.parametrize("url", [SEARCH_SISTER, SEARCH_AID])
def test_search_pages_once_rendered(url):
    """The DOM the inline script builds: one h3 > a per embedded result."""
    saved = BY_URL[url]
    rows = "".join(
        f'<div class="keyword_new"><h3><a href="{href}" target="_blank">t</a></h3></div>'
        for href in _embedded_results(saved)
    )
    rendered = saved.body.decode().replace(
        '<div class="keyword_list" id="keyword_list"></div>',
        f'<div class="keyword_list" id="keyword_list">{rows}</div>',
    )
    assert rendered != saved.body.decode()
    page = Page(url=url, body=rendered.encode(), headers={"Content-Type": "text/html"})
    assert [link.url for link in FAMILY.parse_list(page).articles] == SEARCH_RESULTS[url]


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on this machine")
def test_search_page_renders_its_links_in_a_real_browser(tmp_path):
    saved = BY_URL[SEARCH_SISTER]
    (tmp_path / "search.html").write_bytes(saved.body)
    dom = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--dump-dom",
            (tmp_path / "search.html").as_uri(),
        ],
        capture_output=True,
        timeout=60,
        check=True,
    ).stdout
    page = Page(url=SEARCH_SISTER, body=dom, headers={"Content-Type": "text/html; charset=utf-8"})
    assert [link.url for link in FAMILY.parse_list(page).articles] == [SEED, DY_V2]


def test_every_listed_article_has_a_saved_page():
    index = ReplayIndex(SAVED)
    listed = [link.url for link in FAMILY.parse_list(page_of(BY_URL[JSONP_LIST])).articles]
    listed += [url for urls in SEARCH_RESULTS.values() for url in urls]
    for url in listed:
        assert index.has(url) and index.get(url).expected is not None, url


def test_html_channel_page_links_and_next_pages():
    html = """<html><body>
      <a href="/dy/article/KDJ3BQ9B0534A4SC.html">姊妹医院</a>
      <a href="//m.163.com/dy/article/KDJ3BQ9B0534A4SC.html">same, mobile</a>
      <a href="https://www.163.com/v/video/VJ8M2K0E1.html">video</a>
      <a href="https://news.163.com/19/0907/09/EOTV5M7G0001899O.html"> 义诊 </a>
      <div class="pager"><a class="next" href="/special/jiankang/index_02.html">下一页</a></div>
    </body></html>"""
    page = Page(
        url="https://www.163.com/special/jiankang/",
        body=html.encode(),
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    listing = FAMILY.parse_list(page, {"next_page": "div.pager a.next"})
    assert [(link.url, link.title) for link in listing.articles] == [
        (SEED, "姊妹医院"),
        (NEWS_2019, "义诊"),
    ]
    assert listing.next_pages == ["https://www.163.com/special/jiankang/index_02.html"]
    only_pager = FAMILY.parse_list(page, {"list_links": "div.pager a"})
    assert only_pager.articles == [] and only_pager.next_pages == []


def test_article_url_pattern_from_the_source_config_replaces_the_rule():
    html = b"""<html><body>
      <a href="https://www.163.com/special/0077jt/yiliao_2025.html">special page</a>
      <a href="https://m.163.com/dy/article/KDJ3BQ9B0534A4SC.html">article</a>
      <a href="https://www.163.com/v/video/VJ8M2K0E1.html">video</a>
    </body></html>"""
    page = Page(
        url="https://www.163.com/special/", body=html, headers={"Content-Type": "text/html"}
    )
    listing = FAMILY.parse_list(page, {"article_url_pattern": r"/special/0077jt/|/article/"})
    assert [link.url for link in listing.articles] == [
        "https://www.163.com/special/0077jt/yiliao_2025.html",
        SEED,
    ]


def test_html_list_times_and_local_channel_hosts():
    html = """<html><body><ul>
      <li><a href="https://caozhi.news.163.com/24/0715/18/J6ABCDEF12345678.html">曹植故里</a>
          <span class="time">30分钟前</span></li>
      <li><div class="news_title"><a href="https://sz.house.163.com/24/0714/09/J6ABCDEF12345679.html">
          深圳楼市</a></div><div class="info"><span>网易房产</span> <span>1天前</span></div></li>
      <li><a href="https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html">姊妹医院 3.5万人</a>
          <em>07-15 18:00</em></li>
      <li><a href="https://www.163.com/news/article/J6ABCDEF1234567A.html">没有时间</a>
          <span>跟帖 1.2万</span></li>
    </ul></body></html>"""
    page = Page(url="https://news.163.com/domestic/", body=html.encode(),
                headers={"Content-Type": "text/html; charset=utf-8"},
                fetched_at=datetime.fromisoformat("2024-07-16T09:00:00+08:00"))
    listing = FAMILY.parse_list(page)
    assert [(link.url, link.listed_at) for link in listing.articles] == [
        ("https://caozhi.news.163.com/24/0715/18/J6ABCDEF12345678.html", "30分钟前"),
        ("https://sz.house.163.com/24/0714/09/J6ABCDEF12345679.html", "1天前"),
        (SEED, "07-15 18:00"),
        ("https://www.163.com/news/article/J6ABCDEF1234567A.html", None),
    ]
