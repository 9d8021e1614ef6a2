"""The article on a page of a layout nobody described: its text block, headline and shown time.

General rules, for the many news and institutional sites that no family or selector covers:

* **Body**: the element that holds the most article-like text (readability's idea, on
  Chinese text): every paragraph (a ``<p>``, a leaf ``<div>`` / ``<section>``, or text
  split by ``<br>``) of at least ``MIN_UNIT_CHARS`` characters and mostly not link text
  scores ``1 + its sentence punctuation + its length / 100 (at most 3)`` for its parent
  and half that for its grandparent; each element's total is discounted by its link
  density. Page furniture (comment areas, related / hot lists, share bars, footers,
  sidebars, ads, app-download boxes) is recognised by its class or id (``NOISE_NAMES``)
  and skipped, unless it holds most of the page's text or the headline. One element
  wins, so a second article rendered below the first is not merged.
* **Headline**: the heading (``h1``–``h3`` or an element whose class / id says title)
  that ``og:title``, the JSON-LD headline or ``<title>`` start with, the longest; a
  heading carrying widget text after the real title gives way to the ``<title>`` text it
  starts with. Section headings (``SECTION_HEADINGS``) never count. Without agreement:
  ``og:title`` / headline, else ``<title>`` without its site suffix.
* **Shown time**: the first date printed between the headline and the body (with its
  time of day when one is printed after it); else the first such date near the headline.
* The body's first lines that repeat the headline, show the date line, or are short
  headings / bold decks above the first paragraph are not body; nor are short lines
  without sentence punctuation at its end (editor lines, share bars, 完).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from monitor.article.dates import find_page_date, find_shown_date
from monitor.article.signature import signature_start
from monitor.article.text import comparison_key, squash, without_spaces
from monitor.extraction.sitename import is_site_name, site_names, without_site_name
from monitor.extraction.splitdate import split_dates

# ---------------------------------------------------------------- data

# Class / id words of page furniture (compared with each word of the class and id, split at
# spaces, - and _ and lower-cased): a word equal to one of NOISE_WORDS, or starting with
# one of NOISE_PREFIXES.
NOISE_WORDS = frozenset(
    "ad ads adv gg guanggao tag tags keyword keywords nav navbar menu crumb crumbs breadcrumb "
    "footer foot copyright sidebar side aside login search share sharebox bshare toolbar tools "
    "gotop backtop qrcode erweima ewm download app appdown statement disclaimer declare "
    "player mplayer pinglun hotnews rank ranking paging pagination pager page-nav reply replies "
    "recommend recommends recomm related relate relevant xgxw".split()
)
NOISE_PREFIXES = ("comment", "recommend", "related", "share", "hot", "advert", "banner", "footer",
                  "sidebar", "breadcrumb", "copyright", "qrcode", "disclaimer", "rank", "nav")
# Headings of page sections, never an article's title.
SECTION_HEADINGS = frozenset(
    "热门推荐 新闻中心 相关搜索 作者最新文章 关于本站 关于我们 相关新闻 相关阅读 相关文章 推荐阅读 "
    "热点新闻 热门文章 最新文章 精彩推荐 猜你喜欢 大家都在看 精选视频 热门点击排行榜 最热评论 "
    "网友评论 最新评论 热门评论 热点推荐 为你推荐 图片新闻 今日推荐 编辑推荐 推荐视频 24小时排行 "
    "排行榜 热榜 热搜 联系我们 友情链接 新闻排行 往期回顾 最新资讯 热点搜索 专题推荐 更多 "
    "相关推荐 最新动态 最新新闻 最新发布 热门新闻 热门资讯 点击排行 阅读排行 通知公告 新闻动态 "
    "媒体报道 推荐新闻 相关链接 精彩图片 视频新闻 热点专题 本站推荐 上一篇 下一篇".split()
)
# Lines pointing to the next / previous article ("下一篇：标题"): never a headline.
PREV_NEXT = re.compile(r"^[【\[]?\s*(?:上一[篇条页则]|下一[篇条页则]|前一篇|后一篇)")
# A "more" link after a section heading ("热点新闻 更多>>").
_MORE_LINK = re.compile(r"\s*(?:更多|more)?\s*[>》»+]*\s*$", re.IGNORECASE)
TITLE_WORDS = ("title", "headline", "tit", "biaoti", "bt")  # class / id words of a headline
MIN_UNIT_CHARS = 10  # a shorter paragraph says nothing about where the text is
MAX_UNIT_LINK_SHARE = 0.5  # a paragraph mostly of link text is a list entry
NOISE_KEEP_SHARE = 0.5  # furniture-named element holding more of the page's text: kept
FEED_REPEATS = 3  # elements of one tag and class this many times on a page are list entries
FEED_DISCOUNT = 0.2
MIN_TITLE_CHARS, MAX_TITLE_CHARS = 4, 120
NEAR_ELEMENTS = 40  # a heading at most this many elements above the body is its headline
NEAR_SPLIT_DATE = 12  # a split date block this many elements above the headline is its date
SUFFIX_SEPARATORS = re.compile(r"\s*(?:[_|｜]|--|——|\s-\s|(?<!\d)-(?=[^-]{1,20}$)|–|—)\s*")
HEAD_DECK_CHARS = 40  # a bold / heading line at the top of the body up to this long is a deck
META_LINE_CHARS = 80  # a date line at the top of the body up to this long is no paragraph
TOC_LINES = 3  # this many short lines without a full stop at the top: a table of contents
TITLE_PREFIX_SHARE = 0.6  # a line starting with this much of the headline repeats it
TAIL_LINE_CHARS = 40  # a line at the end up to this long, not ending a sentence, is furniture
TIME_SEARCH_CHARS = 400  # text after the headline searched for the shown time

_BLOCK_TAGS = frozenset(
    "p div section article header footer aside nav h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table "
    "thead tbody tfoot tr td th blockquote center figure figcaption pre form main".split()
)
_SKIP_TAGS = frozenset(
    "script style noscript iframe input button select textarea object embed video audio svg "
    "canvas map template head".split()
)
_UNIT_TAGS = frozenset({"p", "pre", "blockquote"})
_LEAF_UNIT_TAGS = frozenset({"div", "section", "td", "article", "span", "font", "li", "dd"})
_PUNCTUATION = re.compile(r"[，。！？；、,]")
_SENTENCE_END = re.compile(r"[。！？!?…][”’」』\")）]*$")
_TIME_LABEL = re.compile(r"(?:发布|发表|更新)?(?:时间|日期)\s*[:：]\s*")
_FULL_STOP = re.compile(r"[。！？!?]")
_LABELLED = re.compile(r"^\S{1,6}\s*[：:]\s*\S")  # 来源：X, 时长：01:45 (not a notice's 各科室：)
# A notice's salutation ("各科室：", "各学院、各部门：", "全体师生：", "尊敬的患者朋友："): text
_SALUTATION = re.compile(r"^(?:各|全体|致|尊敬的).{0,30}[：:]$|^.{1,30}(?:同志|朋友|们)[：:]$")
_ENDNOTE = re.compile(r"^\s*(?:[\[［【(（]\d{1,3}[\]］】)）]|注释|参考文献|注\s*[：:])")


class _Stats:
    """Text statistics of an element and all under it (furniture and skipped tags left out)."""

    __slots__ = ("chars", "direct_chars", "has_block", "link_chars", "punctuation")

    def __init__(self, chars: int, link_chars: int, punctuation: int, direct_chars: int,
                 has_block: bool):
        self.chars = chars  # non-space characters
        self.link_chars = link_chars
        self.punctuation = punctuation
        self.direct_chars = direct_chars  # text of the element itself, between its children
        self.has_block = has_block


@dataclass
class MainBlock:
    """What the rules found: the body element, the skipped furniture, headline, shown time."""

    body: etree._Element
    skip: set = field(default_factory=set)
    title: str | None = None
    title_element: etree._Element | None = None
    shown_time: str | None = None
    header: str = ""  # the text between the headline and the body (date line, source…)


def find_main_block(root: etree._Element, meta_titles: Iterable[str]) -> MainBlock | None:
    """The article's text block, headline and shown time on the page under ``root``."""
    body_tag = root.find(".//body")
    top = body_tag if body_tag is not None else root
    survey = _Survey(top)
    stats = survey.stats
    total = stats[top].chars
    if not total:
        return None
    skip = {element for element, names in survey.named
            if (element.tag in _FURNITURE_TAGS or _FURNITURE_NAME.search(names))
            and stats[element].chars < NOISE_KEEP_SHARE * total
            and element.find(".//h1") is None}
    _leave_out(stats, skip)
    body = _best_element(top, stats, skip)
    if body is None:
        return None
    block = MainBlock(body=body, skip=skip)
    block.title, block.title_element = _headline(root, survey, body, skip, list(meta_titles))
    block.header = _header_text(top, block.title_element, block.title, body, skip)
    found = (find_page_date(block.header) or _split_date_near(top, survey, block)
             or _labelled_date_below(body))
    block.shown_time = found[0] if found else None
    return block


