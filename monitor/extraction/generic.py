"""The fallback family: home-grown hospital / university CMSs and content farms.

Nothing claims it and nothing detects it: ``family_for`` returns it when no other family
fits. It reads an article from the source's CSS ``selectors`` when the source gives them,
else from the common home-grown CMS layouts below, and returns ``None`` when neither finds
a plausible text so that ``monitor.extraction.chain`` can fall back to trafilatura.

The HTML helpers here (text blocks, image captions, labelled info lines, trailer lines)
are shared with the ``vsb`` family.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urljoin, urlsplit

import cssselect
from parsel import Selector

from monitor.article.dates import find_shown_date
from monitor.article.item import DateCandidate, Image
from monitor.article.text import squash
from monitor.extraction.family import Fields, ListedLink, ListPage
from monitor.extraction.feeds import read_feed
from monitor.extraction.listing import Listing, find_list, find_next_pages
from monitor.extraction.mainblock import MainBlock, find_main_block, never_headline, trim_body
from monitor.extraction.schema import Selectors, from_config
from monitor.extraction.sitename import site_names, without_site_name
from monitor.extraction.splitdate import split_dates
from monitor.page.fetched import Page

# ---------------------------------------------------------------- data

# Headings that hold an article's title, looked up around the body container.
TITLE_SELECTORS = ("h1", "h2", ".title", ".article-title", ".news-title", ".news_title", "h3")
# Home-grown CMS layouts, most specific first (the schema: monitor.extraction.schema): the body
# container, and the title headings looked for around it.
TEMPLATES: dict[str, Selectors] = {
    # hospital CMSs: <div class="article-detail"> h2.title, div.info, div.detail-content (zs5h.com)
    "article-detail": Selectors(
        body="div.article-detail div.detail-content, div.article-detail div.content",
        title=TITLE_SELECTORS,
    ),
    # blog / DedeCMS-style themes, content farms: <div class="article-content"> (jkzx365.com)
    "article-content": Selectors(
        body="div.article-content, div.article_content, div.article-body, div.article_body",
        title=TITLE_SELECTORS,
    ),
    # TRS WCM (government and hospital sites): <div class="TRS_Editor">
    "trs-editor": Selectors(body="div.TRS_Editor", title=TITLE_SELECTORS),
    # "news_content" family of school / hospital templates
    "news-content": Selectors(
        body="div.news_content, div.newscontent, div.news-content, div.newsContent, div.news_txt",
        title=TITLE_SELECTORS,
    ),
    # plain content boxes
    "content": Selectors(
        body="div#content, div#zoom, div.content, div.contents, div.detail, div.text",
        title=TITLE_SELECTORS,
    ),
    "article": Selectors(body="article, div.article", title=TITLE_SELECTORS),
}
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
# Text on the link to the next list page.
NEXT_PAGE_TEXTS = ("下一页", "下页", "后页", "下一頁", "next")
CAPTION_MAX_CHARS = 40  # a longer centred line is a heading or text, not a caption
MIN_BODY_CHARS = 80  # less text than this is not an article
MAX_LINK_SHARE = 0.5  # a container mostly made of link text is a list or a menu
MIN_ANCHOR_CHARS = 6  # list entries shorter than this are menus / "more" links
ARTICLE_EXTENSIONS = (".htm", ".html", ".shtml", ".shtm")
LIST_PAGE_NAME = re.compile(
    r"(^|[_\-])(index|default|list|more|channel)([_\-.\d]|$)", re.IGNORECASE
)
DATE_IN_PATH = re.compile(r"(19|20)\d{2}([-/_]?(0[1-9]|1[0-2])|/[1-9]/)")
NUMERIC_ID = re.compile(r"\d{3,}")

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
    skip = _noise_elements(container, noise)
    blocks, images = split_images(text_blocks(container.root, skip=skip), page_url)
    blocks, notes = drop_noise(blocks, page_url)
    blocks, trailer_fields, trailer = split_trailer(blocks)
    if trailer:
        notes.append("trailer lines moved out of the body: " + " / ".join(trailer))
    return [block.text for block in blocks if block.text], images, trailer_fields, notes


def _noise_elements(scope: Selector, noise: tuple[str, ...]) -> frozenset:
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


# ---------------------------------------------------------------- the family


class GenericFamily:
    name = "generic"

    def claims(self, url: str) -> bool:
        return False

    def detect(self, page: Page) -> bool:
        return False

    def is_article_url(self, url: str, pattern: str | None = None) -> bool:
        """``pattern`` (a source's ``article_url_pattern``) overrides the heuristic: a page
        name with an extension and a date or a numeric id in the path, not a list page."""
        if pattern:
            return re.search(pattern, url) is not None
        path = urlsplit(url).path
        name = path.rsplit("/", 1)[-1]
        if not name.lower().endswith(ARTICLE_EXTENSIONS) or LIST_PAGE_NAME.search(name):
            return False
        return bool(DATE_IN_PATH.search(path) or NUMERIC_ID.search(name))

    def parse_list(self, page: Page, selectors: dict[str, str] | None = None) -> ListPage:
        """The links of the source's ``list_links`` selector, else of the list the page's
        structure shows (``monitor.extraction.listing``), or the items of a feed or sitemap
        (``monitor.extraction.feeds``); ``article_url_pattern`` filters them."""
        selectors = selectors or {}
        pattern = selectors.get("article_url_pattern")
        feed = read_feed(page.body, page.url)
        if feed is not None:  # an RSS / Atom feed or a sitemap as a start URL
            links = [ListedLink(item.url, item.title, item.listed_at) for item in feed.items
                     if not pattern or self.is_article_url(item.url, pattern)]
            return ListPage(articles=_unique_links(links), next_pages=feed.next_pages)
        detected = None
        if selectors.get("list_links"):
            anchors = _anchors(page.selector.css(selectors["list_links"]))
            links = [link for anchor in anchors if (link := _listed(anchor, page.url))]
        else:
            detected = find_list(page.selector.root, page.url)
            links = listed_links(detected)
        if pattern:
            links = [link for link in links if self.is_article_url(link.url, pattern)]
        if selectors.get("next_page"):
            nexts = _next_urls([
                a.attrib.get("href") for a in _anchors(page.selector.css(selectors["next_page"]))
            ], page.url)
        elif detected is not None:
            nexts = detected.next_pages
        else:
            nexts = find_next_pages(page.selector.root, page.url)
        return ListPage(articles=_unique_links(links), next_pages=nexts)

    def extract(self, page: Page, selectors: dict[str, str] | None = None) -> Fields | None:
        config = from_config(selectors)
        notes: list[str] = []
        if config.body:
            fields = from_selectors(page, config)
            if fields is not None:
                return fields
            notes.append(f"body selector {config.body!r} found no text; tried CMS patterns")
        noise = config.each("noise")
        block = _main_block(page)
        if block is not None and (fields := _from_main_block(page, block, notes, noise)):
            return apply_selectors(page, config, fields)
        best = _best_container(page, noise)
        if best is None:
            return None
        name, container, (paragraphs, images, trailer_fields, body_notes) = best
        titles = TEMPLATES[name].each("title")
        names = site_names(page.selector.root)
        wrapper = _wrapper(container, titles, names)
        title = _title_near(wrapper, container, titles, names) or title_from_head(page, names)
        info = _info_fields(wrapper, container)
        date = _labelled_date(info) or _bare_date(wrapper, container) or next(
            (day for _, day in split_dates(wrapper.root, exclude=container.root)), None)
        return apply_selectors(page, config, Fields(
            rule=f"generic:pattern:{name}",
            title=title,
            outlet=info.get("来源", "").split(" ")[0] or None,
            author=author_from(info, first_token=True) or author_from(trailer_fields),
            paragraphs=paragraphs,
            images=images,
            canonical_url=_canonical(page),
            date_candidates=[DateCandidate(date, f"site:generic:{name}")] if date else [],
            notes=notes + body_notes + _author_notes(info),
        ))


def _main_block(page: Page) -> MainBlock | None:
    meta = [
        squash(text)
        for text in page.selector.xpath(
            '//meta[@property="og:title" or @name="og:title" or @name="twitter:title"]/@content'
        ).getall()
    ]
    return find_main_block(page.selector.root, [text for text in meta if text])


def _from_main_block(
    page: Page, block: MainBlock, notes: list[str], noise: tuple[str, ...] = ()
) -> Fields | None:
    skip = block.skip | _noise_elements(page.selector, noise)
    blocks, images = split_images(text_blocks(block.body, skip=skip), page.url)
    blocks, body_notes = drop_noise(blocks, page.url)
    blocks, trailer_fields, trailer = split_trailer(blocks)
    if trailer:
        body_notes.append("trailer lines moved out of the body: " + " / ".join(trailer))
    lines, dropped = trim_body(
        [(b.text, "heading" if b.heading else "bold" if b.emphasised else "")
         for b in blocks if b.text],
        block.title,
    )
    if dropped:
        body_notes.append("lines around the text left out: " + " / ".join(dropped)[:200])
    if sum(map(len, lines)) < MIN_BODY_CHARS:
        return None
    info = labelled_fields(block.header, INFO_LABELS)
    pattern = next((name for name, template in TEMPLATES.items()
                    if _may_select(template.body, block.body)
                    and any(node.root is block.body for node in page.selector.css(template.body))),
                   None)
    return Fields(
        rule=f"generic:pattern:{pattern}" if pattern else "generic:text-density",
        title=block.title,
        outlet=info.get("来源", "").split(" ")[0] or None,
        author=author_from(info, first_token=True) or author_from(trailer_fields),
        paragraphs=lines,
        images=images,
        canonical_url=_canonical(page),
        date_candidates=(
            [DateCandidate(block.shown_time, f"site:generic:{pattern or 'shown'}")]
            if block.shown_time else []
        ),
        notes=notes + body_notes + _author_notes(info),
    )


def _may_select(css: str, element) -> bool:
    """False when no selector of ``css`` can select ``element`` (its tag, classes or id differ
    from every selector's last part): the cheap test before the query over the page."""
    parts = _last_parts(css)
    if not parts:
        return True
    classes = set((element.get("class") or "").split())
    return any(tag in (None, element.tag) and needed <= classes
               and name in (None, element.get("id")) for tag, needed, name in parts)


@cache
def _last_parts(css: str) -> tuple[tuple[str | None, frozenset[str], str | None], ...]:
    """(tag, classes, id) each comma-separated selector of ``css`` requires of the element it
    selects; () when one of them uses more than these (the test then always passes)."""
    parts = []
    for selector in cssselect.parse(css):
        node, tag, classes, name = selector.parsed_tree, None, set(), None
        while isinstance(node, cssselect.parser.CombinedSelector):
            node = node.subselector
        while True:
            if isinstance(node, cssselect.parser.Class):
                classes.add(node.class_name)
                node = node.selector
            elif isinstance(node, cssselect.parser.Hash):
                name, node = node.id, node.selector
            elif isinstance(node, cssselect.parser.Element):
                tag = None if node.element in (None, "*") else node.element
                break
            else:
                return ()
        parts.append((tag, frozenset(classes), name))
    return tuple(parts)


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
        canonical_url=_canonical(page),
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


def _best_container(page: Page, noise: tuple[str, ...] = ()):
    """(pattern name, container, body fields) of the first pattern that finds a text."""
    for name, template in TEMPLATES.items():
        scored = []
        for container in page.selector.css(template.body):
            blocks = text_blocks(container.root, skip=_noise_elements(container, noise))
            chars = sum(len(block.text) for block in blocks)
            links = sum(block.link_chars for block in blocks)
            if chars and links / chars <= MAX_LINK_SHARE:
                fields = body_fields(container, page.url, noise)
                scored.append((sum(map(len, fields[0])), container, fields))
        if scored:
            size, container, fields = max(scored, key=lambda item: item[0])
            if size >= MIN_BODY_CHARS:
                return name, container, fields
    return None


def _wrapper(container: Selector, titles: tuple[str, ...],
             names: frozenset[str] = frozenset()) -> Selector:
    """The nearest ancestor (up to four levels) that also holds the article's heading."""
    node = container
    for _ in range(4):
        parents = node.xpath("..")
        if not parents or parents[0].root.tag in ("body", "html"):
            break
        node = parents[0]
        if _title_near(node, container, titles, names):
            return node
    return container.xpath("..")[0] if container.xpath("..") else container


def _inside(node: Selector, container: Selector) -> bool:
    return any(ancestor is container.root for ancestor in node.root.iterancestors())


def _title_near(wrapper: Selector, container: Selector, titles: tuple[str, ...],
                names: frozenset[str] = frozenset()) -> str | None:
    """The first heading around the body, except section headings, ``下一篇`` lines and the
    site's name (``names``)."""
    for css in titles:
        for node in wrapper.css(css):
            if node.root is not container.root and not _inside(node, container):
                text = element_text(node)
                if len(text) >= 4 and not never_headline(text, names):
                    return text
    return None


def _info_fields(wrapper: Selector, container: Selector) -> dict[str, str]:
    """Labelled fields of the first line around the body that has a labelled date."""
    for block in text_blocks(wrapper.root, exclude=container.root):
        fields = labelled_fields(block.text, INFO_LABELS)
        if any(label in fields for label in DATE_LABELS):
            return fields
    return {}


def _labelled_date(info: dict[str, str]) -> str | None:
    for label in DATE_LABELS:
        if info.get(label) and find_date(info[label]):
            return find_date(info[label])
    return None


def _bare_date(wrapper: Selector, container: Selector) -> str | None:
    """A date on a short line around the body (templates that print it without a label)."""
    for block in text_blocks(wrapper.root, exclude=container.root):
        if len(block.text) <= 60 and find_date(block.text):
            return find_date(block.text)
    return None


def _author_notes(info: dict[str, str]) -> list[str]:
    name = info.get("作者", "").split(" ")[0]
    return (
        [f"author {name!r} is a generic site account, not a byline"]
        if name in GENERIC_AUTHORS
        else []
    )


def _canonical(page: Page) -> str | None:
    href = page.selector.css('link[rel="canonical"]::attr(href)').get()
    return urljoin(page.url, href) if href else None


def _anchors(nodes) -> list[Selector]:
    anchors = []
    for node in nodes:
        anchors.extend([node] if node.root.tag == "a" else node.css("a[href]"))
    return anchors


def _listed(anchor: Selector, base_url: str) -> ListedLink | None:
    href = (anchor.attrib.get("href") or "").strip()
    if not href or href.startswith(("javascript:", "#", "mailto:")):
        return None
    heading = anchor.css("h1, h2, h3, h4")
    title = squash(anchor.attrib.get("title") or "") or (
        element_text(heading[0]) if heading else element_text(anchor)
    )
    items = anchor.xpath("ancestor::*[self::li or self::tr or self::dd or self::dt][1]")
    around = element_text(items[0]) if items else ""
    return ListedLink(
        url=urljoin(base_url, href).split("#")[0],
        title=title or None,
        listed_at=find_date(around.replace(title, "")) if around else None,
    )


def listed_links(listing: Listing) -> list[ListedLink]:
    """The items of a detected list as the spiders' links."""
    return [ListedLink(item.url, item.title, item.listed_at) for item in listing.items]


def _unique_links(links: list[ListedLink]) -> list[ListedLink]:
    seen: dict[str, ListedLink] = {}
    for link in links:
        kept = seen.setdefault(link.url, link)
        if kept.listed_at is None and link.listed_at:
            kept.listed_at = link.listed_at
    return list(seen.values())


def _next_urls(hrefs: list[str | None], base_url: str) -> list[str]:
    urls = []
    for href in hrefs:
        if href and not href.startswith("javascript:"):
            url = urljoin(base_url, href)
            if url != base_url and url not in urls:
                urls.append(url)
    return urls


FAMILY = GenericFamily()
