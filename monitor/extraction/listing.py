"""List detection by page structure: a list page's main list, the date shown beside each
item, and the next list page, found the way a reader finds them.

Pure: an lxml tree and its URL in, a ``Listing`` out.

**The main list.** Every anchor is grouped with the anchors that sit at the same place in
a repeated item: the same container element, and the same path (tags and classes) from
the item (a child of the container) down to the anchor. ``ul > li > a``, ``tbody > tr >
td > a``, ``div.list > div.item > h3 > a`` each make one group; a list split into several
``<ul>`` makes one group one level up. Each group is scored by

* repetition and link text: the sum over its links of the title length (capped), so many
  items with real headlines beat a menu of two-character entries;
* dates: the share of items that show a date (``monitor.article.dates.find_listed_time``, relative
  times and year-less ``MM-DD`` included) raises the score;
* URL shape, one signal among several: links that look like articles (a numeric id or a
  date in the path, VSB ``/info/<col>/<id>.htm``, WebPlus ``/c<col>a<id>/page.htm``, an id
  in the query) raise it, links that look like columns (``index.html``, ``list_2.html``,
  a path without any number) lower it; links to other sites lower it;
* furniture: a group inside navigation, header, footer, breadcrumb, share or link blocks
  (by tag: ``nav``, ``header``, ``footer``, ``aside``; by class or id), or under a heading
  such as 热门 / 推荐 / 排行 / 相关 (unless the page's own title says so: a ranking page)
  loses most of its score.

The best group is the list; sibling items of the same kind whose inner markup differs (a
search page's answer, article and question cards) join it. Within an item, a short link
beside the headline (a category tag) is dropped, and so are "更多" and pager links.

**The shown date** of an item is read from the item's text outside its headline: each
short text first, then the short texts joined (a day printed apart from its year and
month), then the text right after the item up to the next one (``<dt>`` / ``<dd>`` pairs).

**The next page**: a link reading 下一页 / 下页 / 后页 / next (or marked ``rel=next`` or
with a ``next`` class), then ``>`` / ``›`` / ``→``, then ``»`` / ``>>``; else the pager
number after the current page; else a link whose URL is the page URL's successor
(``index.html`` → ``index_1.html`` / ``index_2.html``, ``list_2.html`` → ``list_3.html``,
VSB's reverse-numbered ``xxyw.htm`` → ``xxyw/311.htm`` → ``xxyw/310.htm``, ``?page=2``).
``javascript:`` and ``#…`` pagers are no next page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import lxml.html

from monitor.article.dates import find_listed_time
from monitor.article.text import squash, without_spaces

# ---------------------------------------------------------------- data

MAX_ITEM_DEPTH = 10  # levels between a list's container and its item anchors, at most
TITLE_FULL = 24  # a link text this long (characters without spaces) counts fully
SHORT_TEXT = 4  # a link text shorter than this is a menu entry or a pager number
SHORT_TEXT_WEIGHT = 0.2
DATE_WEIGHT = 1.0  # score × (1 + DATE_WEIGHT × share of items with a shown date)
FURNITURE_FACTOR = 0.15  # score × this for a group inside navigation, header, footer…
SIDE_LIST_FACTOR = 0.3  # score × this for a group under a 热门 / 推荐 / 排行 heading
MIN_LIST_SCORE = 1.0  # a best group scoring less is no list (a menu of short entries)
MAX_DATE_NODE = 40  # a text longer than this beside a headline is a summary, not a date
MAX_SPLIT_NODE = 12  # texts this short are joined to read a split date ("15" + "2024-05")
MAX_HEADING = 20  # a block heading is at most this long
SIBLING_TEXT_SHARE = 0.5  # sibling items of another markup join when their links are this long
CATEGORY_SHARE = 0.5  # a link beside a headline and shorter than this share of it is a tag
UNDATED_BLOCK_SHARE = 0.5  # a block of a list dated less than this share of the best is apart

# What may stand beside a date in its own element: a label, brackets, separators.
_DATE_LABEL = re.compile(
    r"[\s:：()（）\[\]【】|/·,，-]|发布|发表|更新|时间|日期|于|posted|on", re.IGNORECASE)
MAX_DATE_LABEL = 2  # characters left once the date and its label are taken out
# A date in brackets at the start or the end of a link text.
_BRACKETED_EDGE = re.compile(
    r"^\s*[\[【(（]\s*(?P<date>[^\]】)）]{2,25}?)\s*[\]】)）]"
    r"|[\[【(（]\s*(?P<date2>[^\[【(（]{2,25}?)\s*[\]】)）]\s*$")
_RECORD = re.compile(r"<record[^>]*>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
_NOT_LINK = re.compile(r"^(?:javascript:|mailto:|tel:|#|data:)", re.IGNORECASE)
_SKIP_TAGS = frozenset("script style noscript template textarea select option".split())
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Classes and ids of page furniture (matched on the lowercased class and id attributes).
_FURNITURE = re.compile(
    r"nav|menu|header|footer|breadcrumb|crumb|sidebar|copyright|paihang|tuijian|recommend"
    r"|related|friendlink|(?:^|[\s_-])(?:foot|hot|rank|links?|yqlj|share|toolbar|xgxw|remen)"
    r"(?:$|[\s_-]|[a-z]*(?:$|[\s_-]))"
)
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_FURNITURE_TAGS = frozenset({"nav", "header", "footer", "aside"})
# Headings of side lists that are not the page's list.
_SIDE_HEADING = re.compile(
    r"热门|热读|热搜|热榜|推荐|排行|排名|相关|猜你喜欢|大家都在看|点击榜|阅读榜|跟贴榜"
    r"|友情链接|24小时|一周|本月"
)
_HEADING_CLASS = re.compile(r"(?:^|[\s_-])(?:tit|title|hd|head|heading|caption|bt|name)",
                            re.IGNORECASE)
# Link texts that are never an item: "more", pagers, back links.
_NOT_ITEM_TEXT = re.compile(
    r"^[\s>»›<«‹\[\]【】()（）.…]*(?:更多|查看更多|more|详细|详情|阅读全文|全文|首页|尾页|末页"
    r"|上一页|下一页|上页|下页|前页|后页|返回|[\d\s]+|next|prev|previous|last|first)"
    r"[\s>»›<«‹\[\]【】()（）.…+]*$",
    re.IGNORECASE,
)
# Article-looking URLs, by path and query.
_ARTICLE_PATHS = (
    re.compile(r"/c\d+a\d+/page\.[a-z]+$", re.IGNORECASE),  # WebPlus: /<hex>/<hex>/c<col>a<id>/
    re.compile(r"/info/\d+/\d+\.[a-z]+$", re.IGNORECASE),  # VSB: /info/<col>/<id>.htm
    re.compile(r"(?:^|/|_|-)(?:19|20)\d{2}(?:[-/_]?(?:0[1-9]|1[0-2])|/[1-9]/)"),  # a date
)
_LIST_NAME = re.compile(
    r"^(?:index|default|list|lists|more|channel|column|node|category|catalog)(?:[_-]?\d*)*$",
    re.IGNORECASE,
)
_ID_IN_NAME = re.compile(r"\d{3,}|(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{10,}")
_ID_QUERY = re.compile(r"(?:^|&)[a-z_]*(?:id|no|aid|p)=[\w-]*\d{2,}", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_STATE_CLASSES = frozenset(
    "active on cur current curr selected sel hover odd even first last new hot top alt "
    "clearfix cf fl fr left right show hide open".split()
)
_CLASS_DIGITS = re.compile(r"\d+")
# The next page: link texts, in order of trust.
_NEXT_WORDS = frozenset({"下一页", "下页", "后页", "下一頁", "next", "nextpage", "next page",
                         "older posts", "older entries", "较早文章", "更早的文章", "早期文章"})
_NEXT_ARROWS = frozenset({">", "›", "→", "〉", "＞"})
_NEXT_DOUBLE = frozenset({"»", ">>", "》", "≫"})
_DECORATION = " \t\r\n\u00a0\u3000[]【】()（）<>«»‹›←→"
MAX_PAGE_NUMBER = 1000  # name_<n>.html with a larger n is an item or column id, not a page
_NOT_NEXT = re.compile(r"尾页|末页|首页|上一?页|前页|last|first|prev", re.IGNORECASE)
_NEXT_CLASS = re.compile(r"(?:^|[\s_-])next(?:$|[\s_-]|page)", re.IGNORECASE)
_CURRENT_CLASS = re.compile(
    r"(?:^|[\s_-])(?:active|on|cur|current|curr|selected|sel|now)(?:$|[\s_-])", re.IGNORECASE
)
_PAGER_CALL = re.compile(
    r"createPageHTML\(\s*([\w$]+)\s*,\s*([\w$]+)\s*,\s*[\"']([\w.-]+)[\"']\s*,"
    r"\s*[\"'](\w+)[\"']")
_NUMBER = re.compile(r"^\[?\s*(\d{1,5})\s*\]?$")
_PAGE_QUERY = re.compile(r"^(?:page|pageno|pagenum|pageindex|p|pn|curpage|currentpage|pg)$",
                         re.IGNORECASE)


@dataclass
class ListItem:
    """One item of a list page's main list."""

    url: str
    title: str | None = None
    listed_at: str | None = None  # the date text shown beside it, for monitor.article.dates


