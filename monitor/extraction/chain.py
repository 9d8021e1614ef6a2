"""Article extraction: a fallback chain per field, recording which step produced each field.

For every field the steps are tried in order:

1. the site family's rules (``monitor.extraction.family``: ``netease``, ``chinanews``, ``vsb`` or
   ``generic`` with the source's selectors) → origin ``site:<rule>``;
2. JSON-LD (``NewsArticle``: headline, datePublished, author, publisher, articleBody) and
   meta tags (og:title, article:published_time, canonical link / og:url, author), then the
   page's own ``<h1>`` / ``<title>`` for the title → origins ``jsonld:*``, ``meta:*``,
   ``html:*``;
3. the generic extractor trafilatura (body, title, date) → ``generic:trafilatura``.

No source is trusted blindly: a title that is a truncated form of another candidate gives
way to the full one, JSON-LD dates that are not dates are dropped, a canonical link to
the home page is ignored, a site body of a few characters falls through to the next step.
``extract_article`` never raises: a missing field stays ``None`` with the reason in
``Article.notes``. The description meta tag is never used as the body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from urllib.parse import urljoin, urlsplit

from parsel import Selector

from monitor import settings
from monitor.article.dates import find_dateline
from monitor.article.item import Article, DateCandidate
from monitor.article.text import squash
from monitor.config.zone import TZ
from monitor.extraction.family import Fields, SiteFamily
from monitor.extraction.mainblock import never_headline
from monitor.extraction.registry import family_for_kind
from monitor.extraction.sitename import MAX_NAME_CHARS, site_names, without_site_name
from monitor.page.fetched import Page
from monitor.page.resaved import saved_from

MIN_BODY_CHARS = 30  # a body step giving fewer characters falls through to the next step
MAX_TITLE_CHARS = 200
MAX_AUTHOR_CHARS = 40
_NO_NAME = re.compile(r"[\d\W_]+")  # an outlet / author of digits and punctuation only

# JSON-LD @type values that describe an article (schema.org)
ARTICLE_TYPES = frozenset(
    {"NewsArticle", "Article", "ReportageNewsArticle", "AnalysisNewsArticle", "BlogPosting",
     "Report", "ScholarlyArticle"}
)
# Meta tags per field, most trusted first: keys are the lower-cased name / property /
# itemprop attribute. publishdate / pubdate are the forms of Chinese government, hospital
# and university CMSs (TRS, VSB); og:release_date is NetEase's mobile pages.
META_TITLE = ("og:title", "twitter:title")
META_DATES = (
    "article:published_time", "og:release_date", "datepublished", "publishdate", "pubdate",
    "publish_date", "publishtime", "dc.date.issued", "dc.date",
)
META_AUTHOR = ("author", "article:author", "dc.creator")
META_URL = ("og:url",)
META_SITE_NAME = ("og:site_name", "application-name", "copyright")  # the site, not a person
# Separators between an article title and the site / column name in <title>:
# "标题-栏目名" (VSB), "标题 -中新网" (chinanews), "标题_网易新闻" (NetEase), "标题|站名".
_TITLE_SUFFIX = re.compile(r"\s*(?:[-_|–—]+|\s[-_|–—]+\s)\s*[^-_|–—]{1,24}$")
_ELLIPSIS = re.compile(r"(?:\.{3}|…+|\s*\.\.\.\s*)$")
_SEPARATOR_START = re.compile(r"^\s*[-_|–—]")
_LOOKS_LIKE_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}")
_TAGS = re.compile(r"<[^>]+>")


def extract_article(
    page: Page,
    *,
    source: str = "",
    kind: str | None = None,
    selectors: dict | None = None,
    max_bytes: int | None = None,
) -> Article:
    """The article on ``page``: site rules → JSON-LD / meta → trafilatura, field by field.

    ``max_bytes``: the page is cut there before parsing; default the
    ``MONITOR_MAX_PARSE_BYTES`` setting."""
    if max_bytes is None:
        max_bytes = settings.MONITOR_MAX_PARSE_BYTES
    article = Article(
        url=page.url, source=source, fetched_at=page.fetched_at, raw_html=page.body
    )
    notes = article.notes
    if len(page.body) > max_bytes:
        notes.append(f"page: cut at {max_bytes} of {len(page.body)} bytes before parsing")
        page = Page(url=page.url, body=page.body[:max_bytes], headers=page.headers,
                    fetched_at=page.fetched_at)
    article.encoding = page.encoding
    if not page.text.strip():
        notes.append("page: empty body")

    family = _family(page, kind, notes)
    article.site = family.name if family else None
    fields = _site_fields(family, page, selectors, notes)
    steps = _Fallbacks(page, notes)

    _fill_title(article, fields, steps)
    _fill_body(article, fields, steps)
    _fill_simple(article, "outlet", fields.outlet if fields else None, fields, steps.outlets())
    _fill_simple(article, "author", fields.author if fields else None, fields, steps.authors())
    _fill_canonical(article, fields, steps)
    article.images = list(fields.images) if fields else []
    _fill_dates(article, fields, steps)
    return article


# --- the family step ---------------------------------------------------------------------


def _family(page: Page, kind: str | None, notes: list[str]) -> SiteFamily | None:
    for wanted in dict.fromkeys((kind, None)):
        try:
            return family_for_kind(wanted, page)
        except KeyError:
            notes.append(f"site: unknown kind {wanted!r}; family detected from the page")
        except Exception as error:  # a family failing to load or detect must not stop extraction
            notes.append(f"site: no family could be chosen ({type(error).__name__}: {error})")
            return None
    return None


def _site_fields(
    family: SiteFamily | None, page: Page, selectors: dict | None, notes: list[str]
) -> Fields | None:
    if family is None:
        return None
    try:
        fields = family.extract(page, selectors)
    except Exception as error:  # one family's bug must not lose the article: fall back
        notes.append(f"site: {family.name} rules failed ({type(error).__name__}: {error})")
        return None
    if fields is None:
        notes.append(f"site: no {family.name} template matched")
        return None
    notes.extend(f"site: {note}" for note in fields.notes)
    return fields


# --- JSON-LD, meta tags, <h1>/<title>, trafilatura ---------------------------------------


@dataclass
class _Fallbacks:
    """Steps 2 and 3 of the chain, each computed once and only when a field needs it."""

    page: Page
    notes: list[str]

    @cached_property
    def selector(self) -> Selector:
        try:
            return self.page.selector
        except Exception as error:  # lxml refuses some inputs (e.g. huge or binary text)
            self.notes.append(f"page: not parseable as HTML ({type(error).__name__})")
            return Selector(text="<html></html>")

    @cached_property
    def meta(self) -> dict[str, str]:
        """First non-empty content of each meta tag, keyed by lower-cased name/property."""
        found: dict[str, str] = {}
        for tag in self.selector.xpath("//meta[@content]"):
            attrib = tag.attrib
            key = attrib.get("property") or attrib.get("name") or attrib.get("itemprop") or ""
            content = squash(attrib.get("content"))
            if key and content:
                found.setdefault(key.strip().lower(), content)
        return found

    @cached_property
    def site_names(self) -> frozenset[str]:
        """The names the page gives its own site (``monitor.sites.sitename``): no headline."""
        return site_names(self.selector.root)

    @cached_property
    def jsonld(self) -> dict:
        """The first JSON-LD object of an article type, else {}."""
        for script in self.selector.xpath('//script[@type="application/ld+json"]/text()').getall():
            data = _load_json(script)
            if data is None:
                self.notes.append("jsonld: a block is not valid JSON; ignored")
                continue
            for item in _jsonld_items(data):
                types = item.get("@type")
                types = types if isinstance(types, list) else [types]
                if ARTICLE_TYPES.intersection(t for t in types if isinstance(t, str)):
                    return item
        return {}

    @cached_property
    def generic(self) -> dict:
        """trafilatura's result (title, text, date, author) on the parsed page."""
        return run_trafilatura(self.page, self.notes, tree=self.selector.root)

    @cached_property
    def generic_text(self) -> str:
        """trafilatura's body; without its metadata search (title, date, author: most of
        its time) unless that ran already."""
        if "generic" not in self.__dict__:
            found = run_trafilatura(self.page, self.notes, tree=self.selector.root,
                                    with_metadata=False)
            return found.get("text") or ""
        return self.generic.get("text") or ""

    @cached_property
    def generic_date(self) -> str:
        """The date trafilatura's metadata step finds (htmldate), searched alone on the
        parsed page unless trafilatura ran with its metadata already."""
        if "generic" not in self.__dict__:
            return squash(find_generic_date(self.page, self.notes, tree=self.selector.root))
        return squash(self.generic.get("date"))

    # candidates per field, in order of trust: (value, origin)

    def titles(self) -> Iterator[tuple[str, str]]:
        """Title candidates, except section headings, ``下一篇`` lines and the site's name."""
        for text, origin in self._titles():
            if text and never_headline(text, self.site_names):
                self.notes.append(f"title: {origin} {text[:40]!r} is the site's name or a "
                                  "section heading; ignored")
                continue
            yield text, origin

    def _titles(self) -> Iterator[tuple[str, str]]:
        yield squash(_as_text(self.jsonld.get("headline"))), "jsonld:headline"
        for key in META_TITLE:
            yield self.meta.get(key, ""), f"meta:{key}"
        page_title = squash(" ".join(self.selector.xpath("//title//text()").getall()))
        h1s = [text for h1 in self.selector.xpath("//h1")
               if len(text := squash(" ".join(h1.xpath(".//text()").getall()))) >= 4]
        # the <h1> that the <title> repeats first: other <h1>s are often the site's logo
        for h1 in sorted(h1s, key=lambda text: text not in page_title):
            yield h1, "html:h1"
        yield _trim_title_tag(without_site_name(page_title, self.site_names)), "html:title"

    def outlets(self) -> Iterator[tuple[str, str]]:
        yield self.meta.get("source", ""), "meta:source"
        yield squash(_name(self.jsonld.get("publisher"))), "jsonld:publisher"

    def authors(self) -> Iterator[tuple[str, str]]:
        """Author tags, except those naming the site itself (NetEase's ``author`` is 网易)."""
        site = [self.meta.get(key, "") for key in META_SITE_NAME]
        site.append(squash(_name(self.jsonld.get("publisher"))))
        candidates = [(squash(_name(self.jsonld.get("author"))), "jsonld:author")]
        candidates.extend((self.meta.get(key, ""), f"meta:{key}") for key in META_AUTHOR)
        for value, origin in candidates:
            if value and any(value in name for name in site if name):
                self.notes.append(f"author: {origin} {value!r} names the site; ignored")
                continue
            yield value, origin

    def canonicals(self) -> Iterator[tuple[str, str]]:
        for href in self.selector.xpath(
            '//link[translate(@rel, "CANONICAL", "canonical")="canonical"]/@href'
        ).getall():
            yield href.strip(), "meta:canonical"
        for key in META_URL:
            yield self.meta.get(key, ""), f"meta:{key}"
        main = self.jsonld.get("mainEntityOfPage")
        yield _as_text(main.get("@id") if isinstance(main, dict) else main), "jsonld:url"
        yield _as_text(self.jsonld.get("url")), "jsonld:url"
        yield saved_from(self.page.text) or "", "html:saved-from"  # a browser's saved copy

    def dates(self) -> Iterator[tuple[str, str]]:
        for key in META_DATES:
            yield self.meta.get(key, ""), f"meta:{key}"
        yield _as_text(self.jsonld.get("datePublished")), "jsonld:datePublished"


