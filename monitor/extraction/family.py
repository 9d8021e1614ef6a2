"""Site families: what each kind of site's pages look like, as data plus small pure functions.

Each family module (``netease``, ``chinanews``, ``vsb``, ``generic``) exposes a
``FAMILY`` object implementing ``SiteFamily``; ``registry`` lists them. The spiders ask a
family which links a list page holds (``parse_list``); ``monitor.extraction.chain`` asks
it for an article's fields (``extract``) before falling back to JSON-LD / meta tags and
then the generic extractor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from monitor.article.item import DateCandidate, Image
from monitor.page.fetched import Page


@dataclass
class ListedLink:
    """An article link found on a list page, with what the list says about it."""

    url: str
    title: str | None = None
    listed_at: str | None = None  # date text shown in the list (e.g. "9-11 14:38"), raw


@dataclass
class ListPage:
    articles: list[ListedLink] = field(default_factory=list)
    next_pages: list[str] = field(default_factory=list)  # further list pages, in order


@dataclass
class Fields:
    """What one extraction rule found on a page. ``None`` / empty means "not found here"."""

    rule: str  # which template matched, e.g. "netease:2020+", "vsb:v_news_content"
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    canonical_url: str | None = None
    date_candidates: list[DateCandidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class SiteFamily(Protocol):
    name: str  # "netease", "chinanews", "vsb", "generic"

    def claims(self, url: str) -> bool:
        """True when the URL's host belongs to this family (e.g. *.163.com)."""

    def detect(self, page: Page) -> bool:
        """True when the page carries this family's markers (e.g. the VSB CMS comments)."""

    def is_article_url(self, url: str) -> bool:
        """True when the URL has the form of an article page of this family."""

    def parse_list(self, page: Page, selectors: dict[str, str] | None = None) -> ListPage:
        """Article links and next list pages found on a list / channel / search page."""

    def extract(self, page: Page, selectors: dict[str, str] | None = None) -> Fields | None:
        """The article's fields by this family's rules; None when no template matched."""