@dataclass
class Listing:
    items: list[ListItem] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)
    score: float = 0.0  # the main list's score (0: no repeated links found)
    path: str = ""  # where the list is: container > item > … > a, for reports


# ---------------------------------------------------------------- anchors


@dataclass(eq=False)
class _Anchor:
    element: object
    url: str
    text: str  # the visible link text, date-only texts left out
    length: int  # characters of ``text`` without spaces
    order: int
    title: str  # text, else the title attribute, else an image's alt
    shape: int  # 1 article-like URL, -1 column-like, 0 neither


def _visible_texts(element, skip=None) -> list[str]:
    """The text nodes under ``element`` in order (scripts, styles and ``skip`` left out)."""
    out: list[str] = []

    def walk(node) -> None:
        if node.text:
            out.append(node.text)
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _SKIP_TAGS and child is not skip:
                walk(child)
            if child.tail:
                out.append(child.tail)

    walk(element)
    return [text for text in map(squash, out) if text]


def edge_date(text: str) -> tuple[str, str] | None:
    """(date, the rest) when ``text`` starts or ends with a date set apart by a space or by
    brackets ("2024-05-13 标题", "[05-13]标题", "标题 (2024-05-13 10:20)"), else None; a
    title that merely begins with a date ("5月13日召开…") has none."""
    if not _DIGIT.search(text) and "前" not in text:
        return None
    bracketed = _BRACKETED_EDGE.search(text)
    if bracketed:
        shown = bracketed["date"] or bracketed["date2"]
        if (found := find_listed_time(shown)) and _is_date_text(shown, found):
            return found, squash(text[:bracketed.start()] + " " + text[bracketed.end():])
    words = text.split()
    for count in (2, 1):
        if len(words) <= count:
            continue
        for part, rest in ((words[:count], words[count:]), (words[-count:], words[:-count])):
            candidate = " ".join(part)
            if (found := find_listed_time(candidate)) and _is_date_text(candidate, found):
                return found, " ".join(rest)
    return None