# ---------------------------------------------------------------- measuring

# a class / id word (split at spaces, - and _) equal to a NOISE_WORDS entry or starting with a
# NOISE_PREFIXES entry; a word that is or starts / ends with a title word
_SEP = r"[\s_\-]"
_FURNITURE_NAME = re.compile(
    rf"(?:^|{_SEP})(?:(?:{'|'.join(sorted(map(re.escape, NOISE_WORDS)))})(?={_SEP}|$)"
    rf"|{'|'.join(map(re.escape, NOISE_PREFIXES))})"
)
_TITLE_NAME = re.compile(
    rf"(?:^|{_SEP})(?:(?:{'|'.join(map(re.escape, TITLE_WORDS))})(?={_SEP}|$)|title)"
    rf"|title(?={_SEP}|$)"
)
_FURNITURE_TAGS = frozenset({"footer", "aside", "nav"})
_HEADING_TAGS = frozenset({"h1", "h2", "h3"})
_NAMED_HEADING_TAGS = frozenset({"div", "p", "span", "td", "strong", "header"})


def _chars(text: str | None) -> int:
    return len("".join(text.split())) if text else 0


class _Survey:
    """One walk over the page under ``top`` (skipped tags left out): each element's text
    statistics (``stats``, children before their parent), its place in document order
    (``position``, counted as ``top.iter()`` does), the elements with a class or id or a
    furniture tag with their lower-cased names (``named``), and the elements that may be
    headings (``headings``, in document order)."""

    def __init__(self, top):
        self.stats: dict = {}
        self.position: dict = {}
        self.named: list[tuple[etree._Element, str]] = []
        self.headings: list[etree._Element] = []
        self._next = 0
        self._measure(top)

    def _measure(self, element) -> None:
        self.position[element] = self._next
        self._next += 1
        tag = element.tag
        if element.get("class") is not None or element.get("id") is not None \
                or tag in _FURNITURE_TAGS:
            names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
            self.named.append((element, names))
            if tag in _NAMED_HEADING_TAGS and _TITLE_NAME.search(names):
                self.headings.append(element)
        if tag in _HEADING_TAGS:
            self.headings.append(element)
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):  # a comment
                self._next += 1
            elif tag in _SKIP_TAGS:
                self._next += sum(1 for _ in child.iter())
            else:
                self._measure(child)
        _count(element, self.stats)


