"""NetEase (163.com): article URL forms, list pages and the four article templates.

Every article URL form carries the same 16-character document ID (``[A-Z0-9]{16}``);
``article_id`` reads it and ``canonical_article_url`` maps every form to one address.
``parse_list`` reads the JSONP channel lists, the hot-news flow JSON and HTML pages
(channel pages, search pages once JavaScript has rendered them). ``extract`` detects
which of the templates in ``TEMPLATES`` (the schema of ``monitor.extraction.schema``) a page
uses and reads its fields; a source's ``selectors`` override them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from monitor.article.dates import find_listed_time
from monitor.article.item import DateCandidate, Image
from monitor.article.text import squash
from monitor.extraction.family import Fields, ListedLink, ListPage
from monitor.extraction.listing import find_list
from monitor.extraction.schema import Selectors, from_config
from monitor.page.fetched import Page

_ID = r"(?P<id>[A-Z0-9]{16})"
_DATED = r"(?P<date>\d{2}/\d{4}/\d{2})"  # <YY>/<MMDD>/<HH>

# Article URL forms: (kind, host regex, path regex). The kind decides the canonical form.
ARTICLE_FORMS: tuple[tuple[str, re.Pattern[str], re.Pattern[str]], ...] = tuple(
    (kind, re.compile(host), re.compile(path))
    for kind, host, path in (
        # 2020+ desktop and mobile: www. / m. / 3g.163.com/<channel>/article/<ID>.html
        ("channel", r"(?:www|m|3g)\.163\.com", rf"/(?P<channel>[a-z]+)/article/{_ID}\.html"),
        # mobile copy of the dated form: 3g.163.com/<channel>/<YY>/<MMDD>/<HH>/<ID>.html
        ("mobile-dated", r"3g\.163\.com", rf"/(?P<channel>[a-z]+)/{_DATED}/{_ID}\.html"),
        # dated form used until 2020: news.163.com/<YY>/<MMDD>/<HH>/<ID>.html on any channel
        # host, local ones included (caozhi.news.163.com, sz.house.163.com), some under a
        # section (ent.163.com/game/20/0703/10/<ID>.html)
        ("dated", r"(?:[a-z0-9-]+\.)+163\.com",
         rf"/(?:(?P<section>[a-z]+)/)?{_DATED}/{_ID}\.html"),
        # 网易号 2019-2020: dy.163.com/v2/article/detail/<ID>.html, dy.163.com/article/<ID>.html
        ("dy", r"dy\.163\.com", rf"/(?:v2/)?article/(?:detail/)?{_ID}\.html"),
        # news app share links: c.m.163.com/news/a/<ID>.html
        ("app", r"c\.m\.163\.com", rf"/news/a/{_ID}\.html"),
    )
)

LIST_ENTRY_LEVELS = 3  # how far up from a list link its entry (and shown time) is looked for
# hosts whose article links are mobile copies: list pages give their canonical form instead
MOBILE_HOSTS = ("m.163.com", "3g.163.com", "c.m.163.com")

# strings only NetEase pages carry (for copies of its pages served from elsewhere)
PAGE_MARKERS = ('id="ne_wrap"', "static.ws.126.net", "img1.cache.netease.com", "ne_article_source")

# noise inside or next to the body container, common to all templates
NOISE = (
    "script, style, div.post_author, p.otitle, div.post_recommends, div.post_statement, "
    "div.statement, div.gg200x300, div.related_article, div.ep-source"
)

# Article templates, tried in this order (the schema: monitor.extraction.schema). ``date`` is the
# info line (displayed time and 来源 line), ``outlet`` the 来源 anchor, ``author`` the
# 责任编辑 box (read before noise removal; a closing reporters' credit comes first).
TEMPLATES: dict[str, Selectors] = {
    # current layout, www.163.com/<channel>/article/<ID>.html, 2020 onwards (news and 网易号)
    "netease:2020+": Selectors(
        marker="div.post_main h1.post_title",
        title="h1.post_title",
        date="div.post_info",
        outlet="div.post_info a:not(.post_jubao)",
        body="div.post_main div.post_body",
        author="div.post_author",
        noise=NOISE,
    ),
    # news.163.com/<YY>/<MMDD>/<HH>/<ID>.html, 2019-2020
    "netease:2019": Selectors(
        marker="#epContentLeft div.post_time_source",
        title="#epContentLeft > h1",
        date="div.post_time_source",
        outlet="#ne_article_source",
        body="div.post_text#endText",
        author="div.ep-source",
        noise=NOISE,
    ),
    # news.163.com dated URLs, 2016 (declared gb2312, served GBK); "soure" is the site's typo
    "netease:2016": Selectors(
        marker="h1#h1title",
        title="h1#h1title",
        date="div.ep-time-soure",
        outlet="#ne_article_source",
        body="div#endText",
        author="div.ep-source",
        noise=NOISE,
    ),
    # 网易号 on dy.163.com/v2/article/detail/<ID>.html, 2019 (declared gb2312)
    "netease:dy-v2": Selectors(
        marker="div.article_title h2",
        title="div.article_title h2",
        date="p.time span",
        outlet="p.time span.source a",
        body="div#content.content",
        noise=NOISE,
    ),
}
# machine-readable publication times of a template: (name, XPath)
META_DATES: dict[str, tuple[tuple[str, str], ...]] = {
    "netease:2020+": (
        ("data-publishtime", "/html/@data-publishtime"),
        ("article:published_time", '//meta[@property="article:published_time"]/@content'),
    ),
    "netease:dy-v2": (("data-ptime", '//*[@id="contain"]/@data-ptime'),),
}
# templates that split one sentence over several <p>, to be merged back
FRAGMENTED = frozenset({"netease:dy-v2"})

_JSONP = re.compile(r"^\s*[\w$.]+\(\s*(?P<json>\{.*\})\s*\)\s*;?\s*$", re.DOTALL)
_DATETIME = re.compile(r"\d{4}-\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}(?::\d{2})?")
_SOURCE_TEXT = re.compile(r"来源\s*[:：]\s*(?P<outlet>[^\s|]+)")
_EDITOR = re.compile(r"责任编辑\s*[:：]\s*(?P<name>[^\s_:：]+)")
# a closing reporters' credit such as "(中国日报四川记者站 赵俊峰 彭超)" or "（记者 王五）"
_CREDIT = re.compile(r"^[（(](?P<inner>[^（）()]{2,40})[）)]$")
_CREDIT_ROLES = re.compile(r"^(?:本报)?(?:记者|通讯员|实习生)")
_PERSON = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")
# a dy-v2 fragment that closes a sentence, hence a paragraph
_SENTENCE_END = re.compile(r"[。！？!?…][”’」』）)]*$")


def _match(url: str) -> tuple[str, re.Match[str], str] | None:
    """(form kind, path match, host) of an article URL, else None."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    for kind, host_re, path_re in ARTICLE_FORMS:
        if host_re.fullmatch(host) and (match := path_re.fullmatch(parts.path)):
            return kind, match, host
    return None


