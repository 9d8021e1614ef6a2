"""The site families, most specific first: the one list every part asks (the spiders, the
extraction chain, ``monitor check``)."""

from __future__ import annotations

from monitor.extraction import chinanews, generic, netease, vsb
from monitor.extraction.family import SiteFamily
from monitor.page.fetched import Page


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
    if kind in ("institution", "university", "generic"):
        vsb = family_named("vsb")
        return vsb if vsb.detect(page) else family_named("generic")
    return family_named(kind)
