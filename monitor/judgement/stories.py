"""Story clustering: the copies of one article (reposts) are grouped into one story.

Two articles tell the same story when the text of one is mostly contained in the other:
a 网易号 repost, a content-farm copy with title fragments pushed into its sentences, a
copy in traditional characters, one with its own intro or a trimmed ending. ``story_text``
normalises the text, ``signature`` summarises its character shingles as a MinHash plus
the shingle count, ``band_keys`` cuts it into LSH bands (stored in the database's
``story_bands`` table, see ``monitor.storage.articles.group_story``: articles sharing a band are the
candidates) and ``best_match`` confirms candidates with the estimated containment of the
smaller shingle set in the larger.

The parameters below were measured on ``tests/data/story_pairs.jsonl`` (56 pairs) and on
synthetic corpora (``bench/dedup.py``); changing one means bumping ``VERSION``.
- ``SHINGLE = 5``: exact containment, lowest same-story pair vs highest different-story
  pair: k=3 0.926 / 0.686, k=4 0.915 / 0.656, k=5 0.903 / 0.638, k=6 0.891 / 0.618,
  k=7 0.877 / 0.597. Past 5 the gap hardly grows while copies score lower (an injected
  fragment breaks k-1 shingles); shorter shingles raise the background overlap.
- ``NUM_PERM = 256``: over 300 MinHash seeds, 0 wrong decisions on the pairs; with 128,
  0.3% of the runs merge next year's press release with this year's and 0.3% miss a
  trimmed repost.
- ``BANDS, ROWS = 24, 2``: a candidate with probability 1 - (1 - J²)²⁴: 0.42 at Jaccard
  0.15, 0.90 at 0.3, 0.99 at 0.45, so a copy trimmed to a third is still found; rows of
  3 or 4 lose trimmed copies; each band is one row of ``story_bands`` (about 50 bytes
  per band and article on SQLite, index included).
- ``CONTAINMENT = 0.75``: estimates of same-story pairs ≥ 0.815 and of different stories
  ≤ 0.706 (0.3rd / 99.7th percentiles over the seeds); the different stories that come
  close are press releases edited from an earlier one. ``MIN_JACCARD = 0.15`` keeps a
  short text from matching through a few shared paragraphs of a long one: the
  containment estimate is noisy when the sizes differ a lot.
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
from urllib.parse import urlsplit

import numpy as np
from datasketch import MinHash
from datasketch.minhash import _fmix

from monitor.article.dates import dateline_end
from monitor.article.text import comparison_key
from monitor.judgement.simplified import to_simplified

SHINGLE = 5  # characters per shingle
NUM_PERM = 256  # MinHash permutations
BANDS, ROWS = 24, 2  # LSH banding over the first BANDS * ROWS permutations
CONTAINMENT = 0.75  # estimated share of the smaller shingle set found in the larger
MIN_JACCARD = 0.15  # and the smaller holds at least this share of the union
MIN_SHINGLES = 60  # texts with fewer shingles (about 60 characters) are never matched
_SEED = 1
_BAND_MIX = 0x9E3779B97F4A7C15  # odd 64-bit constant: band number → key bits
# bumped whenever normalisation or a parameter above changes: stored signatures of another
# version are refused by ``Signature.from_bytes`` and must be recomputed from the text
VERSION = 1

# Patterns apply after t2s, NFKC (full-width ASCII punctuation becomes half-width) and
# lower-casing. Lines that are not the story, in any layout: 原标题 / editor / statement
# lines (netease, chinanews, content farms) and photo captions.
_BOILERPLATE_LINES = re.compile(
    r"^\s*[(【\[]?\s*(?:原标题|责任编辑|编辑|审核|特别声明|notice)\s*[:：][^\n]*$"
    r"|^[^\n]{0,60}(?:\s摄|供图|资料图\)?)\s*$",
    re.MULTILINE,
)
# The fields a page prints above the story (source, author, time, clicks), on a line of
# their own or glued to the first paragraph (``来源:中国新闻网 中新网湛江3月14日电…``): the
# fields at the start of a line go, and the rest of the line stays when it is a paragraph
# (``HEADER_REST_MIN`` Chinese characters at least).
_DATE = r"\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?(?:\s*\d{1,2}\s*:\s*\d{2}(?::\d{2})?)?"
_HEADER_FIELD = re.compile(
    r"\s*(?:[(【\[]?\s*(?:本文来源|文章来源|稿件来源|信息来源|来源|作者|供稿|摄影|发布时间|时间|点击|热度"
    r"|字体)\s*[:：]\s*(?:" + _DATE + r"|[^\s:：]{0,30})\s*[)】\]]?"
    r"|" + _DATE + r"|\d{1,2}\s*:\s*\d{2}(?::\d{2})?|[\[【][^\]】\n]{1,6}[\]】]|[|｜])"
)
HEADER_REST_MIN = 20
_CJK = re.compile(r"[\u4e00-\u9fff]")
# pinyin that mirror sites leave after characters: 医(yī)院, 当(dāng)地
_PINYIN = re.compile(r"\([a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*\)")
# Sign-offs of news agencies (chinanews, xinhua): kept by some copies, dropped by others.
# (Datelines, the opening ``新华社万象11月22日电(记者 X)``, are ``monitor.article.dates``'.)
_SIGN_OFFS = re.compile(r"\(\s*完\s*\)|\([^()\n]{0,20}记者[^()\n]{0,20}\)\s*$", re.MULTILINE)


def story_text(title: str | None, body: str | None, *, simplified: bool = False) -> str:
    """The text every copy of a story shares: simplified characters (``simplified``: the
    text already is, see ``monitor.judgement.simplified``), NFKC (full-width letters and digits to
    ASCII), lower case, boilerplate lines, header fields and datelines dropped, punctuation and
    whitespace removed. Digits are kept: copies keep the numbers, while next year's press
    release edited from this year's differs mostly in them."""
    text = "\n".join(part for part in (title, body) if part)
    if not simplified:
        text = to_simplified(text)
    text = unicodedata.normalize("NFKC", text).lower()
    text = _BOILERPLATE_LINES.sub("", text)
    lines = [story_line(line) for line in text.split("\n")]
    return comparison_key(_SIGN_OFFS.sub("", "\n".join(lines)))


