"""The event a news text reports, for grouping write-ups that share little wording.

Two outlets writing up one event from the same press material share few sentences, yet
they report the same **day** (``15日出发``, ``26日，…揭牌``), the same **parties** (the
hospitals and universities named; for an aid team, its batch and destination:
``第36批援苏丹医疗队``) and the same **figures** (``42人``, ``1158人次``, ``834.47万``).
Look-alikes of another event differ in one of them even when their boilerplate is the same:
the next batch of a team (``第35批`` / ``第36批``), another day of the same team (departure,
arrival, a second free clinic), the same hospital signing with another partner (a party
named in one headline is absent from the other text), next year's edition (another year in
the headline, or publication dates far apart).

``event`` reads that evidence from a text (pure: title, body and the publication time);
``same_event`` decides: no conflict on day, batch, parties, headline year or publication
time, and at least two of four kinds of agreement: the day, the parties, the figures
(``MIN_FIGURES`` shared), the wording (estimated Jaccard of the story shingles at least
``MIN_JACCARD``: a copy trimmed at one end and extended at the other). ``event_keys`` are
the keys under which such write-ups find each other in the story index (``story_bands``,
beside the MinHash bands): a lead day with a party named in the lead, a batch with its
destination, two figures. ``best_event_match`` is what the store path runs on its
candidates when no text match is confirmed (``monitor.storage.match_story``).
"""

from __future__ import annotations

import hashlib
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import numpy as np

from monitor.judgement.entities import institutions, places
from monitor.judgement.simplified import simplified, to_simplified
from monitor.judgement.stories import MIN_SHINGLES, NUM_PERM, Signature, best_match, story_line

LEAD_CHARS = 200  # the lead: the title and the first paragraph, up to this many characters
PARAGRAPH_MIN = 20  # Chinese characters of a line that counts as the first paragraph
MIN_FIGURES = 3  # shared figures that count as agreement
MIN_JACCARD = 0.3  # estimated Jaccard of the story texts that counts as shared wording
MAX_DAYS_APART = 10  # publication times further apart: another event
PARTY_MIN = 5  # characters of a party name compared at all
HEADLINE_GRAM, MIN_HEADLINE = 3, 2  # shared 3-grams of the headlines' words: the same happening
KEY_DAYS, KEY_PARTIES, KEY_FIGURES = 3, 4, 6  # the evidence that makes index keys

_CJK = re.compile(r"[\u4e00-\u9fff]")
# a day of the month: 15日, 2月28日和29日, 9日至10日 (datelines are gone from the lead)
_DAY = re.compile(r"(?<![\d.])(\d{1,2})日(?![电讯])")
_ORDINAL = re.compile(r"第([0-9]+|[零〇一二两三四五六七八九十百]+)(批|期|届)")
_ORDINAL_SUBJECT = re.compile(r"[^和、,;与及]{0,14}")
# a figure: a number that is no date, time, year or ordinal
_NUMBER = re.compile(r"(?<![\d.第:/-])(\d+(?:\.\d+)?)(?![\d.:/-]|\s*[年月日时点分号])")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}


@dataclass(frozen=True)
class Event:
    """What a text says about its event (see the module docstring)."""

    days: frozenset[int]  # days of the month named in the title and the lead
    ordinals: frozenset[tuple[str, int, str]]  # (批/期/届, number, destination or "")
    title_parties: tuple[str, ...]  # institutions named in the title
    lead_parties: tuple[str, ...]  # ... in the title and the lead
    parties: tuple[str, ...]  # ... anywhere in the text
    figures: tuple[str, ...]  # figures in the order written, each once
    title_years: frozenset[int]
    headline: frozenset[str] = frozenset()  # 3-grams of the title's words, parties left out
    published: datetime | None = None


def _chinese_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char == "十":
            total += (digit or 1) * 10
            digit = 0
        elif char == "百":
            total += (digit or 1) * 100
            digit = 0
    return total + digit


def _figure(number: str) -> str | None:
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    if "." not in number:
        value = int(number)
        if value < 10 or 1900 <= value <= 2100:  # small counts and years tell little
            return None
        number = str(value)
    return number