def _leave_out(stats: dict, skip: set) -> None:
    """``stats`` as if the elements of ``skip`` (and all under them) were not on the page:
    their entries removed, their text taken off their ancestors' counts."""
    dirty: set = set()
    for element in skip:
        if element not in stats:  # under another skipped element
            continue
        for inner in element.iter():
            stats.pop(inner, None)
        dirty.update(element.iterancestors())
    for element in [e for e in stats if e in dirty]:  # children before their parent
        _count(element, stats)


def _count(element, stats: dict) -> None:
    """``element``'s statistics from its text and its children's (already counted; a child
    without statistics, a skipped tag or element, counts for its tail only)."""
    text = element.text
    direct = _chars(text)
    marks = len(_PUNCTUATION.findall(text)) if direct else 0
    chars, links, block = direct, 0, False
    for child in element:
        count = _chars(child.tail)
        if count:
            direct += count
            chars += count
            marks += len(_PUNCTUATION.findall(child.tail))
        inner = stats.get(child)
        if inner is None:  # a skipped tag or element
            continue
        chars += inner.chars
        links += inner.chars if child.tag == "a" else inner.link_chars
        marks += inner.punctuation
        block = block or inner.has_block or child.tag in _BLOCK_TAGS
    stats[element] = _Stats(chars, links, marks, direct, block)


