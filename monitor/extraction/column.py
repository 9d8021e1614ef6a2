"""An article page's column: the list page it belongs to, found as a reader finds it.

Pure: an lxml tree and its URL in, candidate list URLs out, the most likely first.

Institution sites show where a page sits in a breadcrumb (面包屑): ``当前位置：首页 >>
新闻中心 >> 学校要闻 >> 正文``, in an element whose class or id says so (``breadcrumb``,
``position``, ``location``, ``dqwz``…) or that starts with 当前位置 / 您的位置. Its last
link that is neither the page itself nor the home page is the column; the links before it
are the parent columns. Else a "返回列表" / "更多" link names the column.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit, urlunsplit

from monitor.article.text import squash
from monitor.extraction.sitename import HOME_PAGES, HOME_WORDS

_CRUMB_CLASS = re.compile(
    r"crumb|position|location|weizhi|dqwz|curpos|currentpath|current-path|nowpos|mianbao"
    r"|place|lujing|dangqian|^path$|[\s_-]path(?:$|[\s_-])|^wz$", re.IGNORECASE)
_CRUMB_TEXT = re.compile(r"当前位置|您的位置|你的位置|所在位置|现在的位置|当前的位置|位置\s*[:：]")
_BACK_TEXT = re.compile(
    r"^[\s\[【<«]*(?:返回列表|返回栏目|返回上级|栏目首页|更多|more)[\s\]】>»]*$", re.IGNORECASE)
MAX_CRUMB_LINKS = 10
MAX_CRUMB_TEXT = 300


def _clean(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def _is_home(url: str) -> bool:
    path = urlsplit(url).path
    return path in ("", "/") or (path.count("/") == 1 and path[1:].lower() in HOME_PAGES)


def _links(container, url: str) -> list[str]:
    host = (urlsplit(url).hostname or "").lower()
    found = []
    for anchor in container.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("javascript:", "#", "mailto:")):
            continue
        target = _clean(urljoin(url, href))
        text = squash(anchor.text_content() or "")
        if (target == _clean(url) or _is_home(target) or text.lower() in HOME_WORDS
                or (urlsplit(target).hostname or "").lower() != host):
            continue
        found.append(target)
    return found


def _crumbs(root):
    """Breadcrumb elements: by class or id, then by a 当前位置 label."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        marks = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
        if marks and _CRUMB_CLASS.search(marks):
            anchors = list(element.iter("a"))
            if 0 < len(anchors) <= MAX_CRUMB_LINKS and len(
                    squash(element.text_content() or "")) <= MAX_CRUMB_TEXT:
                yield element
    for element in root.iter():
        if not isinstance(element.tag, str) or element.tag in ("script", "style"):
            continue
        own = (element.text or "") + "".join(child.tail or "" for child in element)
        if _CRUMB_TEXT.search(own):
            holder = element
            for _ in range(2):
                if any(True for _ in holder.iter("a")) or holder.getparent() is None:
                    break
                holder = holder.getparent()
            yield holder


def column_links(root, url: str) -> list[str]:
    """The column list pages of the article page ``root`` at ``url``, the deepest first."""
    found: list[str] = []
    for crumb in _crumbs(root):
        for link in reversed(_links(crumb, url)):
            if link not in found:
                found.append(link)
        if found:
            return found
    for anchor in root.iter("a"):
        if _BACK_TEXT.match(squash(anchor.text_content() or "")):
            for link in _links(anchor.getparent() if anchor.getparent() is not None
                               else anchor, url):
                if link not in found:
                    found.append(link)
    return found