def _date_search(page: Page) -> dict:
    """htmldate's options: the date search never goes past the fetch day in Shanghai
    (htmldate would use today's clock)."""
    return {
        "extensive_search": True,
        "original_date": True,
        "max_date": page.fetched_at.astimezone(TZ).strftime("%Y-%m-%d"),
        "outputformat": "%Y-%m-%d %H:%M:%S",
    }


def run_trafilatura(page: Page, notes: list[str], *, tree=None,
                    with_metadata: bool = True) -> dict:
    """trafilatura.bare_extraction on ``tree`` (the page already parsed; trafilatura works
    on a copy) or else the page's decoded text; {} when it finds nothing. Without metadata
    it gives the body only."""
    import trafilatura  # heavy import, only needed when a field falls through to it

    text = page.text
    if not text.strip():
        return {}
    try:
        document = trafilatura.bare_extraction(
            tree if tree is not None else text,
            url=page.url,
            with_metadata=with_metadata,
            include_comments=False,
            date_extraction_params=_date_search(page),
        )
    except Exception as error:  # the generic extractor is a fallback; its bugs are notes
        notes.append(f"generic: trafilatura failed ({type(error).__name__}: {error})")
        return {}
    if document is None:
        notes.append("generic: trafilatura found no article text")
        return {}
    return document.as_dict() if hasattr(document, "as_dict") else dict(document)


