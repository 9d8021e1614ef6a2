"""Reading an article out of ordinary HTML, shared by the families that try several layouts
(the generic family and VSB): text blocks with their captions and pictures, the labelled
info lines ("发布日期：… 来源：…"), trailer lines, and a source's CSS selectors applied to a
page (``from_selectors`` / ``apply_selectors``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from monitor.article.dates import find_shown_date
from monitor.article.item import DateCandidate, Image
from monitor.article.text import squash
from monitor.extraction.family import Fields
from monitor.extraction.mainblock import never_headline
from monitor.extraction.schema import Selectors
from monitor.extraction.sitename import site_names, without_site_name
from monitor.page.fetched import Page

# A site / column name at the end of a <title> ("标题_栏目_网站", "标题-医院", "标题 | 网站").
TITLE_SUFFIX = re.compile(r"\s*(?:[_-]|\s\|\s)\s*[^_|\-\d]{1,20}$")
# Labels of the fields in an info line ("发布日期：2025-05-12 来源：… 浏览次数：…").
INFO_LABELS = tuple(
    "发布时间 发布日期 更新时间 日期 时间 来源 作者 浏览次数 浏览 点击数 点击 阅读 "
    "编辑 责任编辑 审核 字号".split()
)
DATE_LABELS = ("发布时间", "发布日期", "日期", "时间", "更新时间")
# Labels of the trailer lines hospital CMSs keep at the end of the text ("供稿：… 摄影：…").
TRAILER_LABELS = tuple(
    "供稿 撰稿 文字 文/图 图/文 文 图 摄影 摄像 视频 编辑 责任编辑 责编 审核 审校 初审 复审 "
    "终审 通讯员 作者".split()
)
AUTHOR_LABELS = ("作者", "文", "文字", "撰稿", "文/图", "图/文", "供稿", "通讯员")
# Accounts content farms and CMS defaults print as "author": never a real byline.
GENERIC_AUTHORS = frozenset({"玩站小弟", "admin", "管理员", "小编", "佚名", "网友", "本站", "匿名"})
# Lines that are page furniture even when they sit inside the body container.
NOISE_LINE = re.compile(
    r"^[【\[]?\s*(上一条|下一条|上一篇|下一篇|关闭|关闭窗口|打印|打印本页|分享到|附件[【:：]|"
    r"相关(文章|阅读|新闻|链接)|延伸阅读|Tag\s*[:：]|标签\s*[:：])"
)
CAPTION_MAX_CHARS = 40  # a longer centred line is a heading or text, not a caption

_CENTRED_STYLE = re.compile(r"text-align\s*:\s*center", re.IGNORECASE)
_BLOCK_TAGS = frozenset(
    "p div section article header footer aside nav h1 h2 h3 h4 h5 h6 ul ol li dl dt dd table "
    "thead tbody tfoot tr td th blockquote center figure figcaption pre form hr".split()
)
_HEADING_TAGS = frozenset("h1 h2 h3 h4 h5 h6".split())
_EMPHASIS_TAGS = _HEADING_TAGS | {"strong", "b"}
_SKIP_TAGS = frozenset(
    "script style noscript iframe input button select textarea object embed video audio svg "
    "canvas map".split()
)


# ---------------------------------------------------------------- shared HTML helpers


@dataclass
class Block:
    """One line of text as a reader sees it, with the images and links inside it."""

    text: str
    images: list[str] = field(default_factory=list)
    centred: bool = False
    link_chars: int = 0
    hrefs: list[str] = field(default_factory=list)
    emphasised: bool = False  # all of its text is in a heading or in bold
    heading: bool = False  # all of its text is in <h1>…<h6>


@dataclass
class _Buffer:
    parts: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    link_chars: int = 0
    hrefs: list[str] = field(default_factory=list)
    plain_chars: int = 0  # characters outside headings and bold
    body_chars: int = 0  # characters outside headings


def _centred(element) -> bool:
    return (
        element.tag == "center"
        or (element.get("align") or "").lower() == "center"
        or bool(_CENTRED_STYLE.search(element.get("style") or ""))
    )


def text_blocks(container, exclude=None, skip=frozenset()) -> list[Block]:
    """The lines of ``container`` (an lxml element) in document order.

    Block elements and ``<br>`` end a line; scripts, styles and form controls are skipped,
    and so are the ``exclude`` element (e.g. the body container when reading around it)
    and the elements in ``skip`` (page furniture).
    """
    blocks: list[Block] = []
    buffer = _Buffer()

    def flush(centred: bool) -> None:
        nonlocal buffer
        text = squash("".join(buffer.parts))
        if text or buffer.images:
            blocks.append(Block(text, buffer.images, centred, buffer.link_chars, buffer.hrefs,
                                emphasised=bool(text) and buffer.plain_chars == 0,
                                heading=bool(text) and buffer.body_chars == 0))
        buffer = _Buffer()

    def add(text: str | None, emphasis: bool, heading: bool) -> None:
        if text:
            buffer.parts.append(text)
            if not emphasis:
                buffer.plain_chars += len(text.strip())
            if not heading:
                buffer.body_chars += len(text.strip())

    def walk(element, centred: bool, emphasis: bool, heading: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else None
        if tag is None or tag in _SKIP_TAGS or element is exclude or element in skip:
            return
        if tag == "br":
            flush(centred)
            return
        if tag == "img":
            if element.get("src"):
                buffer.images.append(element.get("src"))
            return
        is_block = tag in _BLOCK_TAGS
        if is_block:
            flush(centred)
            centred = centred or _centred(element)
        emphasis = emphasis or tag in _EMPHASIS_TAGS
        heading = heading or tag in _HEADING_TAGS
        if tag == "a" and element.get("href"):
            buffer.hrefs.append(element.get("href"))
            buffer.link_chars += len(squash(element.text_content()))
        add(element.text, emphasis, heading)
        for child in element:
            walk(child, centred, emphasis, heading)
            add(child.tail, emphasis, heading)
        if is_block:
            flush(centred)

    walk(container, _centred(container), False, False)
    flush(False)
    return blocks


def split_images(blocks: list[Block], base_url: str) -> tuple[list[Block], list[Image]]:
    """Text blocks and images; a short centred line right after an image is its caption."""
    kept: list[Block] = []
    images: list[Image] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        index += 1
        if not block.images:
            kept.append(block)
            continue
        caption = None
        if block.text and block.centred and len(block.text) <= CAPTION_MAX_CHARS:
            caption = block.text
        elif block.text:
            kept.append(Block(block.text, [], block.centred, block.link_chars, block.hrefs))
        following = blocks[index] if index < len(blocks) else None
        if caption is None and following is not None and _is_caption(following):
            caption = following.text
            index += 1
        srcs = [urljoin(base_url, src) for src in block.images]
        images.extend(
            Image(src, caption if n == len(srcs) - 1 else None) for n, src in enumerate(srcs)
        )
    return kept, images


def _is_caption(block: Block) -> bool:
    return (
        not block.images
        and block.centred
        and 0 < len(block.text) <= CAPTION_MAX_CHARS
        and not NOISE_LINE.match(block.text)
    )


def drop_noise(blocks: list[Block], page_url: str) -> tuple[list[Block], list[str]]:
    """Blocks without page furniture lines and link-only lines to other sites (ads)."""
    host = _host(page_url)
    kept, notes = [], []
    for block in blocks:
        if NOISE_LINE.match(block.text):
            notes.append(f"removed page furniture line: {block.text[:40]}")
        elif (
            block.hrefs
            and block.link_chars >= len(block.text)
            and all(_host(urljoin(page_url, href)) not in ("", host) for href in block.hrefs)
        ):
            notes.append(f"removed link-only line to another site: {block.text[:40]}")
        else:
            kept.append(block)
    return kept, notes


def labelled_fields(text: str, labels: tuple[str, ...]) -> dict[str, str]:
    """``"来源: 宣传部 | 发布时间: 2018-05-17"`` -> ``{"来源": "宣传部", "发布时间": …}``.

    A label counts at the start of the text or after a space or separator; its value runs
    to the next label.
    """
    pattern = re.compile(rf"(?:^|(?<=[\s|丨｜/，,;；\]】)]))({_alternatives(labels)})\s*[：:]")
    matches = list(pattern.finditer(text))
    found: dict[str, str] = {}
    for index, match in enumerate(matches):
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        value = text[match.end() : end]
        found.setdefault(match.group(1), squash(value.strip(" |丨｜/[]【】()（）\u3000")))
    return found


def _alternatives(labels: tuple[str, ...]) -> str:
    """A regex alternation of ``labels``, longest first (责任编辑 before 编辑)."""
    return "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))


def find_date(text: str) -> str | None:
    """The date (and time) printed in ``text``; the forms live in ``monitor.article.dates``."""
    found = find_shown_date(text)
    return found[0] if found else None


def split_trailer(blocks: list[Block]) -> tuple[list[Block], dict[str, str], list[str]]:
    """Move the trailing 供稿 / 摄影 / 编辑 / 审核 lines out: (text, their fields, the lines)."""
    start = re.compile(rf"^[（(]?\s*({_alternatives(TRAILER_LABELS)})\s*[：:]")
    end = len(blocks)
    while end > 0 and start.match(blocks[end - 1].text) and len(blocks[end - 1].text) <= 80:
        end -= 1
    trailer = [block.text for block in blocks[end:]]
    fields: dict[str, str] = {}
    for line in trailer:
        for label, value in labelled_fields(line.strip("（()）"), TRAILER_LABELS).items():
            fields.setdefault(label, value)
    return blocks[:end], fields, trailer


def author_from(fields: dict[str, str], first_token: bool = False) -> str | None:
    """The byline among labelled fields, unless it is a site's generic account."""
    for label in AUTHOR_LABELS:
        value = fields.get(label)
        if value:
            value = value.split(" ")[0] if first_token else value
            return None if value in GENERIC_AUTHORS else value
    return None


