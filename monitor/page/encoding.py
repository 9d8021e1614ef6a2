"""Decode page bytes: BOM → UTF-8 check → HTTP header / <meta> declaration → detection.

A declaration is trusted only if the bytes decode cleanly with it. Bytes that are valid
UTF-8 (with some non-ASCII) are read as UTF-8 whatever the declaration says: UTF-8 pages
that declare gb2312 exist in the wild, while GBK text that happens to be valid UTF-8 does
not. GB2312/GBK declarations are read as GB18030 (a superset), as browsers do. Single-byte
Latin declarations (often a server default, e.g. Tomcat's ISO-8859-1) are tried last: they
decode any bytes, so they would hide a GBK page. A multi-byte character cut off at the end
of the body (a truncated download) does not make an encoding fail: the cut tail is dropped.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-]+)""")
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-]+)", re.IGNORECASE)
_SUPERSETS = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030",
              "cp936": "gb18030", "euc-cn": "gb18030"}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")
)
# Declarations that decode every byte string: no evidence when the bytes are not ASCII.
_WEAK = frozenset({"latin-1", "iso8859-1", "cp1252", "iso8859-15", "ascii"})
META_SCAN_BYTES = 16_384  # how far into the page a <meta charset> is looked for
DETECT_BYTES = 200_000  # how much of the page the statistical detector reads
# Share of non-ASCII characters that must be plain GB2312 (common Chinese) for an
# undeclared page to be read as GB18030; Latin-1 text misread as GBK lands in GBK's
# extension rows instead.
GB_PLAUSIBLE_SHARE = 0.8
MAX_CUT_TAIL = 3  # bytes of an incomplete character allowed at the very end


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
    head = body[:META_SCAN_BYTES]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        match = pattern.search(head)
        if match and (name := normalise_encoding_name(match.group(1).decode("ascii", "ignore"))):
            found.append((name, "meta"))
    return found


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used). Never raises: the last resort replaces bad bytes."""
    if not body:
        return "", "utf-8"
    for bom, name in _BOMS:
        if body.startswith(bom):  # the codec consumes the BOM (and reads UTF-16's byte order)
            codec = "utf-8-sig" if name == "utf-8" else name
            text = _strict(body, codec)
            return (text if text is not None else body.decode(codec, "replace")), name
    declared = list(dict.fromkeys(name for name, _ in declared_encodings(body, content_type)))
    if not body.isascii() and (text := _strict(body, "utf-8")) is not None:
        return text, "utf-8"
    strong = [name for name in declared if name not in _WEAK]
    for name in strong:
        if (text := _strict(body, name)) is not None:
            return text, name
    if "gb18030" not in strong and (text := _strict(body, "gb18030")) is not None:
        if _plausible_chinese(text):
            return text, "gb18030"
    for name in [name for name in declared if name in _WEAK] or ["utf-8"]:
        if (text := _strict(body, name)) is not None:
            return text, name
    return _best_effort(body, [*declared, "utf-8", "gb18030"])


def _strict(body: bytes, name: str) -> str | None:
    """``body`` decoded with ``name``, a cut character at the end dropped; None if it fails."""
    try:
        decoder = codecs.getincrementaldecoder(name)()
        text = decoder.decode(body, final=False)
    except (UnicodeDecodeError, LookupError):
        return None
    pending, _ = decoder.getstate()
    if len(pending) > MAX_CUT_TAIL:
        return None
    return text.lstrip("\ufeff")


def _plausible_chinese(text: str) -> bool:
    others = [char for char in text if ord(char) > 127]
    if len(others) < 20:
        return True
    common = 0
    for char in others:
        try:
            char.encode("gb2312")
        except UnicodeEncodeError:
            continue
        common += 1
    return common >= GB_PLAUSIBLE_SHARE * len(others)


def _best_effort(body: bytes, names: list[str]) -> tuple[str, str]:
    """Nothing decodes cleanly: the detector's guess or a candidate, whichever loses least."""
    best = from_bytes(body[:DETECT_BYTES]).best()
    guessed = normalise_encoding_name(best.encoding if best else None)
    options = list(dict.fromkeys([*names, *([guessed] if guessed else [])]))
    decoded = [(body.decode(name, errors="replace"), name) for name in options]
    text, name = min(decoded, key=lambda pair: pair[0].count("\ufffd"))
    return text.lstrip("\ufeff"), name
