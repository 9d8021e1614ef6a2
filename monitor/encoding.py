"""Decode page bytes: HTTP header → BOM → <meta> declaration → detection from the bytes.

A declaration is trusted only if the bytes decode cleanly with it: UTF-8 pages that
declare gb2312 exist in the wild. GB2312/GBK declarations are read as GB18030 (a
superset), as browsers do.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE
)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.IGNORECASE)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def normalise_encoding_name(name: str | None) -> str | None:
    """Python's codec name for a declared charset, or None if unknown."""
    if not name:
        return None
    name = name.strip().lower()
    name = _SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_encodings(body: bytes, content_type: str | None) -> list[tuple[str, str]]:
    """(encoding, where it was declared), most authoritative first."""
    found = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            found.append((name, "bom"))
    if content_type:
        match = _HEADER_CHARSET.search(content_type)
        if match and (name := normalise_encoding_name(match.group(1))):
            found.append((name, "header"))
    match = _META_CHARSET.search(body[:4096])
    if match and (name := normalise_encoding_name(match.group(1).decode("ascii", "ignore"))):
        found.append((name, "meta"))
    return found


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Never raises: the last resort replaces bad bytes."""
    if not body:
        return "", "utf-8"
    for name, _where in declared_encodings(body, content_type):
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        return text.lstrip("\ufeff"), name
    try:  # undeclared pages on these sites are mostly UTF-8
        return body.decode("utf-8").lstrip("\ufeff"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:200_000]).best()
    name = normalise_encoding_name(best.encoding if best else None) or "gb18030"
    return body.decode(name, errors="replace"), name
