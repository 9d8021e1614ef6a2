"""The one selector schema: every family's article templates and a source's ``selectors``.

A template is a ``Selectors``: where a layout's marker, title, date line, body, outlet,
author and page noise are, as CSS (XPath where a family reads XPath, e.g. China News'
noise). A field may hold one selector or a tuple of selectors tried in order; ``None``
means the layout has none there (the family reads that field by its own rules). What each
family does with the fields beyond that (NetEase's ID rules, China News' dateline, the
labelled info lines of VSB and home-grown CMSs) stays in the family's module.

A source's ``selectors`` in ``sources.toml`` name the same fields (title, date, body,
outlet, author, noise; the marker stays the template's: it is how a family recognises its
layout) and ``from_config`` turns them into a ``Selectors``; a source's noise adds to the
template's, its other fields replace the template's. A family with one template per page
layout (NetEase, China News) reads the page with ``template.override(config)``; a family
that tries several candidate templates (VSB, generic) reads the body from the source's
``body`` first, drops what its ``noise`` finds, and puts the title, date line, outlet and
author the source's selectors find over its own (``generic.apply_selectors``).
The list keys (``list_links``, ``next_page``, ``article_url_pattern``) are not article
fields: the families' ``parse_list`` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from monitor.config.kinds import ARTICLE_SELECTORS

Selector = str | tuple[str, ...] | None

FIELDS = ("marker", *ARTICLE_SELECTORS)  # a template's; a source gives all but the marker


@dataclass(frozen=True)
class Selectors:
    """Where one layout keeps an article's parts."""

    marker: Selector = None  # only pages of this layout have it
    title: Selector = None
    date: Selector = None  # the line showing the publication date (and time)
    body: Selector = None  # the container of the text
    outlet: Selector = None  # the 来源 (outlet) the article credits
    author: Selector = None  # where the byline (or the editor box) is
    noise: Selector = None  # page furniture inside or next to the body, removed

    def override(self, config: Selectors) -> Selectors:
        """This template with every field ``config`` (a source's selectors) sets replaced;
        the source's ``noise`` is added to the template's."""
        changes = {name: value for name in FIELDS if (value := getattr(config, name))}
        if config.noise:
            changes["noise"] = self.each("noise") + config.each("noise")
        return replace(self, **changes) if changes else self

    def each(self, name: str) -> tuple[str, ...]:
        """The selectors of field ``name`` in the order they are tried (none: ``()``)."""
        value = getattr(self, name)
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else value

    def first(self, name: str) -> str | None:
        """The first selector of field ``name``."""
        return next(iter(self.each(name)), None)


# the fields a source's selectors may set
CONFIG_FIELDS = tuple(name for name in FIELDS if name != "marker")


def from_config(selectors: Mapping[str, str] | None) -> Selectors:
    """A source's ``selectors`` (sources.toml) as the schema: its article fields, the list
    keys left out."""
    return Selectors(
        **{key: value for key, value in (selectors or {}).items() if key in CONFIG_FIELDS}
    )
