"""The one selector schema (monitor.extraction.schema): every family's templates, and a source's
``selectors`` overriding any family the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.article.text import squash
from monitor.extraction import chinanews, generic, netease, vsb
from monitor.extraction.registry import family_for
from monitor.extraction.schema import Selectors, from_config
from monitor.page.fetched import Page
from monitor.page.saved import iter_pages

SITE = Path(__file__).resolve().parents[1] / "seeds" / "site"
FAMILIES = (netease, chinanews, vsb, generic)


def test_config_becomes_the_schema_without_list_keys():
    config = from_config({"title": "h1.t", "body": "div.b", "list_links": "ul a",
                          "next_page": "a.next", "article_url_pattern": "/info/"})
    assert config == Selectors(title="h1.t", body="div.b")
    assert from_config(None) == Selectors()
    assert from_config({"marker": "h1"}) == Selectors()  # templates keep their own markers


def test_override_replaces_only_the_fields_the_source_sets():
    template = Selectors(marker="h1#t", title="h1#t", date=("div.a", "div.b"), body="div#c",
                         noise="script")
    merged = template.override(Selectors(title="h2.x", outlet="span.src"))
    assert merged == Selectors(marker="h1#t", title="h2.x", date=("div.a", "div.b"),
                               body="div#c", outlet="span.src", noise="script")
    assert template.override(Selectors()) is template
    assert template.override(Selectors(noise="div.share")).noise == ("script", "div.share")
    assert merged.each("date") == ("div.a", "div.b") and merged.first("date") == "div.a"
    assert merged.each("author") == () and merged.first("author") is None


@pytest.mark.parametrize("module", FAMILIES, ids=lambda module: module.FAMILY.name)
def test_every_family_keeps_its_templates_in_the_schema(module):
    assert module.TEMPLATES
    assert all(isinstance(template, Selectors) for template in module.TEMPLATES.values())
    assert all(template.body for template in module.TEMPLATES.values())


def _page_of_each_family() -> dict[str, Page]:
    """The first saved article page each family extracts by one of its templates."""
    found: dict[str, Page] = {}
    for saved in iter_pages(SITE):
        if saved.expected is None:  # list pages
            continue
        page = Page.from_saved(saved)
        family = family_for(page)
        if family.name not in found and family.extract(page) is not None:
            found[family.name] = page
    return found


PAGES = _page_of_each_family()


@pytest.mark.parametrize("name", ["netease", "chinanews", "vsb", "generic"])
def test_a_source_overrides_title_and_outlet_on_every_family(name):
    page = PAGES[name]
    family = family_for(page)
    head_title = squash(page.selector.css("title::text").get())
    plain = family.extract(page)
    assert plain.title != head_title and plain.outlet != head_title

    fields = family.extract(page, {"title": "title", "outlet": "title"})
    assert fields.rule == plain.rule  # the family's template still reads the rest
    assert fields.title == head_title
    assert fields.outlet == head_title
    assert fields.paragraphs == plain.paragraphs


@pytest.mark.parametrize("name", ["netease", "chinanews", "vsb", "generic"])
def test_a_source_adds_noise_on_every_family(name):
    page = PAGES[name]
    family = family_for(page)
    text = "".join(family.extract(page).paragraphs)
    noised = family.extract(page, {"noise": "p"})
    assert noised is None or len("".join(noised.paragraphs)) < len(text)