def _short_text(element, limit: int) -> str:
    """The text of ``element`` when it is at most ``limit`` characters, else ''; stops
    reading as soon as it is longer (a heading check must not read a whole column)."""
    parts: list[str] = []
    size = 0

    def walk(node) -> bool:
        nonlocal size
        if node.text and node.text.strip():
            parts.append(node.text)
            size += len(node.text.strip())
            if size > limit:
                return False
        for child in node:
            if isinstance(child.tag, str) and child.tag not in _SKIP_TAGS and not walk(child):
                return False
            if child.tail and child.tail.strip():
                parts.append(child.tail)
                size += len(child.tail.strip())
                if size > limit:
                    return False
        return True

    if not walk(element):
        return ""
    text = squash(" ".join(parts))
    return text if len(text) <= limit else ""


def _is_date_text(text: str, found: str | None = None) -> bool:
    """True when ``text`` is a shown date and at most its label (``发布于``, brackets)."""
    found = found or find_listed_time(text)
    if found is None:
        return False
    rest = _DATE_LABEL.sub("", text.replace(found, "", 1))
    return len(rest) <= MAX_DATE_LABEL


def _hidden(element, memo: dict) -> bool:
    chain = []
    node = element
    while node is not None and node not in memo:
        chain.append(node)
        node = node.getparent()
    hidden = memo.get(node, False) if node is not None else False
    for node in reversed(chain):
        hidden = hidden or node.get("hidden") is not None or bool(
            _HIDDEN_STYLE.search(node.get("style") or ""))
        memo[node] = hidden
    return hidden


def _base_url(root, url: str) -> str:
    for base in root.iter("base"):
        if base.get("href"):
            return urljoin(url, base.get("href").strip())
    return url


def _resolve(base: str, href: str) -> str | None:
    try:
        url = urljoin(base, href.strip())
    except ValueError:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


@lru_cache(maxsize=8192)
def url_shape(url: str) -> int:
    """1 when the URL looks like an article's, -1 like a column's or list's, else 0."""
    parts = urlsplit(url)
    path = parts.path
    if any(pattern.search(path) for pattern in _ARTICLE_PATHS):
        return 1
    name = path.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0]
    if _LIST_NAME.match(stem) and not _ID_QUERY.search(parts.query):
        return -1
    if _ID_IN_NAME.search(stem) or _ID_QUERY.search(parts.query):
        return 1
    if not _DIGIT.search(path) and not _DIGIT.search(parts.query):
        return -1
    return 0