def _best_element(top, stats: dict, skip: set):
    scores: dict = {}

    def credit(element, value: float) -> None:
        if element is None or not isinstance(element.tag, str):
            return
        scores[element] = scores.get(element, 0.0) + value
        parent = element.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0.0) + value / 2

    for element, found in stats.items():
        if element.tag in _UNIT_TAGS or (element.tag in _LEAF_UNIT_TAGS and not found.has_block):
            chars, links, marks = found.chars, found.link_chars, found.punctuation
            holder = element.getparent()
        elif found.has_block and found.direct_chars >= 2 * MIN_UNIT_CHARS:
            chars, links, marks = found.direct_chars, 0, found.punctuation  # text split by <br>
            holder = element
        else:
            continue
        if holder is None or chars < MIN_UNIT_CHARS or links > MAX_UNIT_LINK_SHARE * chars:
            continue
        credit(holder, 1 + marks + min(chars / 100, 3))
    classes: dict = {}
    for element in stats:
        if element.get("class"):
            key = (element.tag, element.get("class"))
            classes[key] = classes.get(key, 0) + 1
    best, best_score = None, 0.0
    for element, score in scores.items():
        found = stats.get(element)
        if found is None or not found.chars or element is top:
            continue
        score *= 1 - found.link_chars / found.chars
        if classes.get((element.tag, element.get("class")), 0) >= FEED_REPEATS:
            score *= FEED_DISCOUNT  # one of many entries alike: a feed or list item
        if score > best_score:
            best, best_score = element, score
    return best


# ---------------------------------------------------------------- headline


def element_text(element, skip: set = frozenset()) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIP_TAGS or node in skip:
            return
        parts.append(node.text or "")
        for child in node:
            walk(child)
            parts.append(child.tail or "")

    walk(element)
    return squash("".join(parts))


def never_headline(text: str | None, names: frozenset[str] = frozenset()) -> bool:
    """A section heading ("热点新闻 更多>>"), a ``下一篇：`` line or the site's own name (``names``,
    ``monitor.sites.sitename``): never an article's headline."""
    text = squash(text)
    return (not text or text in SECTION_HEADINGS or _MORE_LINK.sub("", text) in SECTION_HEADINGS
            or PREV_NEXT.match(text) is not None or is_site_name(text, names))


def trim_site_suffix(title: str) -> str:
    """``标题_栏目_网站`` / ``标题--栏目--人民网`` / ``标题 | 网站`` → ``标题``."""
    parts = SUFFIX_SEPARATORS.split(title)
    head = parts[0].strip()
    return head if len(head) >= MIN_TITLE_CHARS else title.strip()


def _squash(text: str) -> str:
    return without_spaces(text)


