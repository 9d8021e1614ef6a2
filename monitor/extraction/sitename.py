"""The site's own name, as the page shows it: never an article's headline.

Institution sites (hospitals, universities, health commissions) print their name in the
logo, the header and the footer, and often put it in ``og:title`` or first in ``<title>``
("单位-标题"): a rule that trusts those alone takes the site's name as the headline. The
name is read from the page's own evidence, not from a list of institutions:

* ``og:site_name`` / ``application-name``;
* the logo: the ``alt`` / ``title`` of an image in a link to a site's home page or in an
  element whose class or id says logo, and the text of such a link or element;
* the footer's rights line: ``版权所有：某某医院``, ``某某大学 版权所有``,
  ``Copyright © 2025 某某卫生健康委员会``, ``主办单位：…``.

``is_site_name`` compares letters and digits only, after dropping the words that follow a
name on its own site (``官网``, ``官方网站``, ``新闻网``…), so "某某大学官网" is the name
"某某大学". ``title_segments`` splits a ``<title>`` at its separators ("标题-栏目-单位").
"""

from __future__ import annotations

import re
from itertools import islice

from monitor.article.text import comparison_key, squash

# Pages a logo links to: the site's home.
HOME_PAGES = frozenset(
    "index.html index.htm index.shtml index.php index.jsp index.asp index.aspx default.html "
    "default.htm default.aspx default.asp main.htm".split()
)
# Link texts to the home page that name no site.
HOME_WORDS = frozenset("首页 网站首页 返回首页 主页 home 回到首页 学校首页 医院首页".split())
# Words after a name on its own site: "某某大学官网" names "某某大学".
NAME_ENDINGS = ("官方网站", "门户网站", "官网", "网站", "主页", "首页")
MIN_NAME_CHARS, MAX_NAME_CHARS = 2, 40
MAX_RIGHTS_CHARS = 300
MAX_LOGO_ELEMENTS = 8  # a logo or home link holds a few elements (image, name, motto)
# "版权所有：某某医院", "Copyright © 2025 某某大学 All rights reserved", "主办单位：…",
# "某某大学新闻网 版权所有" (主办 with its colon only: "由…主办" is a sentence)
_NAME = r"([\u4e00-\u9fffA-Za-z0-9（）()·]{2,40})"
_RIGHTS = (
    re.compile(r"(?:版权所有\s*[:：©]?|主办(?:单位)?\s*[:：]|Copyright\s*[:：©]?|©|\(c\))\s*(?:©\s*)?"
               r"(?:(?:19|20)\d{2}\s*(?:[-–—]\s*(?:19|20)?\d{2,4})?\s*)?" + _NAME,
               re.IGNORECASE),
    re.compile(_NAME + r"\s*版权所有"),
)
_TRAILING_ASCII = re.compile(r"(?:All\s*rights?.*|版权.*|\d+)$", re.IGNORECASE)
SITE_META = frozenset({"og:site_name", "application-name"})
_LOGO_NAME = re.compile(r"(?:^|[\s_\-])logo", re.IGNORECASE)
# Separators between the parts of a <title>: "标题_栏目_网站", "标题--人民网", "标题 | 网站",
# "标题-单位", "单位-标题".
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|--+|——|–|—|\s-\s|-)\s*")


def key(text: str) -> str:
    """Letters and digits only, without a name's own-site ending ("…官网")."""
    flat = comparison_key(text)
    for ending in NAME_ENDINGS:
        if flat.endswith(ending) and len(flat) > len(ending) + 1:
            return flat[: -len(ending)]
    return flat


def site_names(root) -> frozenset[str]:
    """Keys (``key``) of the names the page gives its own site (the page under ``root``, an
    lxml element; read once per tree: the headline rules of several steps ask)."""
    global _last
    if _last[0] is root:
        return _last[1]
    names = _site_names(root)
    _last = (root, names)
    return names


_last: tuple[object, frozenset[str]] = (None, frozenset())


