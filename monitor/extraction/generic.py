"""The fallback family: home-grown hospital / university CMSs and content farms.

Nothing claims it and nothing detects it: ``family_for`` returns it when no other family
fits. It reads an article from the source's CSS ``selectors`` when the source gives them,
else from the common home-grown CMS layouts below, and returns ``None`` when neither finds
a plausible text so that ``monitor.extraction.chain`` can fall back to trafilatura.

The HTML helpers it shares with the ``vsb`` family (text blocks, image captions, labelled
info lines, trailer lines, a source's selectors) are ``monitor.extraction.blocks``.
"""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import urljoin, urlsplit

import cssselect
from parsel import Selector

from monitor.article.item import DateCandidate
from monitor.article.text import squash
from monitor.extraction.blocks import (
    DATE_LABELS,
    GENERIC_AUTHORS,
    INFO_LABELS,
    apply_selectors,
    author_from,
    body_fields,
    canonical,
    drop_noise,
    element_text,
    find_date,
    from_selectors,
    labelled_fields,
    noise_elements,
    split_images,
    split_trailer,
    text_blocks,
    title_from_head,
)
from monitor.extraction.family import Fields, ListedLink, ListPage
from monitor.extraction.feeds import read_feed
from monitor.extraction.listing import Listing, find_list, find_next_pages
from monitor.extraction.mainblock import MainBlock, find_main_block, never_headline, trim_body
from monitor.extraction.schema import Selectors, from_config
from monitor.extraction.sitename import site_names
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

MIN_BODY_CHARS = 80  # less text than this is not an article
MAX_LINK_SHARE = 0.5  # a container mostly made of link text is a list or a menu
ARTICLE_EXTENSIONS = (".htm", ".html", ".shtml", ".shtm")
LIST_PAGE_NAME = re.compile(
    r"(^|[_\-])(index|default|list|more|channel)([_\-.\d]|$)", re.IGNORECASE
)
DATE_IN_PATH = re.compile(r"(19|20)\d{2}([-/_]?(0[1-9]|1[0-2])|/[1-9]/)")
NUMERIC_ID = re.compile(r"\d{3,}")


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
            canonical_url=canonical(page),
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
    skip = block.skip | noise_elements(page.selector, noise)
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
        canonical_url=canonical(page),
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


def _best_container(page: Page, noise: tuple[str, ...] = ()):
    """(pattern name, container, body fields) of the first pattern that finds a text."""
    for name, template in TEMPLATES.items():
        scored = []
        for container in page.selector.css(template.body):
            blocks = text_blocks(container.root, skip=noise_elements(container, noise))
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