def _headline(root, survey: _Survey, body, skip: set, meta_titles: list[str]):
    page_title = ""
    title_tag = root.find(".//title")
    if title_tag is not None:
        page_title = element_text(title_tag)
    # the site's name (og:title, the <title>'s first or last part, the logo) is no evidence
    names = site_names(root)
    meta_titles = [text for text in meta_titles if not never_headline(text, names)]
    page_title = "" if never_headline(page_title, names) else without_site_name(page_title, names)
    references = [_key(text) for text in [*meta_titles, page_title] if text]
    prefixes = [_key(trim_site_suffix(text)) for text in [*meta_titles, page_title] if text]
    candidates = []
    body_position = survey.position.get(body)
    for element in survey.headings:
        if element in skip or any(ancestor in skip for ancestor in element.iterancestors()):
            continue
        text = element_text(element, skip)
        if not MIN_TITLE_CHARS <= len(text) <= MAX_TITLE_CHARS or never_headline(text, names):
            continue
        candidates.append((survey.position[element], element, text))
    best = None
    for position, element, text in candidates:
        flat = _key(text)
        agreed = text
        if flat and any(reference.startswith(flat) for reference in references):
            rank = 2
        else:
            # a heading with widget text after the title ("标题 播报文章"): the title it starts with
            longest = max((p for p in prefixes if len(p) >= 6 and flat.startswith(p)),
                          key=len, default=None)
            if longest is None:
                continue
            rank, agreed = 1, _prefix_with_key(text, longest)
        # the same headline twice (a sticky header): the one nearest above the body
        above = body_position is None or position < body_position
        distance = abs((body_position or 0) - position)
        key = (rank, len(_squash(agreed)), above, -distance)
        if best is None or key > best[0]:
            best = (key, agreed, element)
    if best is not None:
        return best[1], best[2]
    for text in meta_titles:
        trimmed = trim_site_suffix(text) if text else ""
        if trimmed and not never_headline(trimmed, names):
            return trimmed, None
    # no agreement (a <title> naming only the site): the headline just above the body
    above = [(element.tag != "h1", body_position - position, text, element)
             for position, element, text in candidates
             if body_position is not None and 0 < body_position - position <= NEAR_ELEMENTS]
    if above:
        _, _, text, element = min(above, key=lambda item: item[:2])
        return text, element
    trimmed = trim_site_suffix(page_title) if page_title else ""
    return (trimmed, None) if trimmed and not never_headline(trimmed, names) else (None, None)


def _key(text: str) -> str:
    """Letters and digits only: "标题——副题" and "标题-副题" agree."""
    return comparison_key(text)


def _prefix_with_key(text: str, key: str) -> str:
    """The shortest start of ``text`` whose key is ``key``."""
    for end in range(len(key), len(text) + 1):
        if _key(text[:end]) == key:
            return text[:end].strip()
    return text


# ---------------------------------------------------------------- shown time


def _header_text(top, title_element, title: str | None, body, skip: set) -> str:
    """The text printed after the headline up to the body (at most ``TIME_SEARCH_CHARS``),
    where pages print the date line; the page's text before the body without a headline."""
    pieces: list[str] = []
    started = title_element is None

    def walk(node) -> bool:
        """False once the search is over."""
        nonlocal started
        if not isinstance(node.tag, str) or node.tag in _SKIP_TAGS or node in skip:
            return True
        if node is body:
            return False
        if node is title_element:  # what it holds besides the headline (a wrapper's date line)
            started = True
            pieces[:] = [element_text(node, skip).replace(title or "", " ", 1), " "]
            return True
        if started:
            pieces.append(node.text or "")
        for child in node:
            if not walk(child):
                return False
            if started:
                pieces.append(child.tail or "")
            if started and sum(map(len, pieces)) > TIME_SEARCH_CHARS:
                return False
        if node.tag in _BLOCK_TAGS:
            pieces.append(" ")
        return True

    walk(top)
    text = squash("".join(pieces))
    return text if title_element is not None else text[-TIME_SEARCH_CHARS:]


def _split_date_near(top, survey: _Survey, block: MainBlock) -> tuple[str, bool] | None:
    """A date shown split over elements (``monitor.sites.splitdate``) between the headline
    (or ``NEAR_SPLIT_DATE`` elements above it) and the body, the nearest to the headline;
    without a headline, within ``NEAR_ELEMENTS`` above the body."""
    body_at = survey.position.get(block.body)
    if body_at is None:
        return None
    title_at = survey.position.get(block.title_element)
    anchor = body_at if title_at is None else title_at
    low = body_at - NEAR_ELEMENTS if title_at is None else title_at - NEAR_SPLIT_DATE
    near = [(abs(at - anchor), day) for element, day in split_dates(top, block.body, block.skip)
            if (at := survey.position.get(element)) is not None and low <= at < body_at]
    return (min(near)[1], False) if near else None


