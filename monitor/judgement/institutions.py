"""What a name says about the institution it names, the same for every article: its
normalised form (one institution per normalised name), its kind, its place.

Pure functions over ``rules/entities.toml`` (the suffixes of institution names, the places);
the institutions themselves live in the database (``monitor.storage.institutions``).
"""

from __future__ import annotations

import tomllib
import unicodedata
from functools import cache

from monitor.judgement import entities
from monitor.judgement.simplified import to_simplified

# the kinds of an institution, in the order lists show them
KINDS = ("hospital", "university", "health_authority", "government", "other")
_SUFFIX_KINDS = {"hospital": "hospital", "school": "university", "health": "health_authority"}
_ALLIANCE = ("联盟", "医联体", "医共体", "协作网", "联合体")


def normalise(name: str) -> str:
    """``name`` as names are compared (as partners-README.md scores them): simplified
    characters, no spaces or punctuation (“”()·—-), Latin letters in lower case."""
    return "".join(ch for ch in to_simplified(name or "").lower()
                   if not (ch.isspace() or unicodedata.category(ch)[0] in "PS"))


@cache
def _kind_suffixes() -> tuple[tuple[str, str], ...]:
    """(suffix, kind), longest suffix first."""
    data = tomllib.loads((entities.RULES_DIR / "entities.toml").read_text("utf-8"))
    inst, kinds = data["institutions"], data["institution_kinds"]
    pairs = [(s, _SUFFIX_KINDS[k]) for k in _SUFFIX_KINDS for s in inst[k]]
    for kind, suffixes in kinds.items():
        pairs += [(s, kind) for s in suffixes]
    pairs += [(s, "other") for s in inst["other"] if s not in {p for p, _ in pairs}]
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


def kind_of(name: str) -> str:
    """One of ``KINDS``: by the name's suffix (医院 → hospital, 医科大学 and 大学 →
    university, 卫健委 → health_authority, 人民政府 → government), a short form of a hospital
    (中山五院) is a hospital, a place alone (广西, 尼日尔) a government, else other."""
    simple = normalise(name)
    if simple.endswith(_ALLIANCE):
        return "other"
    for suffix, kind in _kind_suffixes():
        if simple.endswith(suffix):
            return kind
    if entities.find_institutions(simple, ("hospital",)) or \
            any(m.kind == "abbreviation" for m in entities.find_institutions(simple)):
        return "hospital"
    if simple and entities.place_at(simple, 0) == simple:
        return "government"
    return "other"


def place_of(name: str) -> str | None:
    """The province, city or country a name starts with (四川大学华西医院 → 四川,
    成都市第二人民医院 → 成都市, 西藏日喀则市定日县 → 西藏日喀则市定日县), or None; a place
    of the name's own characters that no list knows is taken only with its level (定日县)."""
    simple = normalise(name)
    place = entities.place_at(simple, 0)
    if place and (entities.places(place) or len(place) >= 3):
        return place
    return None