@lru_cache(maxsize=8192)
def _site(url: str) -> str:
    """The registrable part of the host (``news.163.com`` → ``163.com``, ``a.edu.cn`` kept)."""
    labels = (urlsplit(url).hostname or "").split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in (
            "com", "edu", "gov", "org", "net", "ac"):
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _anchors(root, base: str, hidden: bool = False) -> list[_Anchor]:
    """The page's links (those a style hides only when ``hidden``), in page order."""
    anchors = []
    memo: dict = {}
    page_key = _key(base)
    for element in root.iter("a"):
        href = (element.get("href") or "").strip()
        if not href or _NOT_LINK.match(href) or (not hidden and _hidden(element, memo)):
            continue
        url = _resolve(base, href)
        if url is None or _key(url) == page_key:
            continue
        texts = _visible_texts(element)
        if len(texts) > 1:
            kept = [text for text in texts if not _is_date_text(text)]
        elif texts and (edge := edge_date(texts[0])):
            kept = [edge[1]]
        else:
            kept = texts
        text = squash(" ".join(kept))
        heading = next(element.iter(*_HEADINGS), None) if len(texts) > 1 else None
        if heading is not None:  # a card link: its heading is the headline
            title = squash(" ".join(_visible_texts(heading))) or text
        else:
            title = text or squash(element.get("title") or "") or squash(
                " ".join(img.get("alt") or "" for img in element.iter("img")))
        anchors.append(_Anchor(element, url, text, len(without_spaces(text)), len(anchors),
                               title, url_shape(url)))
    return anchors


@lru_cache(maxsize=8192)
def _key(url: str) -> str:
    """A URL without scheme and fragment, for comparisons."""
    parts = urlsplit(url)
    return urlunsplit(("", (parts.netloc or "").lower(), parts.path or "/", parts.query, ""))


# ---------------------------------------------------------------- groups


def _signature(element, memo: dict) -> str:
    found = memo.get(element)
    if found is None:
        classes = sorted(
            {_CLASS_DIGITS.sub("", name) for name in (element.get("class") or "").lower().split()}
            - _STATE_CLASSES - {""})
        found = element.tag + "".join("." + name for name in classes)
        memo[element] = found
    return found


@dataclass(eq=False)
class _Group:
    parent: object
    rel: str  # item tag / … / anchor signature
    members: list[tuple[_Anchor, object]]  # (anchor, its item: a child of ``parent``)
    score: float = 0.0
    upper: float = 0.0  # the score's upper bound before dates are read
    dated: float | None = None  # share of items with a shown date
    dates: dict = field(default_factory=dict)  # anchor → shown date text

    @property
    def items(self) -> list:
        return list(dict.fromkeys(item for _, item in self.members))


def _groups(anchors: list[_Anchor]) -> list[_Group]:
    """Every (container, path) group of the anchors, single-item ones included."""
    memo: dict = {}
    found: dict[tuple, _Group] = {}
    for anchor in anchors:
        child = anchor.element
        below = ""
        for _ in range(MAX_ITEM_DEPTH):
            parent = child.getparent()
            if parent is None or not isinstance(parent.tag, str):
                break
            rel = child.tag + below
            group = found.get((parent, rel))
            if group is None:
                group = found[(parent, rel)] = _Group(parent, rel, [])
            group.members.append((anchor, child))
            below = "/" + _signature(child, memo) + below
            child = parent
    return list(found.values())


def _classes_and_id(element) -> str:
    return f"{element.get('class') or ''} {element.get('id') or ''}".lower()


def _furniture(element) -> bool:
    """True for navigation, header, footer… by tag, class or id (``<body class>`` names the
    page's layout, not a block)."""
    if element.tag in ("body", "html"):
        return False
    return element.tag in _FURNITURE_TAGS or bool(_FURNITURE.search(_classes_and_id(element)))


def _heading_before(element) -> str:
    """The short text of the element right before ``element`` (its block's heading)."""
    node = element.getprevious()
    while node is not None and not isinstance(node.tag, str):
        node = node.getprevious()
    if node is None or node.tag in _SKIP_TAGS:
        return ""
    return _short_text(node, MAX_HEADING)


def _side_heading(element, page_title: str) -> bool:
    """True when a block heading above ``element`` names a side list (热门, 推荐, 排行…)
    that the page's own title does not name."""
    for text in (_heading_before(element), _first_heading(element)):
        found = _SIDE_HEADING.search(text) if text else None
        if found and found.group(0) not in page_title:
            return True
    return False


def _first_heading(element) -> str:
    """The text of ``element``'s first child when it reads as a heading, not an item."""
    for child in element:
        if not isinstance(child.tag, str) or child.tag in _SKIP_TAGS:
            continue
        if child.tag in (*_HEADINGS, "caption") or (
                _HEADING_CLASS.search(child.get("class") or "")):
            return _short_text(child, MAX_HEADING)
        return ""
    return ""


@dataclass
class _Context:
    base: str
    site: str
    title: str  # the page's <title>
    furniture: dict = field(default_factory=dict)  # element → inside furniture
    side: dict = field(default_factory=dict)  # element → under a side-list heading


