"""China News (中国新闻网): www.chinanews.com.cn and www.chinanews.com, same paths on both.

Selectors are kept per template as data below (the schema of ``monitor.extraction.schema``);
``extract`` detects the template from the page, a source's ``selectors`` override it.
Article URLs are normalised to ``https://www.chinanews.com.cn/<path>``.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree
from parsel.csstranslator import HTMLTranslator

from monitor.article.dates import opening_dateline
from monitor.article.item import DateCandidate, Image
from monitor.article.text import squash
from monitor.extraction.family import Fields, ListedLink, ListPage
from monitor.extraction.listing import find_list
from monitor.extraction.schema import Selectors, from_config
from monitor.page.fetched import Page
from monitor.page.tree import drop_keeping_tail

HOSTS = ("chinanews.com.cn", "chinanews.com")
CANONICAL_HOST = "www.chinanews.com.cn"

# Article pages on both hosts: /<channel>/<YYYY>/<MM-DD>/<numeric id>.shtml
# (e.g. /gn/2025/05-04/10410087.shtml); pages before ~2011 have an extra "news/" segment
# (/gn/news/2010/03-05/2153421.shtml).
ARTICLE_PATH = re.compile(
    r"^/(?P<channel>[a-z]{2,12})/(?:news/)?(?P<year>\d{4})/(?P<month>\d{2})-(?P<day>\d{2})"
    r"/(?P<id>\d+)\.shtml$"
)
# Daily scroll-news archive: /scroll-news/<YYYY>/<MMDD>/news.shtml
ARCHIVE_PATH = re.compile(
    r"^/scroll-news/(?P<year>\d{4})/(?P<month>\d{2})(?P<day>\d{2})/news\.shtml$"
)
# Channels whose dated pages are not text articles: videos (/shipin/…/news1012345.shtml),
# photo galleries (/tp/hd2011/…), live broadcasts.
NON_ARTICLE_CHANNELS = frozenset({"shipin", "tp", "zhibo"})


# Inside div.left_zw, both layouts: ad tables holding scripts (2020: table.adInContent),
# the editor line (2020: div.adEditor .left_name; 2022+: div.editor), share widgets (XPath).
_CLASSES = "concat(' ', normalize-space(@class), ' ')"
BODY_NOISE = (
    f"//table[contains({_CLASSES}, ' adInContent ') or .//script]",
    "//script | //style | //noscript | //comment()",
    f"//div[contains({_CLASSES}, ' adEditor ') or contains({_CLASSES}, ' left_name ')"
    f" or contains({_CLASSES}, ' editor ') or @id = 'function_code_page']",
)
_CSS = HTMLTranslator()
# Hidden machine fields (2020 layout; looked for on every layout)
PUBTIME = "#pubtime_baidu"  # "2020-07-04 12:10:24"
SOURCE = "#source_baidu"  # "来源：求是网", after the 来源 of the displayed time line
EDITOR = "#editor_baidu"  # "责任编辑：王琴"

# Article templates (the schema: monitor.extraction.schema); the title only exists on that
# layout's pages, so it is the marker too. ``date`` is the displayed
# "2025年05月04日 14:29　来源：…" line, ``author`` a hidden author field where there is one.
TEMPLATES: dict[str, Selectors] = {
    # 2022 redesign (all current articles, UTF-8)
    "chinanews:2022+": Selectors(
        marker="h1.content_left_title",
        title="h1.content_left_title",
        date="div.content_left_time",
        body="div.left_zw",
        outlet=SOURCE,
        noise=BODY_NOISE,
    ),
    # 2013–2021 layout (declared gb2312, served GBK); hidden #*_baidu fields for crawlers
    "chinanews:2020": Selectors(
        marker="#cont_1_1_2 > h1",
        title="#cont_1_1_2 > h1",
        date="div.left-t",
        body="div.left_zw",
        outlet=SOURCE,
        author="#author_baidu",
        noise=BODY_NOISE,
    ),
}

# An image caption: the block right after the image's block, marked as a caption or centred.
CAPTION_CLASSES = ("left_pt", "pic_title", "img_desc")
CAPTION_MAX_CHARS = 150


@dataclass(frozen=True)
class ListLayout:
    """One kind of list entry: the entry, its link inside it (None: the entry is the link)."""

    item: str
    link: str | None
    time: str | None


LIST_LAYOUTS = (
    # scroll list /scroll-news/newsN.html and daily archive /scroll-news/YYYY/MMDD/news.shtml
    ListLayout(item="div.content_list ul li", link="div.dd_bt a", time="div.dd_time"),
    # channel pages (/health.shtml …): the main column's focus and list, not the sidebar 排行
    ListLayout(item="div.channel_focus li", link="a.focus_title", time=None),
    ListLayout(item="ul.channel_list li", link="div.news_title a", time="div.news_time"),
)
PAGER = "div.pagebox a"  # scroll list paging: news1.html … news10.html
PAGE_NUMBER = re.compile(r"(?:news|index)(\d+)\.s?html$")

# Text patterns
OUTLET = re.compile(r"来源\s*[:：]\s*(\S+)")
EDITOR_LINE = re.compile(r"【\s*(?:责任)?编辑\s*[:：]\s*([^】]+?)\s*】")
FIELD_PREFIX = re.compile(r"^\s*(?:作者|来源|责任编辑|编辑)\s*[:：]\s*")
# its own agency's dateline: "中新网乌鲁木齐5月4日电 (戚亚平 林国强)",
# "中新社北京5月6日电(记者 张三)"
AGENCIES = ("中新网", "中新社")
REPORTER_ROLES = ("特约记者", "见习记者", "实习生", "通讯员", "记者", "摄影")


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _is_chinanews_host(host: str) -> bool:
    return any(host == h or host.endswith("." + h) for h in HOSTS)


def canonical_article_url(url: str) -> str:
    """``https://www.chinanews.com.cn/<path>`` for either host (protocol-relative links too);
    query and fragment dropped. Other sites' URLs come back unchanged."""
    if url.startswith("//"):
        url = "https:" + url
    parts = urlsplit(url)
    if not _is_chinanews_host((parts.hostname or "").lower()):
        return url
    return urlunsplit(("https", CANONICAL_HOST, parts.path or "/", "", ""))