def event(title: str | None, body: str | None, *, simplified: bool = False,
          published: datetime | None = None) -> Event:
    """The event evidence of a text (``simplified``: already in simplified characters)."""
    title, body = title or "", body or ""
    if not simplified:
        title, body = to_simplified(title), to_simplified(body)
    title = story_line(unicodedata.normalize("NFKC", title))
    lines = [story_line(line) for line in unicodedata.normalize("NFKC", body).split("\n")]
    lines = [line for line in lines if line]
    first = next((line for line in lines if len(_CJK.findall(line)) >= PARAGRAPH_MIN), "")
    lead = (title + "\n" + first)[:LEAD_CHARS]
    ordinals = set()
    for found in _ORDINAL.finditer(lead):
        subject = _ORDINAL_SUBJECT.match(lead, found.end()).group()
        named = places(subject)
        ordinals.add((found[2], _chinese_number(found[1]), named[0] if named else ""))
    text = "\n".join(lines)
    figures = dict.fromkeys(f for n in _NUMBER.findall(text) if (f := _figure(n)))
    return Event(
        days=frozenset(d for d in map(int, _DAY.findall(lead)) if 1 <= d <= 31),
        ordinals=frozenset(ordinals),
        title_parties=tuple(_long(institutions(title))),
        lead_parties=tuple(_long(institutions(lead))),
        parties=tuple(_long(institutions(title + "\n" + text))),
        figures=tuple(figures),
        title_years=frozenset(int(y) for y in _YEAR.findall(title)),
        headline=frozenset(_headline_terms(title)),
        published=published,
    )



@lru_cache(maxsize=4096)
def stored_event(title: str | None, body: str | None, published: datetime | None) -> Event:
    """``event`` of a stored article's text: the same candidates come back for many new
    articles of a crawl, and reading a text's event (simplified characters, institutions)
    costs more than storing an article."""
    return event(title, body, published=published)

def _headline_terms(title: str) -> set[str]:
    """What the headline says happened: its 3-grams of Chinese characters, the
    institutions it names left out."""
    for name in sorted(institutions(title), key=len, reverse=True):
        title = title.replace(name, "\n")
    runs = re.findall(r"[\u4e00-\u9fff]+", title)
    return {run[i:i + HEADLINE_GRAM] for run in runs for i in range(len(run) - HEADLINE_GRAM + 1)}


def article_event(article) -> Event:
    """The event evidence of an ``Article`` (its simplified text, converted once)."""
    return event(*simplified(article), simplified=True, published=article.published_at)


def _long(names: list[str]) -> list[str]:
    return [n for n in names if len(n) >= PARTY_MIN]


def _in_order(short: str, long: str) -> bool:
    chars = iter(long)
    return all(c in chars for c in short)


def same_party(a: str, b: str) -> bool:
    """Two names of one institution: the shorter written inside the longer, in order,
    with at least half its characters (晋江第二医院 / 晋江市第二医院)."""
    short, long = sorted((a, b), key=len)
    return 2 * len(short) >= len(long) and _in_order(short, long)


def _named(party: str, parties: Iterable[str]) -> bool:
    return any(same_party(party, other) for other in parties)


def _ordinal_conflict(a: frozenset, b: frozenset) -> bool:
    """Another batch (edition) of the same team: for a destination both name, or else for
    all their batches of one kind, no number in common."""
    for unit in {u for u, _, _ in a} & {u for u, _, _ in b}:
        mine = {(n, s) for u, n, s in a if u == unit}
        theirs = {(n, s) for u, n, s in b if u == unit}
        shared = {s for _, s in mine if s} & {s for _, s in theirs if s}
        groups = [({n for n, s in mine if s == place}, {n for n, s in theirs if s == place})
                  for place in shared] or [({n for n, _ in mine}, {n for n, _ in theirs})]
        if any(not (x & y) for x, y in groups):
            return True
    return False


def edition_conflict(a: Event, b: Event) -> bool:
    """Another batch of a team or another edition of a campaign: the batches in the lead
    differ (``_ordinal_conflict``) or the headlines' years do. It parts even texts of
    nearly the same wording (a release edited from last batch's)."""
    return _ordinal_conflict(a.ordinals, b.ordinals) or bool(
        a.title_years and b.title_years and not a.title_years & b.title_years)


def conflict(a: Event, b: Event) -> bool:
    """Evidence that the two texts report different events."""
    if a.days and b.days and not a.days & b.days:
        return True
    if edition_conflict(a, b):
        return True
    if a.published and b.published and \
            abs((a.published - b.published).total_seconds()) > MAX_DAYS_APART * 86400:
        return True
    # a party in one headline that the other text (naming any) never names: another partner
    if (b.parties and any(not _named(p, b.parties) for p in a.title_parties)) or \
            (a.parties and any(not _named(p, a.parties) for p in b.title_parties)):
        return True
    return any(not _named(p, b.parties) for p in a.lead_parties) and \
        any(not _named(p, a.parties) for p in b.lead_parties)


