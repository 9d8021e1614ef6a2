"""Answers that are not articles: an empty page, binary bytes served as a web page, a page
with no text. Such pages are dropped with a reason counted in the run record instead of
being stored as rows without a title or body."""

from __future__ import annotations

import re

from monitor.article.item import Article

# HTML parsers (libxml2 under lxml) stop reading past 256 nested elements: a page nested
# deeper gives no text, and says why
_PARSER_DEPTH = 256
_DEEP = re.compile(rb"(?:<[a-zA-Z][^<>/]*>\s*){%d,}" % _PARSER_DEPTH)

_SAMPLE = 4096
# control bytes that never occur in text (tab, newline, carriage return, form feed and
# escape do)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def unusable(article: Article) -> tuple[str, str] | None:
    """(kind, message) when ``article`` holds nothing worth storing, else None."""
    raw = article.raw_html or b""
    if not raw.strip():
        return "empty_page", f"the site answered an empty page: {article.url}"
    sample = raw[:_SAMPLE]
    if sum(sample.count(b) for b in _CONTROL) > len(sample) * 0.02:
        return "binary_page", f"binary bytes, not a web page: {article.url}"
    if not (article.body or "").strip():
        if _DEEP.search(raw):
            return "too_deep", (f"elements nested over {_PARSER_DEPTH} deep, deeper than the "
                                f"HTML parser reads: no text from {article.url}")
        return "no_text", f"no article text on the page: {article.url}"
    return None