def article_id(url: str) -> str | None:
    """The 16-character document ID of any NetEase article URL form, else None."""
    found = _match(url)
    return found[1]["id"] if found else None


def canonical_article_url(url: str) -> str | None:
    """The one address of an article: www form for 网易号 and news forms, dated form kept."""
    found = _match(url)
    if found is None:
        return None
    kind, match, host = found
    doc = match["id"]
    if kind == "channel":
        return f"https://www.163.com/{match['channel']}/article/{doc}.html"
    if kind == "mobile-dated":
        return f"https://{match['channel']}.163.com/{match['date']}/{doc}.html"
    if kind == "dated":
        section = f"{match['section']}/" if match["section"] else ""
        return f"https://{host}/{section}{match['date']}/{doc}.html"
    if kind == "dy":
        return f"https://www.163.com/dy/article/{doc}.html"
    return f"https://www.163.com/news/article/{doc}.html"


def listed_url(url: str) -> str | None:
    """The address a list page's article link is fetched at: mobile forms become canonical,
    desktop forms (www, dated news.163.com, dy.163.com/v2) are kept, https, without query."""
    found = _match(url)
    if found is None:
        return None
    host = found[2]
    if host in MOBILE_HOSTS:
        return canonical_article_url(url)
    return f"https://{host}{urlsplit(url.strip()).path}"


