"""monitor.extraction.chain: the per-field fallback chain site rules → JSON-LD / meta →
trafilatura."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

import monitor.extraction.chain as extract_module
from monitor.article.item import DateCandidate
from monitor.extraction.chain import extract_article
from monitor.extraction.family import Fields
from monitor.page.fetched import Page

FETCHED = datetime(2025, 5, 10, 8, 0, tzinfo=UTC)
URL = "https://news.example.cn/2025/05-04/123.html"
PARAGRAPHS = [
    "中新网乌鲁木齐5月4日电 (戚亚平 林国强)各科室诊疗水平逐年提升，实现新生儿科、急诊外科2个学科"
    "从无到有的突破；病理科、泌尿外科、口腔科、消化内科等8个学科实现从弱到强的蜕变。",
    "这是2016年以来，在浙江大学医学院6家附属医院“组团式”援疆力量的帮扶下，新疆生产建设兵团"
    "第一师医院发生的新变化。",
    "记者从第一师医院获悉，“组团式”医疗援疆工作开展以来，浙江大学医学院6家附属医院充分发挥优势，"
    "打出“组合拳”，通过“以院包科”“导师带徒”“柔性援疆”等形式全力帮扶第一师医院。",
]
TITLE = "浙江大学“组团式”医疗援疆见成效：50余项技术填补当地空白"


def page(html: str | bytes, url: str = URL, headers: dict | None = None) -> Page:
    body = html.encode("utf-8") if isinstance(html, str) else html
    return Page(url=url, body=body, headers=headers or {"Content-Type": "text/html; charset=utf-8"},
                fetched_at=FETCHED)


def document(head: str = "", body: str = "") -> str:
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head>"
            f"<body>{body}</body></html>")


def article_html(head: str = "", extra: str = "") -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return document(
        head,
        f"<div class='nav'><a href='/'>首页</a></div><h1>{TITLE}</h1>"
        f"<div class='content'>{paragraphs}</div>{extra}<div class='footer'>版权所有</div>",
    )


class StubFamily:
    """A site family whose extract() returns what the test gives it (or raises it)."""

    name = "stub"

    def __init__(self, fields: Fields | Exception | None) -> None:
        self.fields = fields

    def extract(self, page, selectors=None):
        if isinstance(self.fields, Exception):
            raise self.fields
        return self.fields


@pytest.fixture
def family(monkeypatch):
    def use(fields):
        stub = StubFamily(fields)
        monkeypatch.setattr(extract_module, "family_for_kind", lambda kind, page: stub)
        return stub

    return use


def test_site_rules_come_first_and_are_recorded(family):
    family(Fields(rule="stub:2022+", title="站点标题：援疆见成效", outlet="中国新闻网",
                  author="戚亚平", paragraphs=PARAGRAPHS, canonical_url="/2025/05-04/123.html",
                  date_candidates=[DateCandidate("2025年05月04日 14:29", "site:div.time")]))
    html = article_html('<meta property="og:title" content="别的标题">')
    article = extract_article(page(html), source="cn-health")
    assert article.title == "站点标题：援疆见成效"
    assert article.body == "\n".join(PARAGRAPHS)
    assert article.extractor == "site:stub:2022+"
    assert article.field_origins == {
        "title": "site:stub:2022+", "body": "site:stub:2022+", "outlet": "site:stub:2022+",
        "author": "site:stub:2022+", "canonical_url": "site:stub:2022+",
    }
    assert article.canonical_url == URL
    assert article.date_candidates[0] == DateCandidate("2025年05月04日 14:29", "site:div.time")
    assert (article.site, article.source, article.encoding) == ("stub", "cn-health", "utf-8")
    assert article.fetched_at == FETCHED
    assert article.raw_html == html.encode("utf-8")


def test_jsonld_fills_what_the_site_rule_misses(family):
    family(Fields(rule="stub:x", title="站点标题很完整的一个标题"))
    jsonld = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "示例网"},
            {"@type": "NewsArticle", "headline": "JSON-LD 标题",
             "datePublished": "2025-05-04T14:29:00+08:00",
             "author": [{"@type": "Person", "name": "戚亚平"}, {"name": "林国强"}],
             "publisher": {"@type": "Organization", "name": "中国新闻网"},
             "articleBody": "<p>" + "</p>\n<p>".join(PARAGRAPHS) + "</p>"},
        ],
    }
    head = f'<script type="application/ld+json">{json.dumps(jsonld, ensure_ascii=False)}</script>'
    article = extract_article(page(document(head, "<div>正文加载中</div>")))
    assert article.title == "站点标题很完整的一个标题"
    assert article.body == "\n".join(PARAGRAPHS)
    assert article.extractor == "meta"
    assert article.field_origins["body"] == "jsonld:articleBody"
    assert (article.author, article.field_origins["author"]) == ("戚亚平、林国强", "jsonld:author")
    assert (article.outlet, article.field_origins["outlet"]) == ("中国新闻网", "jsonld:publisher")
    assert DateCandidate("2025-05-04T14:29:00+08:00", "jsonld:datePublished") in \
        article.date_candidates


def test_generic_extractor_is_the_last_step(family):
    family(None)
    article = extract_article(page(article_html()))
    assert article.extractor == "generic:trafilatura"
    assert article.field_origins["body"] == "generic:trafilatura"
    for paragraph in PARAGRAPHS:
        assert paragraph in article.body
    assert "版权所有" not in article.body
    assert "site: no stub template matched" in article.notes
    assert any(note.startswith("body: ") and "used generic:trafilatura" in note
               for note in article.notes)


def test_a_site_body_of_a_few_characters_falls_through(family):
    family(Fields(rule="stub:x", title=TITLE, paragraphs=["图片"]))
    article = extract_article(page(article_html()))
    assert article.extractor == "generic:trafilatura"
    assert any("site:stub:x gave 2 characters" in note for note in article.notes)


def test_truncated_og_title_gives_way_to_the_h1(family):
    family(None)
    head = '<meta property="og:title" content="浙江大学“组团式”医疗援疆见成效…">'
    article = extract_article(page(article_html(head)))
    assert article.title == TITLE
    assert article.field_origins["title"] == "html:h1"
    assert any("looks truncated" in note for note in article.notes)


def test_og_title_cut_without_an_ellipsis_gives_way_too(family):
    family(None)
    head = '<meta property="og:title" content="浙江大学“组团式”医疗援疆">'
    assert extract_article(page(article_html(head))).title == TITLE


def test_title_tag_is_trimmed_of_site_and_column_names(family):
    family(None)
    html = document(f"<title>{TITLE}-学校要闻-某某大学</title>",
                    "".join(f"<p>{p}</p>" for p in PARAGRAPHS))
    article = extract_article(page(html))
    assert (article.title, article.field_origins["title"]) == (TITLE, "html:title")


def test_the_logo_h1_is_not_the_title(family):
    family(None)
    html = document(f"<title>{TITLE}_新闻中心</title>",
                    f"<h1>某某医院官方网站</h1><h1>{TITLE}</h1><p>{PARAGRAPHS[0]}</p>")
    assert extract_article(page(html)).title == TITLE


def test_dates_from_meta_and_jsonld_not_a_date_is_dropped(family):
    family(None)
    head = (
        '<meta property="article:published_time" content="2025-05-04T14:29:00+08:00">'
        '<meta name="publishdate" content="2025-05-04">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "x",'
        ' "datePublished": "{{pubtime}}",}</script>'
    )
    article = extract_article(page(article_html(head)))
    origins = [c.origin for c in article.date_candidates]
    assert origins[:2] == ["meta:article:published_time", "meta:publishdate"]
    assert "jsonld:datePublished" not in origins
    assert any("'{{pubtime}}' is not a date" in note for note in article.notes)
    assert "generic:trafilatura" not in origins  # the page has its own dates


def test_dateline_of_the_body_is_a_candidate(family):
    family(None)
    article = extract_article(page(article_html()))
    assert DateCandidate(PARAGRAPHS[0][:60], "dateline") in article.date_candidates


def test_canonical_to_the_home_page_is_ignored(family):
    family(None)
    head = ('<link rel="canonical" href="https://news.example.cn/">'
            '<meta property="og:url" content="https://news.example.cn/2025/05-04/123.html?x=1">')
    article = extract_article(page(article_html(head)))
    assert article.canonical_url == "https://news.example.cn/2025/05-04/123.html?x=1"
    assert article.field_origins["canonical_url"] == "meta:og:url"
    assert any("home page" in note for note in article.notes)


def test_without_a_canonical_link_the_page_url_is_canonical(family):
    family(None)
    article = extract_article(page(article_html()))
    assert (article.canonical_url, article.field_origins["canonical_url"]) == (URL, "url")


def test_author_tag_naming_the_site_is_ignored(family):
    family(None)
    head = '<meta name="author" content="网易"><meta name="Copyright" content="网易版权所有">'
    article = extract_article(page(article_html(head)))
    assert article.author is None
    assert "author: none found" in article.notes


@pytest.mark.parametrize("value", ["105464", "2023-12-01", "2909 / 12"])
def test_an_author_of_digits_and_punctuation_names_nobody(family, value):
    """A CMS user number or a date in the author tag (people.com.cn, news.cn) is no byline."""
    family(None)
    article = extract_article(page(article_html(f'<meta name="author" content="{value}">')))
    assert article.author is None
    assert f"author: meta:author {value!r} names nobody; ignored" in article.notes


def test_a_site_rule_giving_a_date_as_author_falls_through_to_the_next_one(family):
    family(Fields(rule="t:x", title="标题", paragraphs=["正文第一段，足够长的一句话。" * 3],
                  author="2023-12-01"))
    article = extract_article(page(article_html('<meta name="author" content="李明">')))
    assert (article.author, article.field_origins["author"]) == ("李明", "meta:author")


def test_description_is_never_the_body(family):
    family(None)
    description = "浙江大学医学院6家附属医院充分发挥优势，打出组合拳，全力帮扶第一师医院。" * 3
    html = document(f'<meta name="description" content="{description}">', "<div></div>")
    article = extract_article(page(html))
    assert article.body is None
    assert any(note.startswith("body: missing") for note in article.notes)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body><div><p>unclosed <b>tags <table><tr><td>\xe4\xb8\xad",
        bytes(range(256)) * 40,
        b"\x00\x00\x00<html>\x00</html>",
        b'{"json": "not html"}',
    ],
    ids=["empty", "broken", "binary", "nul", "json"],
)
def test_bad_input_never_raises(body):
    article = extract_article(page(body, headers={}))
    assert article.url == URL
    assert article.raw_html == body
    assert article.notes


def test_a_failing_family_is_a_note_not_an_error(family):
    family(RuntimeError("selector exploded"))
    article = extract_article(page(article_html()))
    assert article.body
    assert "site: stub rules failed (RuntimeError: selector exploded)" in article.notes


def test_huge_pages_are_cut_before_parsing(family):
    family(None)
    html = article_html(extra="<div>" + "<p>填充内容</p>" * 20000 + "</div>")
    article = extract_article(page(html), max_bytes=10_000)
    assert f"page: cut at 10000 of {len(html.encode())} bytes before parsing" in article.notes
    assert PARAGRAPHS[0] in article.body
    assert article.raw_html == html.encode("utf-8")


def test_the_cut_defaults_to_the_max_parse_bytes_setting(family, monkeypatch):
    family(None)
    html = article_html(extra="<div>" + "<p>填充内容</p>" * 20000 + "</div>")
    assert not any("cut at" in note for note in extract_article(page(html)).notes)
    monkeypatch.setattr("monitor.settings.MONITOR_MAX_PARSE_BYTES", 12_000)
    article = extract_article(page(html))
    assert f"page: cut at 12000 of {len(html.encode())} bytes before parsing" in article.notes


def test_gbk_page_without_declaration_is_decoded(family):
    family(None)
    html = article_html().replace("<meta charset='utf-8'>", "")
    article = extract_article(page(html.encode("gbk"), headers={"Content-Type": "text/html"}))
    assert article.encoding == "gb18030"
    assert article.title == TITLE


def test_university_kind_uses_vsb_only_with_its_markers():
    plain = extract_article(page(article_html()), kind="university")
    vsb_html = article_html().replace("</body>", '<script src="/_sitegray/_sitegray.js"></script>'
                                      "<!--Announced by Visual SiteBuilder 9--></body>")
    marked = extract_article(page(vsb_html), kind="university")
    assert (plain.site, marked.site) == ("generic", "vsb")


def test_unknown_kind_falls_back_to_detection():
    article = extract_article(page(article_html()), kind="no-such-kind")
    assert article.site == "generic"
    assert "site: unknown kind 'no-such-kind'; family detected from the page" in article.notes