def find_generic_date(page: Page, notes: list[str], *, tree=None) -> str | None:
    """htmldate's date search alone (what trafilatura's metadata step runs), on ``tree``
    (the page already parsed; htmldate works on a copy) or else the decoded text."""
    from htmldate import find_date  # start-up: heavy, only when a date falls through to it

    if not page.text.strip():
        return None
    try:
        return find_date(tree if tree is not None else page.text, url=page.url,
                         **_date_search(page))
    except Exception as error:  # a fallback; its bugs are notes
        notes.append(f"generic: htmldate failed ({type(error).__name__}: {error})")
        return None


# --- field by field ----------------------------------------------------------------------


def _fill_title(article: Article, fields: Fields | None, steps: _Fallbacks) -> None:
    candidates = []
    if fields and fields.title and never_headline(
            fields.title, steps.site_names if len(fields.title) <= MAX_NAME_CHARS else frozenset()):
        article.notes.append(f"title: site:{fields.rule} {fields.title[:40]!r} is the site's "
                             "name or a section heading; ignored")
    elif fields and fields.title:
        title = squash(fields.title)
        if title and len(title) <= MAX_TITLE_CHARS and not _ELLIPSIS.search(title):
            # a site rule's headline that is not visibly cut is kept: no other is needed
            article.title = title
            article.field_origins["title"] = f"site:{fields.rule}"
            return
        candidates.append((title, f"site:{fields.rule}"))
    candidates.extend(steps.titles())
    usable = [(text, origin) for text, origin in candidates
              if text and len(text) <= MAX_TITLE_CHARS]
    if not usable and (generic := squash(steps.generic.get("title"))):
        usable.append((generic, "generic:trafilatura"))
    if not usable:
        article.notes.append("title: missing (no site rule, meta tag, <h1>, <title> or "
                             "generic title)")
        return
    title, origin = usable[0]
    stem = _ELLIPSIS.sub("", title).strip()
    cut = stem != title  # "…" at the end: surely cut; else the rest must not be a site name
    longer = [(text, where) for text, where in usable[1:]
              if text.startswith(stem) and len(text) > len(stem) and not _ELLIPSIS.search(text)
              and (cut or not _SEPARATOR_START.match(text[len(stem):]))]
    if longer:  # a cut-off headline (og:title / JSON-LD often are): use the full one
        article.notes.append(f"title: {origin} {title!r} looks truncated; used {longer[0][1]}")
        title, origin = longer[0]
    article.title = title
    article.field_origins["title"] = origin


