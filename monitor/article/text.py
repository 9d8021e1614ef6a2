"""Text normalisation, in one place: whitespace runs, and line spacing around CJK punctuation.

``squash`` is what every extraction step applies to a text it read from HTML (any run of
whitespace, U+3000 and NBSP included, becomes one space); ``normalise_line`` /
``normalise_text`` are the stricter cleaning of an article's title and body lines;
``comparison_key`` and ``repeats_title`` are how texts are compared.
"""

from __future__ import annotations

import re

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_PUNCT = r"，。、；：？！“”‘’（）《》〈〉【】「」『』…—～·"
_SPACES = re.compile(r"\s+")
_NOT_WORD = re.compile(r"[\W_]+")  # str patterns: \s covers U+3000, NBSP and the other spaces
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_ODD_SPACES = re.compile(r"[\u3000\u00a0\u2002-\u200a\u202f\u205f\t\r\f\v]")
_SPACE_RUN = re.compile(r" {2,}")
_SPACE_AT_CJK_PUNCT = re.compile(rf" +(?=[{CJK_PUNCT}])|(?<=[{CJK_PUNCT}]) +")
_SPACE_BEFORE_ASCII_PUNCT = re.compile(rf"(?<=[{CJK}]) +(?=[,.;:!?])")
_SPACE_AFTER_ASCII_PUNCT = re.compile(rf"(?<=[{CJK}][,;:!?]) +")


def squash(text: object) -> str:
    """Every whitespace run (U+3000, NBSP, newlines) as one space, stripped; '' for non-text."""
    return _SPACES.sub(" ", text).strip() if isinstance(text, str) else ""


def comparison_key(text: str | None) -> str:
    """The text with every character that is not a letter or a digit dropped (spaces,
    punctuation, underscores): what two texts are compared by."""
    return _NOT_WORD.sub("", text) if text else ""


def repeats_title(sentence: str, title: str, slack: int = 8) -> bool:
    """True when ``sentence`` says no more than ``title``: it is the title, a part of it, or
    the title with at most ``slack`` characters (a dateline, punctuation) around it."""
    said, headline = comparison_key(sentence), comparison_key(title)
    if not said or not headline:
        return not said
    return said in headline or (headline in said and len(said) - len(headline) <= slack)


def without_spaces(text: str | None) -> str:
    """The text with no whitespace at all (for lengths and comparisons)."""
    return _SPACES.sub("", text) if text else ""


def normalise_line(line: str) -> str:
    """One line with normalised spacing: U+3000 / nbsp as spaces, no zero-width characters,
    single spaces, none next to CJK punctuation or between CJK text and ``, . ; : ! ?``."""
    line = _ODD_SPACES.sub(" ", _INVISIBLE.sub("", line))
    line = _SPACE_RUN.sub(" ", line).strip()
    line = _SPACE_AT_CJK_PUNCT.sub("", line)
    line = _SPACE_BEFORE_ASCII_PUNCT.sub("", line)
    return _SPACE_AFTER_ASCII_PUNCT.sub("", line)


def normalise_text(text: str) -> str:
    """Every line normalised, empty lines dropped, order kept."""
    return "\n".join(line for line in map(normalise_line, text.splitlines()) if line)