def _site_names(root) -> frozenset[str]:
    names: set[str] = set()

    def add(text: str | None) -> None:
        text = squash(text)
        if MIN_NAME_CHARS <= len(text) <= MAX_NAME_CHARS and text.lower() not in HOME_WORDS:
            names.add(key(text))

    host = _host(root.getroottree().docinfo.URL or "")
    for element in root.iter():  # one walk: meta tags, links home, logos
        tag = element.tag
        if tag == "meta":
            if (element.get("property") or element.get("name") or "").lower() in SITE_META:
                add(element.get("content"))
            continue
        names_of = f"{element.get('class') or ''} {element.get('id') or ''}"
        if (tag == "a" and _is_home(element.get("href") or "", host)) or (
                "ogo" in names_of.lower() and _LOGO_NAME.search(names_of)):
            if _small(element):  # a logo or a link, not a header holding one
                for image in element.iter("img"):
                    add(image.get("alt"))
                    add(image.get("title"))
                add(element.text_content())
                add(element.get("title"))
    for text in root.xpath("//body//text()[not(parent::script or parent::style)]"
                           "[contains(., '版权所有') or contains(., '主办')"
                           " or contains(., 'opyright') or contains(., '©')]"):
        if len(text) > MAX_RIGHTS_CHARS:  # a rights line is short
            continue
        for pattern in _RIGHTS:
            for found in pattern.finditer(str(text)):
                add(_TRAILING_ASCII.sub("", found.group(1)))
    names.discard("")
    return frozenset(names)


def is_site_name(text: str | None, names: frozenset[str]) -> bool:
    """True when ``text`` is one of the site's names (letters and digits compared)."""
    flat = key(text or "")
    return bool(flat) and flat in names


def title_segments(title: str) -> list[str]:
    """The parts of a ``<title>`` between its separators, in order, non-empty."""
    return [part.strip() for part in _TITLE_SEPARATORS.split(title or "") if part.strip()]


def without_site_name(title: str, names: frozenset[str]) -> str:
    """A ``<title>`` without the parts that are the site's name, at either end ("单位-标题",
    "标题-单位"); the title unchanged when no end is a site name or nothing else is left."""
    parts = title_segments(title)
    if len(parts) < 2:
        return title
    start, end = 0, len(parts)
    while start < end and is_site_name(parts[start], names):
        start += 1
    while end > start and is_site_name(parts[end - 1], names):
        end -= 1
    if (start, end) == (0, len(parts)) or start >= end:
        return title
    # the parts kept, as the title printed them (separators inside the headline kept)
    first, last = parts[start], parts[end - 1]
    begin = title.find(first)
    finish = title.rfind(last) + len(last)
    return title[begin:finish].strip() if 0 <= begin < finish else title


def _host(url: str) -> str:
    """A URL's (or a netloc's) host name without ``www.``, lower case."""
    where = url.partition("//")[2] if "//" in url else url
    return where.partition("/")[0].partition(":")[0].lower().removeprefix("www.")


def _small(element) -> bool:
    """At most ``MAX_LOGO_ELEMENTS`` elements (itself included): a logo or a link."""
    return next(islice(element.iter(), MAX_LOGO_ELEMENTS, None), None) is None


def _is_home(href: str, host: str) -> bool:
    """A link to the home page of the site on ``host`` (any site when ``host`` is empty):
    ``/``, ``./``, ``../index.html``, ``https://host/``."""
    href = href.strip()
    if not href or "?" in href or href.startswith(("javascript:", "#", "mailto:")):
        return False
    if "//" in href:  # https://host/path, //host/path: the path without its first /
        scheme, _, rest = href.partition("//")
        where, _, href = rest.partition("/")
        if scheme not in ("", "http:", "https:") or (host and _host(where) != host):
            return False
    path = href.split("#", 1)[0].lstrip("./")
    return path == "" or path.lower() in HOME_PAGES
