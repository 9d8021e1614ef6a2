"""Edits of a parsed page's element tree that keep its text where a reader sees it."""

from __future__ import annotations


def drop_keeping_tail(element) -> None:
    """Remove ``element`` but keep its tail text in place (lxml attaches the text that
    follows an element to it)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