def agreements(a: Event, b: Event, jaccard: float = 0.0) -> list[str]:
    """The kinds of evidence on which the two texts agree."""
    found = []
    if a.days & b.days:
        found.append("day")
    shared_parties = [p for p in a.parties if _named(p, b.parties)]
    if len(shared_parties) >= 2 or any(s for _, _, s in a.ordinals & b.ordinals):
        found.append("parties")
    if len(set(a.figures) & set(b.figures)) >= MIN_FIGURES:
        found.append("figures")
    if jaccard >= MIN_JACCARD:
        found.append("wording")
    return found


def same_event(a: Event, b: Event, jaccard: float = 0.0) -> bool:
    """Whether two texts report one event: no conflict, two kinds of agreement, and unless
    the wording agrees, headlines that say the same thing happened (``MIN_HEADLINE``
    shared 3-grams besides the parties: 名医工作站, 专科联盟; a signing and a lecture on the
    day of one visit are two stories)."""
    if conflict(a, b):
        return False
    found = agreements(a, b, jaccard)
    return len(found) >= 2 and ("wording" in found or len(a.headline & b.headline)
                                >= MIN_HEADLINE)


def _key(*parts) -> int:
    digest = hashlib.blake2b("\x1f".join(map(str, parts)).encode("utf-8"), digest_size=8)
    return int.from_bytes(digest.digest(), "little", signed=True)


def event_keys(ev: Event | None) -> list[int]:
    """The story-index keys of an event: a lead day with a lead party, a batch with its
    destination, two of the first figures (not round ones: 100, 20)."""
    if ev is None:
        return []
    keys = {_key("day", day, party) for day in sorted(ev.days)[:KEY_DAYS]
            for party in ev.lead_parties[:KEY_PARTIES]}
    keys |= {_key("batch", unit, number, place) for unit, number, place in ev.ordinals
             if place}
    specific = [f for f in ev.figures if len(f.replace(".", "").strip("0")) > 1][:KEY_FIGURES]
    keys |= {_key("figures", *sorted(pair)) for pair in itertools.combinations(specific, 2)}
    return sorted(keys)


def best_event_match(sig: Signature, ev: Event, candidates: Iterable[tuple]) -> int | None:
    """Among stored ``(id, signature bytes, published_at, title, body)`` candidates, the
    one reporting the same event as the text of ``sig`` and ``ev`` (``same_event``), or
    None; the most similar wording first, then the earliest published, then the lowest id."""
    if sig.size < MIN_SHINGLES:
        return None
    found = []
    for number, data, published, title, body in candidates:
        other = Signature.from_bytes(data)
        if other.size < MIN_SHINGLES:
            continue
        jaccard = np.count_nonzero(other.hashvalues == sig.hashvalues) / NUM_PERM
        if same_event(ev, stored_event(title, body, published), jaccard):
            found.append((-jaccard, published is None,
                          published.timestamp() if published else 0.0, number))
    return min(found)[3] if found else None


def story_match(sig: Signature, ev: Event, candidates: list[tuple],
                texts: Callable[[list[int]], Iterable[tuple]],
                sharing: Callable[[list[int]], Iterable[int]]) -> int | None:
    """The stored article a new text (``sig``, ``ev``) belongs with, among ``(id,
    signature bytes, published_at)`` candidates; ``texts(ids)`` gives their ``(id,
    signature bytes, published_at, title, body)``, ``sharing(keys)`` the ids of the
    articles indexed under any of the event keys. A copy (``monitor.stories.best_match``)
    unless it is another batch or edition (``edition_conflict``: then the next best copy),
    else a write-up of the same event (``best_event_match``) among the candidates sharing
    an event key or enough wording (``MIN_JACCARD``), else None."""
    rows = list(candidates)
    while (found := best_match(sig, rows)) is not None:
        (_, _, published, title, body), = texts([found])
        if not edition_conflict(ev, stored_event(title, body, published)):
            return found
        rows = [row for row in rows if row[0] != found]
    if not candidates or sig.size < MIN_SHINGLES:
        return None
    keys = event_keys(ev)
    near = set(sharing(keys)) if keys else set()
    for number, data, _ in candidates:
        shared = np.count_nonzero(Signature.from_bytes(data).hashvalues == sig.hashvalues)
        if shared >= MIN_JACCARD * NUM_PERM:
            near.add(number)
    ids = [row[0] for row in candidates if row[0] in near]
    return best_event_match(sig, ev, texts(ids)) if ids else None
