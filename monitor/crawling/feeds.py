"""Feed exporters for ``scrapy crawl NAME -O items.jsonl`` (json, jsonl, csv, xml): an
article's raw page is exported as text, decoded with the encoding it was read with, and its
story signature as hex, since JSON, CSV and XML hold no bytes."""

from __future__ import annotations

from dataclasses import replace

from scrapy.exporters import (
    CsvItemExporter,
    JsonItemExporter,
    JsonLinesItemExporter,
    XmlItemExporter,
)

from monitor.article.item import Article


def exportable(item):
    """``item`` with its bytes turned into text."""
    if not isinstance(item, Article):
        return item
    encoding = item.encoding or "utf-8"
    try:
        page = item.raw_html.decode(encoding, errors="replace")
    except LookupError:  # an encoding name Python does not know
        page = item.raw_html.decode("utf-8", errors="replace")
    return replace(item, raw_html=page,
                   story_signature=item.story_signature.hex() if item.story_signature else None)


class _Text:
    def export_item(self, item):
        return super().export_item(exportable(item))


class JsonExporter(_Text, JsonItemExporter):
    pass


class JsonLinesExporter(_Text, JsonLinesItemExporter):
    pass


class CsvExporter(_Text, CsvItemExporter):
    pass


class XmlExporter(_Text, XmlItemExporter):
    pass
