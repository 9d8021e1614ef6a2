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
from urllib.parse import urlsplit

from monitor.text import squash

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
# "版权所有：某某医院", "Copyright © 2025 某某大学 All rights reserved", "主办单位：…",
# "某某大学新闻网 版权所有"
_NAME = r"([\u4e00-\u9fffA-Za-z0-9（）()·]{2,40})"
_RIGHTS = (
    re.compile(r"(?:版权所有|主办单位|主办|Copyright|©|\(c\))\s*[:：©]?\s*(?:©\s*)?"
               r"(?:(?:19|20)\d{2}\s*(?:[-–—]\s*(?:19|20)?\d{2,4})?\s*)?" + _NAME,
               re.IGNORECASE),
    re.compile(_NAME + r"\s*(?:版权所有|主办)"),
)
_TRAILING_ASCII = re.compile(r"(?:All\s*rights?.*|版权.*|\d+)$", re.IGNORECASE)
_LOGO_NAME = re.compile(r"(?:^|[\s_\-])logo", re.IGNORECASE)
_NOT_WORD = re.compile(r"[\W_]+")
# Separators between the parts of a <title>: "标题_栏目_网站", "标题--人民网", "标题 | 网站",
# "标题-单位", "单位-标题".
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|--+|——|–|—|\s-\s|-)\s*")


def key(text: str) -> str:
    """Letters and digits only, without a name's own-site ending ("…官网")."""
    flat = _NOT_WORD.sub("", text or "")
    for ending in NAME_ENDINGS:
        if flat.endswith(ending) and len(flat) > len(ending) + 1:
            return flat[: -len(ending)]
    return flat


def site_names(root, meta: dict[str, str] | None = None) -> frozenset[str]:
    """Keys (``key``) of the names the page gives its own site; ``meta`` maps lower-cased
    meta names to contents when the caller has read them already."""
    names: set[str] = set()

    def add(text: str | None) -> None:
        text = squash(text)
        if MIN_NAME_CHARS <= len(text) <= MAX_NAME_CHARS and text.lower() not in HOME_WORDS:
            names.add(key(text))

    if meta is None:
        meta = {}
        for tag in root.iter("meta"):
            name = (tag.get("property") or tag.get("name") or "").strip().lower()
            if name and tag.get("content"):
                meta.setdefault(name, tag.get("content"))
    for name in ("og:site_name", "application-name"):
        add(meta.get(name))
    for anchor in root.iter("a"):
        if _is_home(anchor.get("href")):
            for image in anchor.iter("img"):
                add(image.get("alt"))
                add(image.get("title"))
            add(anchor.text_content() if len(anchor) or anchor.text else "")
            add(anchor.get("title"))
    for element in root.xpath("//*[@class or @id]"):
        if _LOGO_NAME.search(f"{element.get('class') or ''} {element.get('id') or ''}"):
            for image in element.iter("img"):
                add(image.get("alt"))
                add(image.get("title"))
            add(element.text_content())
    for text in root.xpath("//body//text()[contains(., '版权所有') or contains(., '主办')"
                           " or contains(., 'opyright') or contains(., '©')]"):
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


def _is_home(href: str | None) -> bool:
    """A link to a site's home page: ``/``, ``./``, ``index.html``, ``https://host/``."""
    if href is None:
        return False
    href = href.strip()
    if href.startswith(("javascript:", "#", "mailto:")) or not href:
        return False
    parts = urlsplit(href)
    path = parts.path
    if parts.query:
        return False
    name = path.rsplit("/", 1)[-1].lower()
    directories = path.rsplit("/", 1)[0].strip("./")
    if directories:
        return False
    return name == "" or name in HOME_PAGES
