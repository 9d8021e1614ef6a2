"""The site families, most specific first, and which families each kind of source (the
sources file's ``kind``, ``monitor.config.kinds``) is read with: the one list every part
asks (the spiders, the extraction chain, ``monitor check``, ``monitor extract --kind``)."""

from __future__ import annotations

from monitor.extraction import chinanews, generic, netease, vsb
from monitor.extraction.family import SiteFamily
from monitor.page.fetched import Page

# kind -> the families a page of that kind is read with, the one whose markers it has first
KIND_FAMILIES = {"netease": ("netease",), "chinanews": ("chinanews",),
                 "institution": ("vsb", "generic"), "university": ("vsb", "generic"),
                 "generic": ("vsb", "generic")}


def families() -> list[SiteFamily]:
    """All families, most specific first; ``generic`` last."""
    return [netease.FAMILY, chinanews.FAMILY, vsb.FAMILY, generic.FAMILY]


def family_named(name: str) -> SiteFamily:
    for family in families():
        if family.name == name:
            return family
    raise KeyError(name)


def family_for(page: Page) -> SiteFamily:
    """The family whose host rule claims the URL, else whose markers the page has, else generic."""
    every = families()
    for family in every:
        if family.claims(page.url):
            return family
    for family in every:
        if family.detect(page):
            return family
    return every[-1]


def family_for_kind(kind: str | None, page: Page) -> SiteFamily:
    """The family for a source of ``kind``: ``institution`` (a hospital's, university's,
    health commission's or institute's site; ``university`` is its older name) and
    ``generic`` mean the VSB preset when the page has its markers, else generic; no kind
    means detect from the URL and the page."""
    if kind is None:
        return family_for(page)
    *candidates, last = [family_named(name) for name in KIND_FAMILIES[kind]]
    return next((family for family in candidates if family.detect(page)), last)