def _text(selector: Selector | None) -> str:
    """Whitespace-normalised text content (U+3000 and NBSP count as spaces)."""
    if selector is None:
        return ""
    return squash("".join(selector.xpath(".//text()").getall()))


def _first(page_selector: Selector, css: str | None) -> Selector | None:
    if not css:
        return None
    found = page_selector.css(css)
    return found[0] if found else None


@dataclass(frozen=True)
class NeteaseFamily:
    name: str = "netease"

    def claims(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return host == "163.com" or host.endswith(".163.com")

    def detect(self, page: Page) -> bool:
        head = page.text[:20000]
        return any(marker in head for marker in PAGE_MARKERS)

    def is_article_url(self, url: str) -> bool:
        return article_id(url) is not None

    def template(self, page: Page) -> str | None:
        """Name of the article template the page uses, else None."""
        if page.selector.type != "html":  # parsel reads JSON bodies as JSON
            return None
        for name, rules in TEMPLATES.items():
            if page.selector.css(rules.marker):
                return name
        return None

    # ------------------------------------------------------------------ lists

    def parse_list(self, page: Page, selectors: dict[str, str] | None = None) -> ListPage:
        """Article links of a JSONP channel list, the hot-news flow JSON or an HTML page.

        ``selectors`` may name ``list_links`` / ``next_page`` (CSS, HTML pages) and an
        ``article_url_pattern`` (regex) that replaces this family's article URL rule.
        """
        selectors = selectors or {}
        text = page.text.strip()
        next_pages: list[str] = []
        if (jsonp := _JSONP.match(text)) or text.startswith(("{", "[")):
            found = _json_links(jsonp["json"] if jsonp else text)
        else:
            found, next_pages = _html_links(page, selectors)
        pattern = selectors.get("article_url_pattern")
        return ListPage(articles=_keep_articles(found, pattern), next_pages=next_pages)

    # ------------------------------------------------------------------ articles

    def extract(self, page: Page, selectors: dict[str, str] | None = None) -> Fields | None:
        name = self.template(page)
        if name is None:
            return None
        rules = TEMPLATES[name].override(from_config(selectors))
        sel = page.selector
        fields = Fields(rule=name, title=_text(_first(sel, rules.title)) or None)

        info = _first(sel, rules.date)
        info_text = _text(info)
        fields.outlet = _text(_first(sel, rules.outlet)) or None
        if fields.outlet is None and (found := _SOURCE_TEXT.search(info_text)):
            fields.outlet = found["outlet"]
        if info_text:
            shown = _DATETIME.search(info_text)
            text = shown.group(0) if shown else info_text
            fields.date_candidates.append(DateCandidate(text=text, origin=f"site:{rules.date}"))
        for meta_name, xpath in META_DATES.get(name, ()):
            if value := (sel.xpath(xpath).get() or "").strip():
                fields.date_candidates.append(DateCandidate(text=value, origin=f"meta:{meta_name}"))

        editor = _EDITOR.search(_text(_first(sel, rules.author)))
        body = _first(sel, rules.body)
        if body is None:
            fields.notes.append(f"{name}: no body container {rules.body}")
        else:
            fields.paragraphs, fields.images = _body(
                body, page.url, rules.each("noise"), merge=name in FRAGMENTED
            )
            if not fields.paragraphs:
                fields.notes.append(f"{name}: body container {rules.body} has no text")
        fields.author = _credited(fields.paragraphs) or (editor["name"] if editor else None)

        declared = sel.css('link[rel="canonical"]::attr(href)').get() or ""
        fields.canonical_url = canonical_article_url(declared) or canonical_article_url(page.url)
        return fields


def _json_links(text: str) -> list[ListedLink]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return []
    if not isinstance(data, dict):
        return []
    if isinstance(data.get("data"), dict):  # hot-news flow: {"data": {"list": [...]}}
        items = data["data"].get("list") or []
    else:  # JSONP channel list: artiList({"<channelId>": [...]})
        items = [item for value in data.values() if isinstance(value, list) for item in value]
    return [
        ListedLink(item.get("url") or "", item.get("title"), item.get("ptime"))
        for item in items
        if isinstance(item, dict)
    ]


def _html_links(page: Page, selectors: dict[str, str]) -> tuple[list[ListedLink], list[str]]:
    """The links of the source's ``list_links``; else the list the page's structure shows
    (``monitor.extraction.listing``) when it holds articles of this family, else every link."""
    sel = page.selector
    next_pages: list[str] = []
    found: list[ListedLink] = []
    if not selectors.get("list_links"):
        detected = find_list(sel.root, page.url)
        found = [ListedLink(item.url, item.title, item.listed_at) for item in detected.items]
        next_pages = detected.next_pages
        if not _keep_articles(found, selectors.get("article_url_pattern")):
            found = []
    if not found:
        found = [
            ListedLink(url=urljoin(page.url, href), title=(title := _text(link)) or None,
                       listed_at=_listed_time(link, title))
            for link in sel.css(selectors.get("list_links") or "a[href]")
            if (href := link.attrib.get("href"))
        ]
    if selectors.get("next_page"):
        next_pages = []
        for href in sel.css(selectors["next_page"]).xpath("@href").getall():
            if (url := urljoin(page.url, href)) not in next_pages:
                next_pages.append(url)
    return found, next_pages


def _listed_time(link: Selector, title: str) -> str | None:
    """The time shown next to a link in its list entry (``30分钟前``, ``07-15 18:00``): the
    text of the nearest enclosing element (up to ``LIST_ENTRY_LEVELS`` up) that holds no
    other article link."""
    node = link
    for _ in range(LIST_ENTRY_LEVELS):
        parents = node.xpath("..")
        if not parents:
            return None
        node = parents[0]
        hrefs = {listed_url(href) for href in node.xpath(".//a/@href").getall()} - {None}
        if len(hrefs) > 1:
            return None
        text = " ".join(part.strip() for part in node.xpath(".//text()").getall()).strip()
        if found := find_listed_time(text.replace(title, " ", 1) if title else text):
            return found
    return None


def _keep_articles(links: list[ListedLink], pattern: str | None = None) -> list[ListedLink]:
    """Article links only (by ``pattern`` when given), in their fetch form, first kept."""
    kept: dict[str, ListedLink] = {}
    for link in links:
        if pattern:
            url = (listed_url(link.url) or link.url) if re.search(pattern, link.url) else None
        else:
            url = listed_url(link.url)
        if url and url not in kept:
            kept[url] = ListedLink(url=url, title=link.title, listed_at=link.listed_at)
    return list(kept.values())


def _body(
    container: Selector, base_url: str, noise: tuple[str, ...], merge: bool
) -> tuple[list[str], list[Image]]:
    """Paragraphs (``noise`` dropped) and images (src + caption) of a body container, in order."""
    body = Selector(text=container.get())
    for css in noise:
        body.css(css).drop()
    paragraphs: list[str] = []
    images: list[Image] = []
    for block in body.xpath("//p | //img[not(ancestor::p)]"):
        pictures = [block] if block.root.tag == "img" else block.css("img")
        text = _text(block)
        if pictures:  # an image paragraph: its text is the caption
            for picture in pictures:
                src = picture.attrib.get("src") or picture.attrib.get("data-src")
                if src:
                    images.append(Image(src=urljoin(base_url, src), caption=text or None))
        elif text:
            paragraphs.append(text)
    return (_merge_fragments(paragraphs) if merge else paragraphs), images


def _merge_fragments(fragments: list[str]) -> list[str]:
    """Join dy-v2 sentence fragments: a paragraph ends with a fragment that ends a sentence."""
    merged: list[str] = []
    current = ""
    for fragment in fragments:
        current += fragment
        if _SENTENCE_END.search(current):
            merged.append(current)
            current = ""
    if current:
        merged.append(current)
    return merged


def _credited(paragraphs: list[str]) -> str | None:
    """Reporters named in a closing credit line such as "(中国日报四川记者站 赵俊峰 彭超)"."""
    if not paragraphs or not (credit := _CREDIT.match(paragraphs[-1])):
        return None
    inner = credit["inner"]
    if "记者" not in inner and "通讯员" not in inner:
        return None
    names = [
        name
        for token in inner.split()
        if (name := _CREDIT_ROLES.sub("", token)) and _PERSON.match(name)
    ]
    return " ".join(names) or None


FAMILY = NeteaseFamily()