def story_line(line: str) -> str:
    """A line (NFKC, lower case) without the header fields and the dateline that open it;
    empty when nothing but header fields is left."""
    line = _PINYIN.sub("", line)
    end = 0
    while (field := _HEADER_FIELD.match(line, end)) and field.end() > end:
        end = field.end()
    if end:
        line = line[end:]
        if len(_CJK.findall(line)) < HEADER_REST_MIN:
            return ""
    return line[dateline_end(line):]


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    """The character k-grams of ``text`` (the whole text when it is shorter)."""
    if len(text) <= k:
        return {text} if text else set()
    return {text[i:i + k] for i in range(len(text) - k + 1)}


@cache
def _permutations() -> np.ndarray:
    return MinHash(num_perm=NUM_PERM, seed=_SEED).permutations


@dataclass(frozen=True, eq=False)
class Signature:
    """The MinHash of a text's shingles and their number: the number turns the Jaccard
    estimate into a containment estimate."""

    hashvalues: np.ndarray  # NUM_PERM uint32 values
    size: int  # distinct shingles

    @property
    def minhash(self) -> MinHash:
        return MinHash(seed=_SEED, hashvalues=self.hashvalues, permutations=_permutations(),
                       scheme="affine32")

    def to_bytes(self) -> bytes:
        """Compact form for a database column (1032 bytes): version, permutations,
        size, then the hash values, little-endian."""
        return (struct.pack("<HHI", VERSION, NUM_PERM, self.size)
                + self.hashvalues.astype("<u4").tobytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        version, num_perm, size = struct.unpack_from("<HHI", data)
        if version != VERSION or num_perm != NUM_PERM:
            raise ValueError(f"signature version {version} with {num_perm} permutations, "
                             f"expected {VERSION} with {NUM_PERM}: recompute it from the text")
        values = np.frombuffer(data, dtype="<u4", offset=8)
        if len(values) != NUM_PERM:
            raise ValueError(f"signature has {len(values)} hash values, expected {NUM_PERM}")
        return cls(values.astype(np.uint32), size)


def signature(text: str) -> Signature:
    """Signature of a ``story_text``: datasketch's ``MinHash`` (affine32 scheme, CRC-32 of
    each shingle) computed in blocks of shingles in place, about twice as fast as its
    ``update_batch`` (``tests/test_stories.py`` checks they agree)."""
    grams = shingles(text)
    hashes = np.fromiter((zlib.crc32(gram.encode("utf-8")) for gram in grams),
                         dtype=np.uint32, count=len(grams))
    hashes = _fmix(hashes, 32)  # datasketch's pre-mix of the affine32 scheme
    a, b = _permutations()
    values = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    block = np.empty((_BLOCK, NUM_PERM), dtype=np.uint32)
    for start in range(0, len(hashes), _BLOCK):
        chunk = hashes[start:start + _BLOCK, None]
        permuted = block[:len(chunk)]
        np.multiply(chunk, a, out=permuted)  # (h * a + b) mod 2^32, as datasketch's
        permuted += b
        np.minimum(values, permuted.min(axis=0), out=values)
    return Signature(values, len(grams))


_BLOCK = 64  # shingles permuted at once (the block stays in the CPU cache)


def _containment(jaccard, size_a, size_b):
    """|A ∩ B| / min(|A|, |B|) from the Jaccard estimate and the exact sizes, as
    |A ∩ B| = J (|A| + |B|) / (1 + J). Elementwise on arrays."""
    smaller = np.minimum(size_a, size_b)
    return np.minimum(1.0, jaccard * (size_a + size_b) / ((1 + jaccard) * smaller))


def _confirmed(jaccard, containment):
    return (jaccard >= MIN_JACCARD) & (containment >= CONTAINMENT)


def same_story(a: Signature, b: Signature) -> bool:
    """The rule ``best_match`` confirms a candidate with, for two signatures."""
    if min(a.size, b.size) < MIN_SHINGLES:
        return False
    jaccard = np.count_nonzero(a.hashvalues == b.hashvalues) / NUM_PERM
    return bool(_confirmed(jaccard, _containment(jaccard, a.size, b.size)))


def band_keys(sig: Signature) -> list[int]:
    """The LSH band keys of a signature: one signed 64-bit integer per band (the band's
    ``ROWS`` = 2 hash values side by side, mixed with the band number so that equal values
    in different bands give different keys). Two articles are candidates when they share
    one. Empty for texts too short to be matched (see ``MIN_SHINGLES``)."""
    if sig.size < MIN_SHINGLES:
        return []
    values = sig.hashvalues[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    keys = (values[:, 0] << np.uint64(32)) | values[:, 1]
    keys ^= np.arange(BANDS, dtype=np.uint64) * np.uint64(_BAND_MIX)
    return keys.view(np.int64).tolist()


def best_match(sig: Signature, candidates: Iterable[tuple]) -> int | None:
    """Among stored ``(id, signature bytes, published_at)`` candidates (those sharing a
    band with ``sig``), the one ``sig`` is a copy of, or None: the highest containment
    among the confirmed ones, then the earliest published (unknown dates last), then the
    lowest id."""
    rows = [(i, Signature.from_bytes(data), published) for i, data, published in candidates]
    if sig.size < MIN_SHINGLES or not rows:
        return None
    values = np.stack([s.hashvalues for _, s, _ in rows])
    sizes = np.array([s.size for _, s, _ in rows], dtype=np.int64)
    jaccard = np.count_nonzero(values == sig.hashvalues, axis=1) / NUM_PERM
    score = _containment(jaccard, sizes, sig.size)
    confirmed = np.flatnonzero(_confirmed(jaccard, score) & (sizes >= MIN_SHINGLES))
    if not len(confirmed):
        return None
    best = min(confirmed, key=lambda n: (-score[n], rows[n][2] is None,
                                         rows[n][2].timestamp() if rows[n][2] else 0.0,
                                         rows[n][0]))
    return rows[best][0]


# --- the representative of a story ---------------------------------------------------

# Sites that republish other outlets' stories, with the names they give themselves as
# 来源 (netease: 网易号 / news pages; chinanews: pages of other outlets it carries).
AGGREGATOR_NAMES = {
    "netease": ("网易", "网易新闻", "网易号", "网易新闻客户端", "网易健康"),
    "chinanews": ("中国新闻网", "中新网", "中国新闻社", "中新社"),
}
# News outlets and their own domains: a page on another domain naming one of them as 来源
# carries that outlet's story (university, hospital and other generic sites).
OUTLET_DOMAINS = {
    "中国日报网": ("chinadaily.com.cn",),
    "中国日报": ("chinadaily.com.cn",),
    "中国新闻网": ("chinanews.com", "chinanews.com.cn"),
    "中新网": ("chinanews.com", "chinanews.com.cn"),
    "人民网": ("people.com.cn",),
    "人民日报": ("people.com.cn",),
    "新华网": ("news.cn", "xinhuanet.com"),
    "新华社": ("news.cn", "xinhuanet.com"),
    "央视网": ("cctv.com",),
    "求是网": ("qstheory.cn",),
    "光明网": ("gmw.cn",),
    "中国网": ("china.com.cn",),
    "健康报": ("jkb.com.cn",),
    "健康报网": ("jkb.com.cn",),
    "天山网": ("ts.cn",),
    "南方网": ("southcn.com",),
    "澎湃新闻": ("thepaper.cn",),
    "网易": ("163.com",),
}
FULL_TEXT_SHARE = 0.8  # a body shorter than this share of the longest one is truncated


def is_repost(site: str | None, outlet: str | None, url: str) -> bool:
    """True when the page carries another publisher's story: on an aggregator (netease,
    chinanews) its 来源 names someone other than the aggregator; elsewhere its 来源 is a
    known news outlet whose domains do not include the page's host. A page that names no
    outlet, or one not known, counts as its site's own."""
    outlet = (outlet or "").strip()
    if not outlet:
        return False
    if site in AGGREGATOR_NAMES:
        return outlet not in AGGREGATOR_NAMES[site]
    domains = OUTLET_DOMAINS.get(outlet)
    if domains is None:
        return False
    host = (urlsplit(url).hostname or "").lower()
    return not any(host == d or host.endswith("." + d) for d in domains)


@dataclass(frozen=True)
class Member:
    """What choosing a story's representative needs to know about one of its articles."""

    id: int
    outlet: str | None
    site: str | None
    url: str
    body_length: int
    low_quality: bool
    published_at: datetime | None
    is_repost: bool  # see ``is_repost``


def choose_representative(members: list[Member]) -> Member:
    """The article that stands for the story in the digest. Each step keeps the members
    that pass it, when at least one does:
    1. not ``low_quality`` (content farms, pages with broken text);
    2. the original publisher's own page, not a repost (``is_repost``);
    3. a full text: body at least ``FULL_TEXT_SHARE`` of the longest body left;
    then the earliest published (unknown dates last), then the lowest id.
    """
    if not members:
        raise ValueError("a story has at least one member")
    pool = [m for m in members if not m.low_quality] or list(members)
    pool = [m for m in pool if not m.is_repost] or pool
    longest = max(m.body_length for m in pool)
    pool = [m for m in pool if m.body_length >= FULL_TEXT_SHARE * longest]
    return min(pool, key=lambda m: (m.published_at is None,
                                    m.published_at.timestamp() if m.published_at else 0.0,
                                    m.id))
