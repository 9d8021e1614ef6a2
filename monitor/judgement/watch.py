"""Which ``[[watch]]`` entries of the sources file (``monitor.config.sources.Watch``, taken
here by its shape: this layer stays pure) watch a story: a pure function of the story's
copies' partner pairs, institutions and places.

A story is watched by a watch when

- one of its copies' partner pairs (or, when no copy has a pair, one of the institutions its
  copies name) names a watched institution: its name or an alias, compared as the partner
  labels' README compares names (traditional characters made simplified, spaces and
  punctuation dropped, Latin letters lower-cased; then equal, or one holding the other with
  at least ``MIN_CONTAINED`` characters on the shorter side), or
- a province word of the watch appears in a partner's name (an institution's, without
  pairs) or in the story's places,

and, when the watch gives relations, the pair is in one of them (a story without pairs has
no relation: such a watch does not take it). For the province words of the places, a pair
of a given relation is enough (``上海 → 喀什（对口支援）`` with the place 新疆)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from monitor.judgement.simplified import to_simplified

MIN_CONTAINED = 4  # characters of the shorter name when one name holds the other


class WatchedInstitution(Protocol):
    @property
    def names(self) -> tuple[str, ...]: ...  # its name, then its aliases


class Watch(Protocol):
    """What matching needs of a ``monitor.config.sources.Watch``."""

    @property
    def name(self) -> str: ...
    @property
    def institutions(self) -> Sequence[WatchedInstitution]: ...
    @property
    def provinces(self) -> Sequence[str]: ...
    @property
    def relations(self) -> Sequence[str]: ...  # empty: any


@cache
def normalised(name: str) -> str:
    """A name as names are compared: simplified characters, no spaces, no punctuation or
    symbols, Latin letters in lower case."""
    return "".join(ch for ch in to_simplified(name or "").lower()
                   if not (ch.isspace() or unicodedata.category(ch)[0] in "PS"))


def same_institution(one: str, other: str) -> bool:
    """Two names of one institution: equal once normalised, or one holding the other with
    at least ``MIN_CONTAINED`` characters on the shorter side."""
    a, b = normalised(one), normalised(other)
    if not a or not b:
        return False
    short, long_ = sorted((a, b), key=len)
    return a == b or (len(short) >= MIN_CONTAINED and short in long_)


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    relation: str  # "" for a pair stored before relations were given


def pairs_of(partners: Iterable[dict | Sequence[str]]) -> list[Pair]:
    """Partner pairs as stored in the flags: ``{"a", "b", "relation", "evidence"}``, or
    ``[A, B, what they did]`` in rows stored before relations were given."""
    out = []
    for partner in partners or []:
        if isinstance(partner, dict):
            out.append(Pair(partner.get("a") or "", partner.get("b") or "",
                            partner.get("relation") or ""))
        elif len(partner) >= 2:
            out.append(Pair(str(partner[0]), str(partner[1]), ""))
    return out


def _names_watched(watch: Watch, name: str) -> bool:
    return any(same_institution(known, name)
               for institution in watch.institutions for known in institution.names)


def _province_in(watch: Watch, text: str) -> bool:
    text = normalised(text)
    return bool(text) and any(normalised(p) and normalised(p) in text for p in watch.provinces)


def _province_place(watch: Watch, place: str) -> bool:
    """A province word in a place, or a place of two characters or more that is part of a
    province word (新疆 for 新疆维吾尔自治区)."""
    plain = normalised(place)
    return _province_in(watch, place) or (len(plain) >= 2 and any(
        plain in normalised(p) for p in watch.provinces))


def watched_by(watch: Watch, partners: Iterable, institutions: Iterable[str] = (),
               places: Iterable[str] = ()) -> bool:
    """Whether a story with these partner pairs (of all its copies), institutions and places
    is watched by ``watch``."""
    pairs = pairs_of(partners)
    in_places = any(_province_place(watch, place) for place in places)
    if pairs:
        kept = [p for p in pairs if not watch.relations or p.relation in watch.relations]
        return bool(kept) and (in_places or any(
            _names_watched(watch, name) or _province_in(watch, name)
            for pair in kept for name in (pair.a, pair.b)))
    if watch.relations:
        return False
    return in_places or any(_names_watched(watch, name) or _province_in(watch, name)
                            for name in institutions)


def watches_of(watches: Iterable[Watch], copies: Iterable[dict]) -> list[str]:
    """The names of the watches (in their order) that watch a story whose copies have these
    flags (as stored: ``{"partners", "institutions", "places", ...}``)."""
    partners: list = []
    institutions: list[str] = []
    places: list[str] = []
    for flags in copies:
        flags = flags or {}
        partners += flags.get("partners") or []
        institutions += flags.get("institutions") or []
        places += flags.get("places") or []
    return [w.name for w in watches if watched_by(w, partners, institutions, places)]
