"""Dates shown split over elements: the day in one, the year and month in another.

Institution templates print an article's date as a calendar block, e.g.
``<div class="date"><span>07</span><p>2025-03</p></div>`` or
``<span class="ym">2025.03</span><span class="d">07</span>``: no text of the page holds the
whole date, so the date-line search misses it. A block is an element (up to
``MAX_LEVELS`` above a leaf part) whose texts, joined by spaces, are one date in a split
form of ``monitor.dates.split_date``, made of at least two pieces. Blocks inside list
entries (``li`` / ``dd`` / ``tr`` with siblings alike: a news list or a sidebar) are not an
article's own date.
"""

from __future__ import annotations

from monitor.article.dates import SPLIT_DATE_PART, split_date

MAX_LEVELS = 2  # a part's parent or grandparent holds the whole date
MAX_BLOCK_CHARS = 24  # a longer text is a line, not a date block
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "head", "title"})
_ENTRY_TAGS = frozenset({"li", "dd", "tr"})


def split_dates(scope, exclude=None, skip=frozenset()) -> list[tuple[object, str]]:
    """(block element, ``YYYY-MM-DD``) of every split date block under ``scope`` (an lxml
    element), in document order, leaving out ``exclude`` and the ``skip`` elements (and all
    under them) and blocks in list entries."""
    found: list[tuple[object, str]] = []
    seen: set = set()
    for part in scope.iter():
        if not isinstance(part.tag, str) or len(part) or part.tag in _SKIP_TAGS:
            continue
        text = part.text or ""
        if not text.strip() or not SPLIT_DATE_PART.fullmatch(text):
            continue
        block = part.getparent()
        for _ in range(MAX_LEVELS):
            if block is None or block in seen:
                break
            pieces = [piece.strip() for piece in _texts(block) if piece.strip()]
            joined = " ".join(pieces)
            if len(joined) > MAX_BLOCK_CHARS:
                break
            day = split_date(joined) if len(pieces) >= 2 else None
            if day:
                seen.add(block)
                if _usable(block, scope, exclude, skip):
                    found.append((block, day))
                break
            block = block.getparent()
    return found


def _texts(element):
    """The texts under ``element`` in order, scripts and styles left out."""
    if element.tag in _SKIP_TAGS:
        return
    if element.text:
        yield element.text
    for child in element:
        if isinstance(child.tag, str):
            yield from _texts(child)
        if child.tail:
            yield child.tail


def _usable(block, scope, exclude, skip) -> bool:
    for node in (block, *block.iterancestors()):
        if node is exclude or node in skip:
            return False
        if node.tag in _ENTRY_TAGS and _alike_siblings(node):
            return False
        if node is scope:
            break
    return True


def _alike_siblings(node) -> bool:
    parent = node.getparent()
    return parent is not None and sum(1 for child in parent if child.tag == node.tag) >= 2
