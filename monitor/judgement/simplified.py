"""Traditional → simplified Chinese, done once per article and shared by the flags
(``monitor.judgement.flags``) and the stories (``monitor.judgement.stories``).

OpenCC's ``t2s`` conversion (characters and a few phrases). Not ``tw2sp``: its Taiwan
vocabulary (網路 → 网络) comes with variant mappings that change simplified words too
(显著 → 显着), and it lost flags on real traditional-character copies. The converter
(opencc-python-reimplemented) is pure Python and slow (about 0.1 s for a 3,000-character
page), so a text without a single traditional character is returned as it is, and an
article's conversion is kept with it (``simplified``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import opencc
from opencc import OpenCC

CONVERSION = "t2s"


@cache
def _converter() -> OpenCC:
    return OpenCC(CONVERSION)


@cache
def _traditional() -> frozenset[str]:
    """Characters that the conversion changes on their own (TSCharacters): a text holding
    none of them is already simplified."""
    folder = Path(opencc.__file__).parent / "dictionary"
    chars: set[str] = set()
    for line in (folder / "TSCharacters.txt").read_text("utf-8").splitlines():
        key, _, values = line.partition("\t")
        if len(key) == 1 and values.split(" ")[0] != key:
            chars.add(key)
    return frozenset(chars)


def to_simplified(text: str) -> str:
    """``text`` in simplified characters."""
    if not text or _traditional().isdisjoint(text):
        return text
    return _converter().convert(text)


def simplified(article) -> tuple[str, str]:
    """(title, body) of an ``Article`` in simplified characters, converted once: the result
    is kept on the article with the text it was made from, and made again only if the
    title or body changed since."""
    source = (article.title or "", article.body or "")
    kept = article.simplified
    if kept is None or kept[0] != source:
        kept = article.simplified = (source, tuple(to_simplified(part) for part in source))
    return kept[1]