def _fill_body(article: Article, fields: Fields | None, steps: _Fallbacks) -> None:
    def jsonld() -> list[str]:
        return _paragraphs(_TAGS.sub("", _as_text(steps.jsonld.get("articleBody"))))

    def generic() -> list[str]:
        return _paragraphs(steps.generic_text)

    chain: list[tuple[Callable[[], list[str]], str, str]] = []  # (paragraphs, origin, extractor)
    if fields:
        site = f"site:{fields.rule}"
        chain.append((lambda: fields.paragraphs, site, site))
    chain.append((jsonld, "jsonld:articleBody", "meta"))
    chain.append((generic, "generic:trafilatura", "generic:trafilatura"))
    tried: list[str] = []
    found: list[tuple[str, str, str]] = []  # (body, origin, extractor)
    for paragraphs, origin, extractor in chain:
        body = "\n".join(p for p in (squash(p) for p in paragraphs()) if p)
        if len(body) >= MIN_BODY_CHARS:
            if tried:
                article.notes.append("body: " + "; ".join(tried) + f"; used {origin}")
            article.body, article.extractor = body, extractor
            article.field_origins["body"] = origin
            return
        tried.append(f"{origin} gave {len(body)} characters" if body else f"{origin} gave none")
        if body:
            found.append((body, origin, extractor))
    if found:
        body, origin, extractor = max(found, key=lambda option: len(option[0]))
        article.body, article.extractor = body, extractor
        article.field_origins["body"] = origin
        article.notes.append("body: short: " + "; ".join(tried) + f"; kept {origin}")
    else:
        article.notes.append("body: missing: " + "; ".join(tried))


