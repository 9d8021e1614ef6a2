"""Story clustering: reposts of one article are grouped into one story.

Two articles are the same story when the text of one is (mostly) contained in the other:
a 网易号 repost, a content-farm copy with title fragments injected into its sentences, a
copy in traditional characters, one with a new intro paragraph or a trimmed ending. The
text is normalised (``story_text``), cut into character shingles, summarised as a MinHash
``Signature``; ``StoryIndex`` finds candidates with MinHash LSH and confirms them with the
estimated containment of the shorter text in the longer one.
"""

from __future__ import annotations

import re
import struct
import unicodedata
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import numpy as np
from datasketch import MinHash, MinHashLSH
from opencc import OpenCC

SHINGLE = 5  # characters per shingle
NUM_PERM = 128  # MinHash permutations
BANDS, ROWS = 32, 4  # LSH banding: BANDS * ROWS <= NUM_PERM
CONTAINMENT = 0.5  # estimated containment of the shorter text in the longer one
MIN_SHINGLES = 60  # texts with fewer shingles are never matched (too little to judge)
_SEED = 1
# bumped whenever normalisation or the parameters above change: stored signatures of
# another version are refused by ``Signature.from_bytes`` and must be recomputed
VERSION = 1

# lines that are not the story (any layout): trailers, 原标题, statements, captions
_BOILERPLATE_LINES = re.compile(
    r"^\s*(?:原标题|责任编辑|本文来源|文章来源|来源|编辑|审核|供稿|摄影|作者|特别声明|"
    r"【编辑|\[编辑|notice\b)[^\n]*$"
    r"|^[^\n。！？]{0,40}(?:摄|供图|资料图\)|资料图）)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
# datelines and sign-offs of news agencies (chinanews, xinhua, 本报讯, China Daily):
# kept by some reposts and dropped or rewritten by others
_DATELINES = re.compile(
    r"(?:中新网|中新社|新华社|新华网|人民网|央视网|本报|本网)[^\n，,。]{0,12}?(?:\d+月\d+日)?电"
    r"\s*[（(][^）)\n]{0,30}[）)]"
    r"|本报讯\s*(?:[（(][^）)\n]{0,30}[）)])?"
    r"|[（(]\s*完\s*[）)]"
    r"|[（(][^（）()\n]{0,20}记者[^（）()\n]{0,20}[）)]\s*$",
    re.MULTILINE,
)
_NOT_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


@cache
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def story_text(title: str | None, body: str | None) -> str:
    """The text two copies of a story share: simplified characters, NFKC, lower case,
    boilerplate lines and datelines dropped, punctuation and whitespace removed, every
    run of digits reduced to one ``0`` (number formatting and counters vary by copy)."""
    text = "\n".join(part for part in (title, body) if part)
    text = unicodedata.normalize("NFKC", _t2s().convert(text)).lower()
    text = _BOILERPLATE_LINES.sub("", text)
    text = _DATELINES.sub("", text)
    return _DIGITS.sub("0", _NOT_WORD.sub("", text))


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The character k-grams of ``text`` (the whole text when shorter than k)."""
    if len(text) <= k:
        return {text} if text else set()
    return {text[i:i + k] for i in range(len(text) - k + 1)}


@cache
def _permutations() -> np.ndarray:
    return MinHash(num_perm=NUM_PERM, seed=_SEED).permutations


@dataclass(frozen=True, eq=False)
class Signature:
    """MinHash of a text's shingles and how many distinct shingles it has (the size is
    what turns the Jaccard estimate into a containment estimate)."""

    hashvalues: np.ndarray  # uint32, NUM_PERM values
    size: int

    @property
    def minhash(self) -> MinHash:
        return MinHash(seed=_SEED, hashvalues=self.hashvalues, permutations=_permutations(),
                       scheme="affine32")

    def to_bytes(self) -> bytes:
        """Compact form for a database column: version, size, hash values."""
        header = struct.pack("<HHI", VERSION, NUM_PERM, self.size)
        return header + self.hashvalues.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        version, num_perm, size = struct.unpack_from("<HHI", data)
        if version != VERSION or num_perm != NUM_PERM:
            raise ValueError(f"signature of version {version}/{num_perm} permutations, "
                             f"expected {VERSION}/{NUM_PERM}: recompute it from the text")
        values = np.frombuffer(data, dtype="<u4", offset=8)
        if len(values) != NUM_PERM:
            raise ValueError("truncated signature")
        return cls(values.astype(np.uint32), size)


def signature(text: str) -> Signature:
    grams = shingles(text)
    minhash = MinHash(num_perm=NUM_PERM, seed=_SEED, hashfunc=zlib.crc32)
    minhash.update_batch(gram.encode("utf-8") for gram in grams)
    return Signature(minhash.hashvalues, len(grams))


def containment(a: Signature, b: Signature) -> float:
    """Estimated share of the smaller shingle set found in the larger one."""
    return float(_containment(np.count_nonzero(a.hashvalues == b.hashvalues) / NUM_PERM,
                              a.size, b.size))


def _containment(jaccard, size_a, size_b):
    """|A ∩ B| / min(|A|, |B|), from the Jaccard estimate and the exact sizes:
    |A ∩ B| = J (|A| + |B|) / (1 + J). Works elementwise on arrays."""
    return np.minimum(1.0, jaccard * (size_a + size_b) / ((1 + jaccard) * np.minimum(size_a, size_b)))


class StoryIndex:
    """The signatures of the stored articles, searchable by LSH.

    ``match`` returns the stored article a new one is a copy of, or None. Candidates come
    from the LSH buckets only (no scan of the stored articles), and are confirmed when
    the estimated containment of the shorter text in the longer reaches ``CONTAINMENT``.
    """

    def __init__(self) -> None:
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
        self._rows: dict[int, int] = {}  # article id -> row in the arrays below
        self._ids: list[int] = []
        self._values = np.empty((1024, NUM_PERM), dtype=np.uint32)
        self._sizes = np.empty(1024, dtype=np.int64)
        self._published = np.empty(1024, dtype=np.float64)  # POSIX time, +inf if unknown

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, article_id: int) -> bool:
        return article_id in self._rows

    @classmethod
    def from_signatures(cls, rows: Iterable[tuple]) -> StoryIndex:
        """Rebuild the index from stored ``(id, signature bytes[, published_at])`` rows."""
        index = cls()
        for row in rows:
            published = row[2] if len(row) > 2 else None
            index.add(row[0], Signature.from_bytes(row[1]), published_at=published)
        return index

    def add(self, article_id: int, sig: Signature, *, published_at: datetime | None = None
            ) -> bool:
        """Index an article; returns False (and indexes nothing) when its text is too short
        to be matched, or when the id is already indexed."""
        if sig.size < MIN_SHINGLES or article_id in self._rows:
            return False
        row = len(self._ids)
        if row == len(self._sizes):
            self._grow()
        self._values[row] = sig.hashvalues
        self._sizes[row] = sig.size
        self._published[row] = published_at.timestamp() if published_at else np.inf
        self._rows[article_id] = row
        self._ids.append(article_id)
        self._lsh.insert(article_id, sig.minhash, check_duplication=False)
        return True

    def _grow(self) -> None:
        capacity = 2 * len(self._sizes)
        self._values = np.resize(self._values, (capacity, NUM_PERM))
        self._sizes = np.resize(self._sizes, capacity)
        self._published = np.resize(self._published, capacity)

    def candidates(self, sig: Signature) -> list[int]:
        """Stored articles sharing at least one LSH band with ``sig`` (unconfirmed)."""
        if not self._ids or sig.size < MIN_SHINGLES:
            return []
        return self._lsh.query(sig.minhash)

    def scores(self, sig: Signature) -> list[tuple[int, float]]:
        """``(id, estimated containment)`` of every candidate, best first."""
        ids = self.candidates(sig)
        if not ids:
            return []
        rows = np.fromiter((self._rows[i] for i in ids), dtype=np.int64, count=len(ids))
        jaccard = np.count_nonzero(self._values[rows] == sig.hashvalues, axis=1) / NUM_PERM
        score = _containment(jaccard, self._sizes[rows], sig.size)
        order = np.lexsort((rows, self._published[rows], -score))
        return [(ids[i], float(score[i])) for i in order]

    def match(self, sig: Signature) -> int | None:
        """The stored article ``sig`` is a copy of (highest containment, then the earliest
        published, then the first stored), or None."""
        scored = self.scores(sig)
        if scored and scored[0][1] >= CONTAINMENT:
            return scored[0][0]
        return None