def _labelled_date_below(body) -> tuple[str, bool] | None:
    """A date labelled as the time (``时间：2019-09-24 17:08``) printed soon after the body."""
    pieces, size = [], 0
    for text in body.xpath("following::text()[not(parent::script or parent::style)]"):
        pieces.append(text)
        size += len(text.strip())
        if size > TIME_SEARCH_CHARS:
            break
    following = squash("".join(pieces))
    for label in _TIME_LABEL.finditer(following):
        found = find_shown_date(following[label.end():label.end() + 30])
        if found:
            return found
    return None


# ---------------------------------------------------------------- body lines


def trim_body(lines: list[tuple[str, str]], title: str | None) -> tuple[list[str], list[str]]:
    """(kept lines, dropped lines) of a body's lines, given as (text, "heading" / "bold" / "").

    Not body at the top: lines repeating the headline, and the deck printed with it (short
    bold lines after it); short headings; the date line and short labelled lines
    (``来源：…``, ``时长：…``); a table of contents (``TOC_LINES`` or more short lines without
    a full stop). Not body at the end: short lines not ending a sentence (editor lines,
    share bars, ``(完)``) and endnotes (``[1] …``), unless they are a notice's signature
    (``monitor.signature``).
    """
    title_key = _key(title or "")
    start, deck = 0, False
    while start < len(lines):
        text, kind = lines[start]
        unfinished = len(text) <= HEAD_DECK_CHARS and not _SENTENCE_END.search(text)
        if _title_like(_key(text), title_key):
            deck = True  # the bold lines right after it are the rest of a multi-line headline
        elif unfinished and (kind == "heading" or (kind == "bold" and deck)):
            pass
        elif not (
            (len(text) <= META_LINE_CHARS and find_shown_date(text) is not None
             and not _PUNCTUATION.search(_without_date(text)))
            or (unfinished and (len(text) <= 4 or _LABELLED.match(text))
                and not _SALUTATION.match(text))
        ):
            if (run := _contents_run(lines, start)) < TOC_LINES:
                break
            start, deck = start + run, False  # a table of contents: all of it
            continue
        else:
            deck = False
        start += 1
    end = len(lines)
    while end > start and (
        (len(lines[end - 1][0]) <= TAIL_LINE_CHARS and not _SENTENCE_END.search(lines[end - 1][0]))
        or _ENDNOTE.match(lines[end - 1][0])
    ) and signature_start([text for text, _ in lines[start:end]]) is None:  # a notice's kept
        end -= 1
    dropped = [text for text, _ in lines[:start]] + [text for text, _ in lines[end:]]
    return [text for text, _ in lines[start:end]], dropped


def _title_like(key: str, title_key: str) -> bool:
    """The line repeats the headline: the same, a part of it, it with a word more (a deck's
    "…座谈会强调"), or most of it (a player's "标题 电影频道22:00播出")."""
    if not key or not title_key:
        return False
    if key == title_key or (len(key) >= 4 and key in title_key):
        return True
    if title_key in key and len(key) <= len(title_key) + 20:
        return True
    common = next((n for n, (a, b) in enumerate(zip(key, title_key, strict=False)) if a != b),
                  min(len(key), len(title_key)))
    return common >= TITLE_PREFIX_SHARE * len(title_key) and len(key) <= len(title_key) + 30


def _contents_run(lines: list[tuple[str, str]], start: int) -> int:
    """How many short lines without a full stop follow from ``start`` (a table of contents)."""
    count = 0
    for text, _ in lines[start:]:
        if len(text) > HEAD_DECK_CHARS or _FULL_STOP.search(text):
            break
        count += 1
    return count


def _without_date(text: str) -> str:
    found = find_shown_date(text)
    return text.replace(found[0], "") if found else text