def _fill_simple(
    article: Article,
    name: str,
    site_value: str | None,
    fields: Fields | None,
    fallbacks: Iterator[tuple[str, str]],
) -> None:
    """outlet / author: the site's value, else the first usable fallback. A value made of
    digits and punctuation only (a date, a CMS user number) names nobody: it is noted and
    the next one is tried."""
    candidates = [(site_value, f"site:{fields.rule}")] if site_value else []
    for value, origin in chain(candidates, fallbacks):
        value = squash(value)
        if not value:
            continue
        if _NO_NAME.fullmatch(value):
            article.notes.append(f"{name}: {origin} {value!r} names nobody; ignored")
            continue
        if origin.startswith("site:") or (
                len(value) <= MAX_AUTHOR_CHARS and not value.startswith(("http:", "https:"))):
            setattr(article, name, value)
            article.field_origins[name] = origin
            return
    article.notes.append(f"{name}: none found")


def _fill_canonical(article: Article, fields: Fields | None, steps: _Fallbacks) -> None:
    site = [(fields.canonical_url, f"site:{fields.rule}")] if fields and fields.canonical_url \
        else []
    candidates = chain(site, steps.canonicals())  # the page's own looked at only if needed
    page_path = urlsplit(article.url).path.strip("/")
    for href, origin in candidates:
        if not href:
            continue
        url = urljoin(article.url, href.strip())
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            article.notes.append(f"canonical_url: {origin} {href!r} is not a web address")
            continue
        if page_path and not parts.path.strip("/"):
            article.notes.append(f"canonical_url: {origin} points to the home page; ignored")
            continue
        article.canonical_url = url
        article.field_origins["canonical_url"] = origin
        return
    article.canonical_url = article.url
    article.field_origins["canonical_url"] = "url"


def _fill_dates(article: Article, fields: Fields | None, steps: _Fallbacks) -> None:
    """Every date text found, most trusted first; ``monitor.article.dates`` chooses among them."""
    found = list(fields.date_candidates) if fields else []
    for text, origin in steps.dates():
        if not text:
            continue
        if not _LOOKS_LIKE_DATE.search(text):
            article.notes.append(f"dates: {origin} {text[:40]!r} is not a date; ignored")
            continue
        found.append(DateCandidate(text=text, origin=origin))
    first_line = (article.body or "").split("\n", 1)[0]
    if first_line and find_dateline(first_line) and not any(
        c.origin == "dateline" for c in found
    ):
        found.append(DateCandidate(text=first_line[:60], origin="dateline"))
    if not any(c.origin.split(":", 1)[0] in ("site", "meta", "jsonld") for c in found):
        generic_date = steps.generic_date
        if generic_date:
            found.append(DateCandidate(text=generic_date, origin="generic:trafilatura"))
    seen = set()
    article.date_candidates = []
    for candidate in found:
        key = (candidate.text, candidate.origin)
        if key not in seen:
            seen.add(key)
            article.date_candidates.append(candidate)
    if not article.date_candidates:
        article.notes.append("dates: no date text found on the page")


# --- small helpers -----------------------------------------------------------------------


def _paragraphs(text: str) -> list[str]:
    return [line for line in (squash(line) for line in text.splitlines()) if line]


def _as_text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _name(value: object) -> str:
    """The name of a JSON-LD person / organisation (a string, an object or a list of them)."""
    if isinstance(value, list):
        return "、".join(name for item in value if (name := _name(item)))
    if isinstance(value, dict):
        return _as_text(value.get("name"))
    return _as_text(value)


def _load_json(text: str) -> object | None:
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    try:  # trailing commas are the usual breakage of hand-written JSON-LD
        return json.loads(re.sub(r",\s*([}\]])", r"\1", text), strict=False)
    except ValueError:
        return None


def _jsonld_items(data: object) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _jsonld_items(item)
    elif isinstance(data, dict):
        yield data
        if isinstance(data.get("@graph"), list):
            yield from _jsonld_items(data["@graph"])


def _trim_title_tag(title: str) -> str:
    """``标题-栏目名-学校`` → ``标题``: drop short trailing site / column segments."""
    while (match := _TITLE_SUFFIX.search(title)) and len(title[: match.start()]) >= 6:
        title = title[: match.start()].strip()
    return title
