"""Pages re-saved by browsers or mirroring tools, read like the original.

Saved and mirrored copies of institution pages reach the monitor (saved pages, archives,
``monitor extract FILE``). The tools change the page around the article, not the article:

* Teleport Pro rewrites every link and image to a local file and keeps the original
  address in a ``tppabs="http://…"`` attribute; links it did not fetch become
  ``javascript:if(confirm('http://…  …'))window.location='http://…'``;
* the Wayback Machine rewrites addresses to ``/web/<14 digits>[xx_]/http://…`` and inserts
  its toolbar (``#wm-ipp-base``, with capture dates) at the top of the body;
* browsers and HTTrack add comments (``<!-- saved from url=(0043)http://… -->``,
  ``<!-- Mirrored from … by HTTrack … -->``) and wrapper elements, which the extraction
  rules read through anyway;
* a ``<base href>`` says where the page's relative addresses point.

``restore_original`` puts the original addresses back on the parsed tree (links and
images then resolve, and compare by host, as on the original page) and removes inserted
toolbars. ``saved_from`` reads the original address a saving browser recorded.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from monitor.page.tree import drop_keeping_tail

MARKERS = ("tppabs", "/web/", "wm-ipp", "<base", "<BASE")  # cheap test before any tree walk
LINK_ATTRIBUTES = ("href", "src")
TOOLBAR_IDS = frozenset({"wm-ipp-base", "wm-ipp", "wm-ipp-print", "donato"})
_TELEPORT_LINK = re.compile(r"window\.location\s*=\s*['\"]([^'\"]+)['\"]")
_ARCHIVED = re.compile(r"^(?:https?://web\.archive\.org)?/web/\d{8,14}(?:[a-z]{2}_)?/"
                       r"(?P<url>(?:https?:)?//.+|https?:/[^/].+)$")
_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)\s*(\S+?)\s*-->", re.IGNORECASE)


def restore_original(root, page_url: str, text: str) -> None:
    """Original addresses back on the tree under ``root`` (in place) where the page
    ``text`` shows the marks of a re-saving tool; nothing happens on other pages."""
    if not any(marker in text for marker in MARKERS):
        return
    if "tppabs" in text:
        for element in root.xpath("//*[@tppabs]"):
            original = element.get("tppabs").strip()
            for name in LINK_ATTRIBUTES:
                if element.get(name) is not None and original:
                    element.set(name, original)
        for element in root.xpath('//a[starts-with(@href, "javascript:if(confirm(")]'):
            found = _TELEPORT_LINK.search(element.get("href"))
            if found:
                element.set("href", found.group(1))
    if "wm-ipp" in text:
        for element in root.xpath("//*[@id]"):
            if element.get("id") in TOOLBAR_IDS and element.getparent() is not None:
                drop_keeping_tail(element)
    if "/web/" in text:
        for name in LINK_ATTRIBUTES:
            for element in root.xpath(f'//*[contains(@{name}, "/web/")]'):
                found = _ARCHIVED.match(element.get(name).strip())
                if found:
                    url = found.group("url")
                    url = re.sub(r"^(https?):/(?!/)", r"\1://", url)
                    element.set(name, "http:" + url if url.startswith("//") else url)
    base = root.find(".//base[@href]") if "<base" in text or "<BASE" in text else None
    if base is not None:
        _resolve_against(root, urljoin(page_url, base.get("href").strip()), page_url)


def saved_from(text: str) -> str | None:
    """The original address a saving browser recorded (``<!-- saved from url=… -->``)."""
    found = _SAVED_FROM.search(text[:2000])
    if found and urlsplit(found.group(1)).scheme in ("http", "https"):
        return found.group(1)
    return None


def _resolve_against(root, base: str, page_url: str) -> None:
    """Relative links and images as absolute addresses from ``base`` (when it is not the
    page's own directory: then nothing changes)."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or urljoin(page_url, "x") == urljoin(base, "x"):
        return
    for name in LINK_ATTRIBUTES:
        for element in root.xpath(f"//a[@{name}] | //img[@{name}] | //link[@{name}]"):
            value = element.get(name).strip()
            if value and not urlsplit(value).scheme and not value.startswith(("#", "//")):
                element.set(name, urljoin(base, value))