def element_text(selector: Selector) -> str:
    """Text of an element without its scripts and styles, spaces normalised."""
    return squash(" ".join(block.text for block in text_blocks(selector.root)))


def body_fields(
    container: Selector, page_url: str, noise: tuple[str, ...] = ()
) -> tuple[list[str], list[Image], dict[str, str], list[str]]:
    """Paragraphs, images, trailer fields and notes of a body container, the elements the
    ``noise`` selectors find left out."""
    skip = noise_elements(container, noise)
    blocks, images = split_images(text_blocks(container.root, skip=skip), page_url)
    blocks, notes = drop_noise(blocks, page_url)
    blocks, trailer_fields, trailer = split_trailer(blocks)
    if trailer:
        notes.append("trailer lines moved out of the body: " + " / ".join(trailer))
    return [block.text for block in blocks if block.text], images, trailer_fields, notes


def noise_elements(scope: Selector, noise: tuple[str, ...]) -> frozenset:
    """The elements under ``scope`` that a source's ``noise`` selectors find."""
    return frozenset(node.root for css in noise for node in scope.css(css))


def title_from_head(page: Page, names: frozenset[str] | None = None) -> str | None:
    """``<title>`` without its site / column suffix (``标题_栏目_网站`` -> ``标题``) and
    without the site's name where it comes first (``单位-标题``); ``names``: the site's
    names when the caller has them (``monitor.sites.sitename``)."""
    title = squash(page.selector.css("title::text").get() or "")
    names = site_names(page.selector.root) if names is None else names
    if never_headline(title, names):
        return None
    title = without_site_name(title, names)
    while (suffix := TITLE_SUFFIX.search(title)) and suffix.start() > 0:
        title = title[: suffix.start()]
    return title or None


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def from_selectors(page: Page, selectors: Selectors) -> Fields | None:
    """The article by a source's CSS ``selectors`` (body, title, date, outlet), any family's
    page; None when the body selector finds no text."""
    paragraphs, images, notes = [], [], []
    trailer_fields: dict[str, str] = {}
    for container in page.selector.css(selectors.body):
        more, more_images, more_fields, more_notes = body_fields(
            container, page.url, selectors.each("noise")
        )
        paragraphs += more
        images += more_images
        notes += more_notes
        trailer_fields = {**more_fields, **trailer_fields}
    if not paragraphs:
        return None

    return apply_selectors(page, selectors, Fields(
        rule="generic:selectors",
        title=title_from_head(page),
        author=author_from(trailer_fields),
        paragraphs=paragraphs,
        images=images,
        canonical_url=canonical(page),
        notes=notes,
    ))


def apply_selectors(page: Page, selectors: Selectors, fields: Fields | None):
    """``fields`` with the title, date line, outlet and author a source's selectors point at,
    where they find text (the override of the families that try several templates)."""
    if fields is None:
        return fields

    def first_text(key: str) -> str | None:
        css = selectors.first(key)
        nodes = page.selector.css(css) if css else []
        return (element_text(nodes[0]) or None) if nodes else None

    if title := first_text("title"):
        fields.title = title
    if outlet := first_text("outlet"):
        fields.outlet = labelled_fields(outlet, ("来源",)).get("来源") or outlet
    if author := first_text("author"):
        fields.author = labelled_fields(author, ("作者",)).get("作者") or author
    if date_line := first_text("date"):  # the whole line: monitor.article.dates reads it
        fields.date_candidates = [DateCandidate(date_line, "site:selectors:date")]
    return fields


def canonical(page: Page) -> str | None:
    href = page.selector.css('link[rel="canonical"]::attr(href)').get()
    return urljoin(page.url, href) if href else None