def url_date(url: str) -> tuple[int, int, int] | None:
    """(year, month, day) from an article or daily-archive URL, else None."""
    path = urlsplit(canonical_article_url(url)).path
    match = ARTICLE_PATH.match(path) or ARCHIVE_PATH.match(path)
    if match is None:
        return None
    return int(match["year"]), int(match["month"]), int(match["day"])


def _joined_text(selection) -> str:
    """All text under the selection, text nodes joined by spaces (keeps `来源：<a>X</a>` apart)."""
    return squash(" ".join(selection.xpath(".//text()").getall()))


def _without_prefix(text: str) -> str:
    return FIELD_PREFIX.sub("", text).strip()


def reporters(who: str) -> str | None:
    """Dateline names without role words: "记者 张三 通讯员 李四" -> "张三 李四"."""
    names = []
    for token in re.split(r"[\s、，,]+", who):
        for role in REPORTER_ROLES:
            if token.startswith(role):
                token = token[len(role) :]
                break
        if token:
            names.append(token)
    return " ".join(names) or None


class ChinaNewsFamily:
    name = "chinanews"

    def claims(self, url: str) -> bool:
        return _is_chinanews_host(_host(url if not url.startswith("//") else "https:" + url))

    def detect(self, page: Page) -> bool:
        if self._template(page) is not None:
            return True
        title = squash(page.selector.css("title::text").get())
        return title.endswith("中新网")

    def is_article_url(self, url: str) -> bool:
        canonical = canonical_article_url(url)
        if _host(canonical) != CANONICAL_HOST:
            return False
        match = ARTICLE_PATH.match(urlsplit(canonical).path)
        return match is not None and match["channel"] not in NON_ARTICLE_CHANNELS

    # ------------------------------------------------------------------ lists

    def parse_list(self, page: Page, selectors: dict[str, str] | None = None) -> ListPage:
        selectors = selectors or {}
        if "list_links" in selectors:
            layouts = (ListLayout(item=selectors["list_links"], link=None, time=None),)
        else:
            layouts = LIST_LAYOUTS
        result = ListPage()
        by_url: dict[str, ListedLink] = {}
        for layout in layouts:
            for item in page.selector.css(layout.item):
                links = item.css(layout.link) if layout.link else [item]
                href = links[0].attrib.get("href") if links else None
                if not href:
                    continue
                url = urljoin(page.url, href.strip())
                if not self.is_article_url(url):
                    continue
                url = canonical_article_url(url)
                title = _joined_text(links[0]) or links[0].attrib.get("title") or None
                listed_at = (_joined_text(item.css(layout.time)) if layout.time else "") or None
                if known := by_url.get(url):  # listed twice (focus block and list): merge
                    known.title = known.title or title
                    known.listed_at = known.listed_at or listed_at
                    continue
                by_url[url] = ListedLink(url=url, title=title, listed_at=listed_at)
                result.articles.append(by_url[url])
        result.next_pages = self._next_pages(page, selectors.get("next_page", PAGER))
        if not result.articles and "list_links" not in selectors:  # a layout not seen yet
            detected = find_list(page.selector.root, page.url)
            for item in detected.items:
                url = canonical_article_url(item.url)
                if self.is_article_url(url) and url not in by_url:
                    by_url[url] = ListedLink(url=url, title=item.title, listed_at=item.listed_at)
                    result.articles.append(by_url[url])
            result.next_pages = result.next_pages or (
                [] if "next_page" in selectors else detected.next_pages)
        return result

    def _next_pages(self, page: Page, pager: str) -> list[str]:
        """Pager links after the current page, in page order (earlier pages and 上一页 dropped)."""
        current = PAGE_NUMBER.search(urlsplit(page.url).path)
        pages: list[str] = []
        for href in page.selector.css(pager).xpath("@href").getall():
            url = urljoin(page.url, href.strip())
            if url == page.url or url in pages:
                continue
            number = PAGE_NUMBER.search(urlsplit(url).path)
            if current and number and int(number[1]) <= int(current[1]):
                continue
            pages.append(url)
        return pages

    # --------------------------------------------------------------- articles

    def _template(self, page: Page) -> str | None:
        for name, template in TEMPLATES.items():
            if page.selector.css(template.marker):
                return name
        return None

    def extract(self, page: Page, selectors: dict[str, str] | None = None) -> Fields | None:
        name = self._template(page)
        if name is None:
            return None
        config = from_config(selectors)
        rules = TEMPLATES[name].override(config)
        sel = page.selector
        fields = Fields(rule=name, canonical_url=canonical_article_url(page.url))
        title = sel.css(rules.title).xpath("string()").get()
        fields.title = squash(title) or None

        time_line = _joined_text(sel.css(rules.date))
        if time_line:  # the whole line: monitor.article.dates reads the time out of it
            origin = f"site:{TEMPLATES[name].date}"
            fields.date_candidates.append(DateCandidate(time_line, origin))
        if pubtime := squash(sel.css(PUBTIME).xpath("string()").get()):
            fields.date_candidates.append(DateCandidate(pubtime, "meta:pubtime_baidu"))

        outlet = OUTLET.search(time_line)  # the time line's 来源, else the hidden field
        hidden_source = _without_prefix(_joined_text(sel.css(TEMPLATES[name].outlet)))
        fields.outlet = outlet[1] if outlet else hidden_source or None
        if config.outlet and (chosen := _without_prefix(_joined_text(sel.css(config.outlet)))):
            fields.outlet = chosen  # a source's outlet selector, where it finds text

        body = sel.css(rules.body)
        if body:
            # the template's noise is XPath; a source's noise selectors are CSS, as everywhere
            noise = TEMPLATES[name].each("noise") + tuple(
                map(_CSS.css_to_xpath, config.each("noise"))
            )
            self._read_body(page, body[0].root, noise, fields)

        if rules.author:
            fields.author = _without_prefix(_joined_text(sel.css(rules.author))) or None
        dateline = opening_dateline(fields.paragraphs[0]) if fields.paragraphs else None
        if dateline and dateline[0].startswith(AGENCIES) and dateline[1] and not fields.author:
            fields.author = reporters(dateline[1])  # its date: monitor.extraction.chain
        if not any(note.startswith("editor: ") for note in fields.notes):
            if editor := _without_prefix(_joined_text(sel.css(EDITOR))):
                fields.notes.append(f"editor: {editor}")
        return fields

    def _read_body(
        self, page: Page, element: etree._Element, noise: tuple[str, ...], fields: Fields
    ) -> None:
        """Paragraphs, images (with captions) and the editor from div.left_zw; ``noise``:
        XPaths of what is dropped from it."""
        body = copy.deepcopy(element)
        if editor := EDITOR_LINE.search("".join(body.itertext())):
            fields.notes.append(f"editor: {editor[1]}")
        for xpath in noise:
            for node in body.xpath(xpath):
                drop_keeping_tail(node)
        for img in list(body.iter("img")):
            src = img.get("src") or img.get("data-src")
            if not src:
                continue
            block = _block_of(img, body)
            caption = None
            if (following := block.getnext()) is not None and _is_caption(following):
                caption = squash("".join(following.itertext()))
                drop_keeping_tail(following)
            fields.images.append(
                Image(src=urljoin(page.url, src), caption=caption or squash(img.get("alt")) or None)
            )
            # an image block with text of its own (an image inside a paragraph) keeps the text
            drop_keeping_tail(img if squash("".join(block.itertext())) else block)
        for para in body.iter("p"):
            text = squash("".join(para.itertext()))
            if text and not EDITOR_LINE.fullmatch(text):
                fields.paragraphs.append(text)



def _block_of(node: etree._Element, body: etree._Element) -> etree._Element:
    """The child of ``body`` that contains ``node`` (``node`` itself when it is one)."""
    while node.getparent() is not None and node.getparent() is not body:
        node = node.getparent()
    return node


def _is_caption(node: etree._Element) -> bool:
    if not isinstance(node.tag, str) or node.find(".//img") is not None:
        return False
    classes = (node.get("class") or "").split()
    style = (node.get("style") or "").replace(" ", "").lower()
    marked = (
        any(name in classes for name in CAPTION_CLASSES)
        or "text-align:center" in style
        or (node.get("align") or "").lower() == "center"
    )
    text = squash("".join(node.itertext()))
    return marked and 0 < len(text) <= CAPTION_MAX_CHARS


FAMILY = ChinaNewsFamily()