def _inside_furniture(element, context: _Context) -> bool:
    chain = []
    node = element
    while node is not None and node not in context.furniture:
        chain.append(node)
        node = node.getparent()
    inside = context.furniture.get(node, False) if node is not None else False
    for node in reversed(chain):
        inside = inside or _furniture(node)
        context.furniture[node] = inside
    return inside


def _under_side_heading(element, context: _Context, levels: int = 3) -> bool:
    node = element
    for _ in range(levels):
        if node is None or not isinstance(node.tag, str) or node.tag in ("body", "html"):
            return False
        if node not in context.side:
            context.side[node] = _side_heading(node, context.title)
        if context.side[node]:
            return True
        node = node.getparent()
    return False


def _between(anchor: _Anchor, item) -> list:
    """The elements from the anchor's parent up to ``item``, inclusive."""
    chain = []
    node = anchor.element.getparent()
    while node is not None:
        chain.append(node)
        if node is item:
            break
        node = node.getparent()
    return chain


def _prune(group: _Group, context: _Context) -> list[tuple[_Anchor, object]]:
    """The members left once tags beside a headline are dropped (``[院务]`` before the
    title, in the same element of the item), and, in an item that is itself a block of
    links (a list split in boxes), those in furniture or under a side heading."""
    by_parent: dict = {}
    for anchor, _ in group.members:
        by_parent.setdefault(anchor.element.getparent(), []).append(anchor.length)
    members = [
        (anchor, item) for anchor, item in group.members
        if (parent := anchor.element.getparent()) is group.parent or len(by_parent[parent]) < 2
        or anchor.length >= CATEGORY_SHARE * max(by_parent[parent])]
    per_item: dict = {}
    for anchor, item in members:
        per_item.setdefault(item, []).append(anchor)
    if all(len(anchors) == 1 for anchors in per_item.values()):
        return members
    kept = []
    for anchor, item in members:
        inner = _between(anchor, item)[:-1]
        if any(_furniture(node) for node in inner) or any(
                _under_side_heading(node, context, 1) for node in [*inner, item]):
            continue
        kept.append((anchor, item))
    return kept


def _weight(anchor: _Anchor) -> float:
    weight = min(anchor.length, TITLE_FULL) / TITLE_FULL
    return weight * SHORT_TEXT_WEIGHT if anchor.length < SHORT_TEXT else weight


def _score_without_dates(group: _Group, context: _Context) -> float:
    group.members = _prune(group, context)
    best: dict[str, _Anchor] = {}
    for anchor, _ in group.members:
        if anchor.url not in best or anchor.length > best[anchor.url].length:
            best[anchor.url] = anchor
    if len(best) < 2:
        return 0.0
    chosen = list(best.values())
    base = sum(_weight(anchor) for anchor in chosen)
    shapes = [anchor.shape for anchor in chosen]
    articles = shapes.count(1) / len(shapes)
    columns = shapes.count(-1) / len(shapes)
    same_site = sum(_site(anchor.url) == context.site for anchor in chosen) / len(chosen)
    score = base * max(0.1, 0.5 + 0.5 * articles - 0.3 * columns) * (0.6 + 0.4 * same_site)
    if _inside_furniture(group.parent, context):
        score *= FURNITURE_FACTOR
    if _under_side_heading(group.parent, context):
        score *= SIDE_LIST_FACTOR
    return score


# ---------------------------------------------------------------- shown dates


def _entry(anchor: _Anchor, item, counts: dict):
    """The largest element around ``anchor``, up to its item, that holds no other link of
    the group."""
    entry = anchor.element
    for node in _between(anchor, item):
        if counts.get(node, 0) > 1:
            break
        entry = node
    return entry


def shown_date(entry, headline=None, after=()) -> str | None:
    """The date text shown in a list entry, outside its ``headline`` link; then in the
    elements ``after`` it (the ``<dd>`` after a ``<dt>``)."""
    texts = _visible_texts(entry, skip=headline)
    if headline is not None and headline is not entry:
        short = [text for text in texts if len(text) <= MAX_DATE_NODE]
        for text in short:  # a text that is a date (and its label) …
            if (found := find_listed_time(text)) and _is_date_text(text, found):
                return found
        for text in short:  # … before a numeric date inside a short text
            if (found := find_listed_time(text)) and _DIGIT.search(found):
                return found
        joined = " ".join(text for text in texts if len(text) <= MAX_SPLIT_NODE)
        if joined and (found := find_listed_time(joined)):
            return found
    if headline is not None:  # dates inside the link itself ("<a><span>15</span>2024-05 …")
        inner = _visible_texts(headline)
        if len(inner) == 1 and (edge := edge_date(inner[0])):
            return edge[0]
        if len(inner) > 1:
            for text in inner:
                if (found := find_listed_time(text)) and _is_date_text(text, found):
                    return found
            joined = " ".join(text for text in inner if len(text) <= MAX_SPLIT_NODE)
            if joined and (found := find_listed_time(joined)):
                return found
    for node in after:
        for text in _visible_texts(node):
            if len(text) <= MAX_DATE_NODE and (found := find_listed_time(text)):
                return found
    return None


