"""University and hospital sites on the VSB / WebPlus CMS (博达 Visual SiteBuilder).

Recognised by the CMS's markers on any host. Articles live at ``/info/<treeid>/<newsid>.htm``
and their text sits in ``form[name=_newscontent_fromname]``; the title, date line and
body markup differ between templates, so each is tried from the selectors below (the
schema of ``monitor.extraction.schema``; a source's ``selectors`` come first).
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from parsel import Selector

from monitor.article.item import DateCandidate
from monitor.article.text import squash
from monitor.extraction.blocks import (
    DATE_LABELS,
    INFO_LABELS,
    apply_selectors,
    author_from,
    body_fields,
    element_text,
    find_date,
    from_selectors,
    labelled_fields,
)
from monitor.extraction.family import Fields, ListPage
from monitor.extraction.generic import FAMILY as GENERIC
from monitor.extraction.mainblock import never_headline
from monitor.extraction.schema import Selectors, from_config
from monitor.extraction.sitename import site_names, without_site_name
from monitor.page.fetched import Page

MARKERS = (
    "Announced by Visual SiteBuilder",
    "/_sitegray/_sitegray.js",
    "/system/resource/js/dynclicks.js",
    "_jsq_(",
)
ARTICLE_PATH = re.compile(r"/info/\d+/\d+\.htm$")
# the dynamic form of an article URL: /content.jsp?urltype=news.NewsContentUrl&wbtreeid=…&wbnewsid=…
DYNAMIC_ARTICLE_PATH = re.compile(r"/content\.jsp$")

FORM = "form[name=_newscontent_fromname]"
TITLE_SELECTORS = (
    f"{FORM} h1",  # newer templates (dmu): <h1> above the date line
    f"{FORM} h2",
    f"{FORM} div.title",
    f"{FORM} [class^=titlestyle]",  # older table templates (swmu): <td class="titlestyle44417">
    "div.title",
    "[class^=titlestyle]",
)
# The date line holds the click counter script; these are for templates where it does not.
DATE_LINE_SELECTORS = (
    f"{FORM} [class^=timestyle]",  # older table templates
    f"{FORM} .info",
    f"{FORM} .date",
    f"{FORM} .time",
    "[class^=timestyle]",
)
# Article templates, newest first (the schema: monitor.extraction.schema); the body container
# tells them apart. Outlet and author are read from the labelled date line.
TEMPLATES: dict[str, Selectors] = {
    # VSB 9 (dmu.edu.cn): #vsb_content > div.v_news_content with p.vsbcontent_start / _img / _end
    "vsb:v_news_content": Selectors(
        body=f"{FORM} div.v_news_content", title=TITLE_SELECTORS, date=DATE_LINE_SELECTORS
    ),
    # older templates (swmu.edu.cn): div#vsb_content, #vsb_content_2, #vsb_content_<n>
    "vsb:vsb_content": Selectors(
        body=f"{FORM} [id^=vsb_content]", title=TITLE_SELECTORS, date=DATE_LINE_SELECTORS
    ),
}
# Templates whose title is only marked by the editable block around it.
EDITABLE_TITLE = re.compile(
    r'<!--#begineditable[^>]*\bname="(?:标题|文章标题|新闻标题)"[^>]*-->(.*?)<!--#endeditable-->',
    re.DOTALL,
)
CLICK_SCRIPT = "_showDynClicks"
ATTACHMENT_LINKS = 'a[href*="download.jsp"]'
class VsbFamily:
    name = "vsb"

    def claims(self, url: str) -> bool:
        return False  # VSB runs on many hosts: recognised by its markers, not by host

    def detect(self, page: Page) -> bool:
        return any(marker in page.text for marker in MARKERS)

    def is_article_url(self, url: str) -> bool:
        parts = urlsplit(url)
        if ARTICLE_PATH.search(parts.path):
            return True
        return bool(DYNAMIC_ARTICLE_PATH.search(parts.path) and "wbnewsid" in parse_qs(parts.query))

    def parse_list(self, page: Page, selectors: dict[str, str] | None = None) -> ListPage:
        """The source's ``list_links``, else the list the page's structure shows (the generic
        family's rule: VSB pages often hold several list components, a sidebar's too)."""
        return GENERIC.parse_list(page, selectors)

    def extract(self, page: Page, selectors: dict[str, str] | None = None) -> Fields | None:
        """The VSB template's fields; a source's ``selectors`` come first, as on any family."""
        config = from_config(selectors)
        if config.body and (fields := from_selectors(page, config)):
            return fields
        rule, containers = next(
            ((rule, found) for rule, template in TEMPLATES.items()
             if (found := page.selector.css(template.body))),
            ("", None),
        )
        if not containers:
            return None
        paragraphs, images, trailer_fields, notes = body_fields(
            containers[0], page.url, config.each("noise")
        )
        if not paragraphs and not images:
            return None
        template = TEMPLATES[rule]
        line, origin = _date_line(page, template.each("date"))
        info = labelled_fields(line, INFO_LABELS) if line else {}
        date = next(
            (find_date(info[label]) for label in DATE_LABELS if find_date(info.get(label, ""))),
            None,
        )
        date = date or (find_date(line) if line else None)
        attachments = page.selector.css(f"{FORM} {ATTACHMENT_LINKS}")
        if attachments:
            notes.append(f"{len(attachments)} attachment(s) left out of the body")
        return apply_selectors(page, config, Fields(
            rule=rule,
            title=_title(page, template.each("title")),
            outlet=info.get("来源", "").split(" ")[0] or None,
            author=author_from(info, first_token=True) or author_from(trailer_fields),
            paragraphs=paragraphs,
            images=images,
            canonical_url=None,
            date_candidates=[DateCandidate(date, origin)] if date else [],
            notes=notes if line else [*notes, "no date line found"],
        ))


def _title(page: Page, titles: tuple[str, ...]) -> str | None:
    """The template's heading, else the editable title block, else ``<title>`` ("标题-栏目名");
    never a section heading, a ``下一篇`` line or the site's own name."""
    names = None
    for css in titles:
        for node in page.selector.css(css):
            text = element_text(node)
            if text and not never_headline(text):
                names = site_names(page.selector.root) if names is None else names
                if not never_headline(text, names):
                    return text
    match = EDITABLE_TITLE.search(page.text)
    if match:
        text = element_text(Selector(text=f"<div>{match.group(1)}</div>").css("div")[0])
        if text:
            return text
    names = site_names(page.selector.root) if names is None else names
    title = without_site_name(squash(page.selector.css("title::text").get() or ""), names)
    title = title.rsplit("-", 1)[0].strip()  # "标题-栏目名"
    return None if never_headline(title, names) else title


def _date_line(page: Page, date_lines: tuple[str, ...]) -> tuple[str | None, str]:
    """Text of the line with the publication date, and where it was found.

    The click counter script sits in the date line on every template seen; its parent
    (or grandparent, when the counter has a span of its own) is that line.
    """
    script = page.selector.xpath(f'//script[contains(., "{CLICK_SCRIPT}(")]')
    if script:
        for level, xpath in enumerate(("..", "../..")):
            parent = script[0].xpath(xpath)
            if parent:
                text = element_text(parent[0])
                if find_date(text) and len(text) <= 200:
                    return text, "site:vsb:click-counter-line" + ("" if level == 0 else "-parent")
    for css in date_lines:
        for node in page.selector.css(css):
            text = element_text(node)
            if find_date(text):
                return text, f"site:vsb:{css.removeprefix(FORM).strip()}"
    return None, ""


FAMILY = VsbFamily()