def _read_dates(group: _Group) -> None:
    counts: dict = {}
    for anchor, item in group.members:
        for node in _between(anchor, item):
            counts[node] = counts.get(node, 0) + 1
    items = set(group.items)
    dated: dict[object, bool] = {}
    for anchor, item in group.members:
        entry = _entry(anchor, item, counts)
        after = []
        if entry is item:
            node = item.getnext()
            while node is not None and node not in items and len(after) < 2:
                if isinstance(node.tag, str):
                    after.append(node)
                node = node.getnext()
        found = shown_date(entry, anchor.element, after)
        if found:
            group.dates[anchor] = found
        dated[entry] = dated.get(entry, False) or bool(found)
    group.dated = sum(dated.values()) / len(dated) if dated else 0.0


# ---------------------------------------------------------------- the main list


def _best(groups: list[_Group], context: _Context) -> _Group | None:
    for group in groups:
        group.upper = _score_without_dates(group, context)
    groups = sorted((g for g in groups if g.upper > 0), key=lambda g: g.upper, reverse=True)
    best = None
    for group in groups:
        if best is not None and group.upper * (1 + DATE_WEIGHT) <= best.score:
            break
        _read_dates(group)
        if _drop_undated_blocks(group):
            group.upper = _score_without_dates(group, context)
            _read_dates(group)
        group.score = group.upper * (1 + DATE_WEIGHT * (group.dated or 0.0))
        if best is None or group.score > best.score:
            best = group
    return best


def _drop_undated_blocks(group: _Group) -> bool:
    """In a group whose items are blocks of links, the blocks that show dates far less
    often than the best-dated one are another list (features beside the news): dropped.
    True when some were."""
    per_item: dict = {}
    for anchor, item in group.members:
        per_item.setdefault(item, []).append(anchor)
    if all(len(anchors) == 1 for anchors in per_item.values()):
        return False
    shares = {item: sum(anchor in group.dates for anchor in anchors) / len(anchors)
              for item, anchors in per_item.items()}
    top = max(shares.values())
    keep = {item for item, share in shares.items() if share >= UNDATED_BLOCK_SHARE * top}
    if len(keep) == len(shares):
        return False
    group.members = [(anchor, item) for anchor, item in group.members if item in keep]
    group.dates = {}
    return True


def _siblings(best: _Group, groups: list[_Group]) -> list[_Group]:
    """Groups under the same container whose items are other items of the same kind (a
    search page's answer, article and question cards): one link per item, headlines."""
    memo: dict = {}
    kinds = {_signature(item, memo) for item in best.items}
    taken = {id(item) for item in best.items}
    mean = sum(a.length for a, _ in best.members) / max(1, len(best.members))
    joined = []
    for group in groups:
        if group is best or group.parent is not best.parent:
            continue
        items = group.items
        if (len(items) != len(group.members) or any(id(item) in taken for item in items)
                or any(_signature(item, memo) not in kinds for item in items)):
            continue
        lengths = [anchor.length for anchor, _ in group.members]
        if sum(lengths) / len(lengths) >= SIBLING_TEXT_SHARE * mean:
            joined.append(group)
            taken.update(id(item) for item in items)
    return joined


def _headlines(members: list[tuple[_Anchor, object]]) -> list[_Anchor]:
    """The item links in page order, "more" and pager links and links without any text
    left out."""
    return [anchor for anchor, _ in sorted(members, key=lambda member: member[0].order)
            if anchor.title and not _NOT_ITEM_TEXT.match(anchor.text or anchor.title)]


def _describe(group: _Group) -> str:
    memo: dict = {}
    return f"{_signature(group.parent, memo)} > {group.rel.replace('/', ' > ')}"


def _datastore(root):
    """The list records a page keeps in ``<script type="text/xml">`` for a script to show
    (大汉 Hanweb's ``<datastore><recordset><record><![CDATA[<li>…]]>``), as a tree of their
    own; None when there are none."""
    blocks = []
    for script in root.iter("script"):
        text = script.text or ""
        if "<record" in text and "CDATA" in text:
            records = _RECORD.findall(text)
            if records:
                blocks.append("<div>" + "".join(records) + "</div>")
    if not blocks:
        return None
    return lxml.html.document_fromstring("<html><body>" + "".join(blocks) + "</body></html>")


def find_list(root, url: str) -> Listing:
    """The main list of the page ``root`` (an lxml tree) at ``url``, and its next pages."""
    records = _datastore(root)
    if records is not None:
        listing = find_list(records, url)
        if listing.items:
            listing.next_pages = find_next_pages(root, url)
            listing.path = "script datastore: " + listing.path
            return listing
    base = _base_url(root, url)
    anchors = _anchors(root, base)
    head = next(root.iter("title"), None)
    title = squash(" ".join(_visible_texts(head))) if head is not None else ""
    context = _Context(base=base, site=_site(base), title=title)
    listing = Listing(next_pages=find_next_pages(root, url, anchors))
    every = _groups(anchors)
    best = _best([group for group in every if len(group.items) >= 2], context)
    if best is None or best.score < MIN_LIST_SCORE:  # a list a script shows once loaded?
        every = _groups(_anchors(root, base, hidden=True))
        best = _best([group for group in every if len(group.items) >= 2], context)
    if best is None or best.score < MIN_LIST_SCORE:
        return listing
    members = list(best.members)
    dates = dict(best.dates)
    for group in _siblings(best, every):
        group.members = _prune(group, context)
        members += group.members
        if group.dated is None:
            _read_dates(group)
        dates.update(group.dates)
    by_url: dict[str, ListItem] = {}
    for anchor in _headlines(members):
        known = by_url.get(anchor.url)
        if known is None:
            by_url[anchor.url] = ListItem(anchor.url, anchor.title or None, dates.get(anchor))
        elif known.listed_at is None:
            known.listed_at = dates.get(anchor)
    listing.items = list(by_url.values())
    listing.score = best.score
    listing.path = _describe(best)
    return listing


# ---------------------------------------------------------------- the next page


def _label(anchor: _Anchor) -> str:
    text = anchor.text or squash(anchor.element.get("title") or "") or squash(
        " ".join(img.get("alt") or "" for img in anchor.element.iter("img")))
    return text


def _successors(url: str) -> list[str]:
    """URLs that would follow ``url`` in the common CMS page numbering schemes."""
    parts = urlsplit(url)
    path = parts.path
    directory, _, name = path.rpartition("/")
    stem, dot, extension = name.partition(".")
    found = []

    def with_path(new_path: str, query: str = parts.query) -> str:
        return urlunsplit((parts.scheme, parts.netloc, new_path, query, ""))

    query = parse_qsl(parts.query, keep_blank_values=True)
    for index, (key, value) in enumerate(query):
        if _PAGE_QUERY.match(key) and value.isdigit():
            following = [*query[:index], (key, str(int(value) + 1)), *query[index + 1:]]
            found.append(with_path(path, "&".join(f"{k}={v}" for k, v in following)))
    if numbered := re.fullmatch(r"(.*?)([_-]?)(\d+)", stem):
        head, separator, number = numbered.groups()
        if (head or separator) and int(number) < MAX_PAGE_NUMBER:
            found.append(with_path(f"{directory}/{head}{separator}{int(number) + 1}{dot}"
                                   f"{extension}"))
        if not head and not separator and directory:  # VSB: xxyw/311.htm → xxyw/310.htm
            found.append(with_path(f"{directory}/{int(number) - 1}{dot}{extension}"))
    elif stem:
        for separator, number in (("_", 2), ("_", 1), ("", 2), ("-", 2)):
            found.append(with_path(f"{directory}/{stem}{separator}{number}{dot}{extension}"))
    elif not name:  # a directory: its index_1 / index_2 pages, WordPress's page/2/
        for candidate in ("index_1", "index_2", "index2", "list_2"):
            for suffix in (".html", ".htm", ".shtml"):
                found.append(with_path(f"{path}{candidate}{suffix}"))
        if paged := re.search(r"/page/(\d+)/$", path):
            found.append(with_path(f"{path[:paged.start()]}/page/{int(paged[1]) + 1}/"))
        else:
            found.append(with_path(f"{path}page/2/"))
    return found


def _vsb_first_following(url: str, anchors: list[_Anchor]) -> str | None:
    """VSB's reverse numbering: page 1 ``xxyw.htm``, page 2 ``xxyw/<highest>.htm``."""
    parts = urlsplit(url)
    stem, dot, extension = parts.path.rpartition("/")[2].partition(".")
    if not stem or not dot or _DIGIT.search(stem):
        return None
    folder = parts.path.rsplit(".", 1)[0] + "/"
    pattern = re.compile(re.escape(folder) + r"(\d+)\." + re.escape(extension) + "$")
    numbers = [(int(m[1]), anchor.url) for anchor in anchors
               if urlsplit(anchor.url).netloc == parts.netloc
               and (m := pattern.match(urlsplit(anchor.url).path))]
    return max(numbers)[1] if len(numbers) >= 1 else None


def find_next_pages(root, url: str, anchors: list[_Anchor] | None = None) -> list[str]:
    """The page's next list pages, the most trusted first."""
    base = _base_url(root, url)
    if anchors is None:
        anchors = _anchors(root, base)
    host = (urlsplit(base).hostname or "").lower()
    anchors = [anchor for anchor in anchors if (urlsplit(anchor.url).hostname or "") == host]
    page_key = _key(url)
    words, arrows, doubles, marked = [], [], [], []
    for anchor in anchors:
        label = _label(anchor)
        bare = label.strip(_DECORATION).lower()
        if bare in _NEXT_WORDS or label.lower() in _NEXT_WORDS or (
                squash(anchor.element.get("title") or "") in ("下一页", "下页")):
            words.append(anchor.url)
        elif label in _NEXT_ARROWS:
            arrows.append(anchor.url)
        elif label in _NEXT_DOUBLE:
            doubles.append(anchor.url)
        elif ("next" in (anchor.element.get("rel") or "").lower().split()
              or _NEXT_CLASS.search(anchor.element.get("class") or "")) and (
                len(label) <= SHORT_TEXT and not _NOT_NEXT.search(label)):
            marked.append(anchor.url)
    found = words + marked + arrows
    if not found:
        found = _scripted_next(root, base)
    if not found:
        found = _numbered_next(anchors, url) + doubles
    if not found:
        successors = {_key(candidate): candidate for candidate in _successors(url)}
        found = [anchor.url for anchor in anchors if _key(anchor.url) in successors]
        vsb = _vsb_first_following(url, anchors)
        if vsb:
            found.insert(0, vsb)
    result = []
    for candidate in found:
        if _key(candidate) != page_key and candidate not in result:
            result.append(candidate)
    return result


def _scripted_next(root, base: str) -> list[str]:
    """The next page of a pager a script writes (TRS WCM: ``createPageHTML(12, 0, "index",
    "html")``, page ``n`` counted from 0 at ``index_<n>.html``), its numbers given or set
    in variables of the same script."""
    for script in root.iter("script"):
        text = script.text or ""
        call = _PAGER_CALL.search(text) if "createPageHTML" in text else None
        if call is None:
            continue
        total, current = (_script_number(text, value) for value in call.group(1, 2))
        if total is not None and current is not None and current + 1 < total:
            return [urljoin(base, f"{call[3]}_{current + 1}.{call[4]}")]
    return []


def _script_number(script: str, value: str) -> int | None:
    if value.isdigit():
        return int(value)
    assigned = re.search(rf"\b{re.escape(value)}\s*=\s*(\d+)", script)
    return int(assigned[1]) if assigned else None


def _numbered_next(anchors: list[_Anchor], url: str) -> list[str]:
    """The pager link numbered one after the current page (marked in the pager, or 1)."""
    pagers: dict = {}
    for anchor in anchors:
        if (number := _NUMBER.match(anchor.text)) is not None:
            pagers.setdefault(anchor.element.getparent(), []).append((int(number[1]), anchor))
    found = []
    for parent, numbered in pagers.items():
        container = parent
        if len(numbered) < 2:  # pagers of <li><a>: one number per parent, look one up
            continue
        current = _current_number(container, numbered)
        following = [anchor.url for number, anchor in numbered if number == current + 1]
        found.extend(following)
    if not found:  # <li><a>2</a></li> pagers: group by the grandparent
        grand: dict = {}
        for anchor in anchors:
            if (number := _NUMBER.match(anchor.text)) is not None:
                parent = anchor.element.getparent()
                holder = parent.getparent() if parent is not None else None
                if holder is not None:
                    grand.setdefault(holder, []).append((int(number[1]), anchor))
        for holder, numbered in grand.items():
            if len(numbered) >= 2:
                current = _current_number(holder, numbered)
                found.extend(anchor.url for number, anchor in numbered if number == current + 1)
    return found


def _current_number(container, numbered: list[tuple[int, _Anchor]]) -> int:
    """The current page's number in a pager: the number marked current (``class="on"``),
    else a number that is not a link; 1 when there is none."""
    plain = None
    for node in container.iter():
        if not isinstance(node.tag, str) or node.tag in _SKIP_TAGS:
            continue
        number = _NUMBER.match(squash(" ".join(_visible_texts(node))))
        if number is None:
            continue
        if _CURRENT_CLASS.search(node.get("class") or ""):
            return int(number[1])
        if plain is None and node.tag != "a" and not any(
                inner.tag == "a" for inner in node.iter()) and not any(
                ancestor.tag == "a" for ancestor in node.iterancestors()):
            plain = int(number[1])
    return plain if plain is not None else 1
