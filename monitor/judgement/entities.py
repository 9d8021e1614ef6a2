"""The institutions and places a news text names, found by rules kept in ``rules/entities.toml``.

Institution names are found from their end: a suffix (医院, 医科大学, 卫健委 …) and the run of
characters before it, cut on the left at the first word that cannot be part of a name
(与, 在, 签订 …). Short forms (中山五院, 大医一院) and partial names (附属第一医院) are
resolved to the full name the same text gives. Text must already be in simplified characters.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RULES_DIR = Path(__file__).parent / "rules"
KINDS = ("hospital", "school", "health")  # medical institutions and health authorities
ALL_KINDS = (*KINDS, "other")  # and universities, governments, institutes (rules' "other")
FOLLOW_WINDOW = 8  # characters after a suffix searched for a longer name of another kind


@dataclass(frozen=True)
class Mention:
    """One institution named in a text, as written there."""

    name: str
    kind: str  # hospital | school | health | abbreviation
    start: int
    end: int


@dataclass(frozen=True)
class _Rules:
    suffix: re.Pattern[str]  # every suffix of KINDS, longest first
    suffix_all: re.Pattern[str]  # every suffix of ALL_KINDS, longest first
    suffix_kind: dict[str, str]  # suffix -> its kind
    name_char: re.Pattern[str]
    count: re.Pattern[str]
    delimiter: re.Pattern[str]
    protected: tuple[str, ...]
    not_followed_by: tuple[str, ...]
    generic_heads: frozenset[str]
    generic_tail: re.Pattern[str]
    max_length: int
    joined_fields: re.Pattern[str]
    abbreviation: re.Pattern[str]
    abbreviation_not: tuple[str, ...]
    alias: re.Pattern[str]
    place: re.Pattern[str]
    place_chain: re.Pattern[str]
    not_places: frozenset[str]
    not_place_endings: tuple[str, ...]


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@cache
def _rules() -> _Rules:
    data = tomllib.loads((RULES_DIR / "entities.toml").read_text("utf-8"))
    inst, places = data["institutions"], data["places"]
    suffixes = sorted(
        ((s, kind) for kind in ALL_KINDS for s in inst[kind]), key=lambda p: len(p[0]),
        reverse=True
    )
    known = _alternation(places["regions"] + places["provinces"] + places["countries"])
    home = _alternation(places["home"])
    levels = _alternation(places["levels"])
    return _Rules(
        # one plain alternation: Python's re is many times slower with a group per suffix
        suffix=re.compile("|".join(re.escape(s) for s, k in suffixes if k in KINDS)),
        suffix_all=re.compile("|".join(re.escape(s) for s, _ in suffixes)),
        suffix_kind={s: k for s, k in reversed(suffixes)},
        name_char=re.compile(inst["name_chars"]),
        count=re.compile(inst["count"]),
        delimiter=re.compile(_alternation(inst["delimiters"])),
        protected=tuple(inst["protected"]),
        not_followed_by=tuple(inst["not_followed_by"]),
        generic_heads=frozenset(inst["generic_heads"]),
        generic_tail=re.compile(inst["generic_tail"]),
        max_length=int(inst["max_length"]),
        joined_fields=re.compile(inst["joined_fields"]),
        abbreviation=re.compile(inst["abbreviation"]),
        abbreviation_not=tuple(inst["abbreviation_not"]),
        alias=re.compile(inst["alias"]),
        place=re.compile(
            _alternation(places["regions"] + places["provinces"] + places["countries"])
        ),
        # units: a known place with its level, a short unit and its level (定日县), or a
        # longer autonomous unit (阿坝藏族羌族自治州)
        place_chain=re.compile(
            f"(?:{home})?(?:(?:{known})(?:{levels})?|[\u4e00-\u9fff]{{1,3}}?(?:{levels})"
            f"|[\u4e00-\u9fff]{{2,9}}?自治(?:州|县|区|旗))+|(?:{home})"
        ),
        not_places=frozenset(places["not_places"]),
        not_place_endings=tuple(places["not_place_endings"]),
    )


def _left_edge(text: str, end: int, rules: _Rules) -> int:
    """Where the name ending at ``end`` starts: walk left over name characters, then cut."""
    start = end
    while start > 0 and end - start < rules.max_length and rules.name_char.match(text[start - 1]):
        start -= 1
    span = text[start:end]
    masked = span
    for word in rules.protected:  # hide delimiters that are part of a name (协和, 和田)
        masked = masked.replace(word, "\0" * len(word))
    cut = 0
    for found in rules.delimiter.finditer(masked):
        cut = max(cut, found.end())
    for found in rules.count.finditer(masked):
        cut = max(cut, found.end())
    return start + cut


def name_start(text: str, end: int) -> int:
    """Where a name ending at ``end`` starts (the walk of the institutions' names)."""
    return _left_edge(text, end, _rules())


def _followed_by_other(text: str, end: int, rules: _Rules) -> bool:
    """Whether the suffix at ``end`` belongs to a longer name of another kind (…医院王华湘中学)."""
    run = ""
    for char in text[end : end + FOLLOW_WINDOW]:
        if not rules.name_char.match(char):
            break
        run += char
    found = rules.delimiter.search(run)
    run = run[: found.start()] if found else run
    return any(word in run for word in rules.not_followed_by)


def _after_joined_name(text: str, start: int, end: int, rules: _Rules) -> int:
    """Where a name starts when a hyphen glues two names together (北京大学口腔医学院-大连
    市口腔医院): after the hyphen that follows another institution's suffix."""
    for at in range(end - 1, start, -1):
        if text[at] in "-－" and rules.suffix_all.search(text, max(start, at - 6), at) and \
                any(text.startswith(s, at - len(s)) for s in rules.suffix_kind):
            return at + 1
    return start


def find_institutions(text: str, kinds: tuple[str, ...] = KINDS) -> list[Mention]:
    """Every institution named in ``text``, in order; generic words (该院, 附属医院) are skipped.
    ``kinds``: ``KINDS`` (medical ones and health authorities) or ``ALL_KINDS``."""
    rules = _rules()
    found: list[Mention] = []
    for match in (rules.suffix if kinds == KINDS else rules.suffix_all).finditer(text):
        kind = rules.suffix_kind[match.group()]
        if _followed_by_other(text, match.end(), rules):
            continue
        start = _left_edge(text, match.start(), rules)
        start = _after_joined_name(text, start, match.start(), rules)
        if start > 1 and rules.joined_fields.match(text[:match.end()], start - 1):
            before = _left_edge(text, start - 1, rules)
            field = text[before:start - 1]
            if 2 <= len(field) <= 4 and not rules.suffix_all.search(field):
                start = before  # 康复与护理学院
        head = text[start : match.start()]
        if len(head) < 2 or head in rules.generic_heads or rules.generic_tail.search(head):
            continue
        found.append(Mention(text[start : match.end()], kind, start, match.end()))
    for match in rules.abbreviation.finditer(text):
        name = match.group()
        head_cut = _left_edge(text, match.start() + 2, rules) > match.start()  # 借鉴一院
        inside = any(m.start <= match.start() < m.end for m in found)
        if name.startswith(rules.abbreviation_not) or head_cut or inside:
            continue
        found.append(Mention(name, "abbreviation", match.start(), match.end()))
    found.sort(key=lambda m: m.start)
    # a name inside a longer one (西南医科大学 in 西南医科大学附属医院) is the longer one
    return [
        m
        for m in found
        if not any(
            o is not m and o.start <= m.start and m.end <= o.end and len(o.name) > len(m.name)
            for o in found
        )
    ]


def aliases(text: str, mentions: list[Mention] | None = None) -> dict[str, str]:
    """Short forms declared in the text: "…第五医院(以下简称“中山五院”)" → {中山五院: full}.
    ``mentions``: ``find_institutions(text)`` when the caller has it."""
    rules = _rules()
    if mentions is None:
        mentions = find_institutions(text)
    out: dict[str, str] = {}
    for match in rules.alias.finditer(text):
        for mention in mentions:
            if mention.end == match.start() and mention.kind != "abbreviation":
                out[match.group(1)] = mention.name
    return out


def _in_order(short: str, name: str) -> bool:
    chars = iter(name)
    return all(c in chars for c in short)


def resolve(name: str, names: list[str], alias: dict[str, str] | None = None) -> str:
    """The full form of ``name`` among ``names``: its declared alias; else the longest name
    ending with it (附属第一医院 → 大连医科大学附属第一医院); else, for a short form, the
    shortest name holding its characters in order (大医一院 → 大连医科大学附属第一医院);
    else ``name`` itself."""
    if alias and name in alias:
        return alias[name]
    found = _resolve(name, names)
    # once more: 华西二院 → 华西二医院 → 四川大学华西第二医院
    return _resolve(found, names) if found != name else found


def _resolve(name: str, names: list[str]) -> str:
    longer = [n for n in names if len(n) > len(name) and n.endswith(name)]
    if longer:
        return max(longer, key=len)
    rules = _rules()
    if rules.abbreviation.fullmatch(name):
        holding = [n for n in names if len(n) > len(name) and _in_order(name, n)]
        if holding:
            return min(holding, key=len)
    suffix = next((s for s in sorted(rules.suffix_kind, key=len, reverse=True)
                   if name.endswith(s)), None)
    head = name[: len(name) - len(suffix)] if suffix else ""
    if suffix and len(head) >= 2 and rules.place_chain.fullmatch(head):
        # 巴中市政府 is 巴中市人民政府, 某县医院 某县人民医院, 山西太原卫健委 山西省太原市卫健委;
        # 敦化市医院 is a name of its own
        fuller = head + "人民" + suffix
        if fuller in names:
            return fuller
        leveled = [n for n in names if len(n) > len(name) and n.endswith(suffix)
                   and rules.place_chain.fullmatch(n[: len(n) - len(suffix)])
                   and _in_order(head, n[: len(n) - len(suffix)]) and n[0] == name[0]]
        if leveled:
            return min(leveled, key=len)
    if suffix and len(head) >= 2 and name[0] not in SHORT_LEVELS and \
            not rules.place_chain.fullmatch(head):
        # a short form written after the full name (北大人民医院, 华西二医院, 巴中市政府):
        # the same suffix, the characters in order, the same start or its first two together
        holding = [n for n in names if len(n) > len(name) and n.endswith(suffix)
                   and _in_order(name, n) and (n[0] == name[0] or name[:2] in n)]
        if holding:
            return min(holding, key=len)
    return name


HOME = ("中国", "中华人民共和国")
SHORT_LEVELS = "州市县区盟旗"  # 州人民医院: "the prefecture's people's hospital"
SHORT_MAX = 8  # characters of such a short form at most (州第一人民医院)
PLACE_HEAD = (2, 6)  # characters of the place name put before it


def _place_before(text: str, mention: Mention) -> str | None:
    """For a short form that starts with its level (州人民医院, 市二医院), the place of that
    level named last before it (…海西州民众… → 海西州), or None."""
    level = mention.name[0]
    if level not in SHORT_LEVELS or len(mention.name) > SHORT_MAX:
        return None
    rules = _rules()
    at = text.rfind(level, 0, mention.start)
    while at > 0:
        head = text[_left_edge(text, at, rules):at]
        if PLACE_HEAD[0] <= len(head) <= PLACE_HEAD[1] and head not in rules.generic_heads:
            return head + level
        at = text.rfind(level, 0, at)
    return None


def resolved(text: str, kinds: tuple[str, ...] = KINDS) -> list[tuple[Mention, str]]:
    """Every institution mention of ``text`` with the full name it stands for. A short form
    that starts with its level (州人民医院) takes the place named before it (海西州人民医院),
    then resolves like any partial name."""
    mentions = find_institutions(text, kinds)
    alias = aliases(text, mentions)
    full = [m.name for m in mentions if m.kind != "abbreviation"]
    out: list[tuple[Mention, str]] = []
    for mention in mentions:
        name = resolve(mention.name, full, alias)
        if name == mention.name and (place := _place_before(text, mention)):
            expanded = place + name[1:]
            holding = [n for n in full if n != name and n.startswith(place)
                       and _in_order(expanded, n)]
            name = min(holding, key=len) if holding else expanded
        out.append((mention, name))
    return out


def institutions(text: str) -> list[str]:
    """The distinct institutions of ``text`` (``resolved``), full names first-seen first."""
    out: list[str] = []
    for _, name in resolved(text):
        if name not in out:
            out.append(name)
    return out


def _place_ok(name: str, rules: _Rules) -> bool:
    """A chain that does not start with a word that is no place (社区, 全县 …) and holds no
    delimiter (了, 到 …) outside the words protected in names (自治, 和田 …)."""
    if rules.place.match(name) is None and any(name.startswith(w) for w in rules.not_places):
        return False
    if name.endswith(rules.not_place_endings):
        return False  # 西藏日喀则地震灾区: the place is 西藏日喀则
    masked = name
    for word in rules.protected:
        masked = masked.replace(word, "\0" * len(word))
    return not rules.delimiter.search(masked)


def place_at(text: str, start: int) -> str | None:
    """The place named from ``start`` on (赴|西藏日喀则市定日县…), longest chain, or None."""
    rules = _rules()
    found = rules.place_chain.match(text, start)
    while found and found.end() > start:
        name = found.group()
        if _place_ok(name, rules):
            return name
        # a shorter chain: drop its last unit
        found = rules.place_chain.match(text[: found.end() - 1], start)
    return None


def place_ending(text: str, end: int) -> str | None:
    """The place named just before ``end`` (广西|援尼日尔): the longest chain that starts
    with a known place, else the shortest one of two characters and a level (定日县), or None."""
    rules = _rules()
    start = _left_edge(text, end, rules)
    chains = [text[at:end] for at in range(start, end - 1)
              if rules.place_chain.fullmatch(text, at, end) and _place_ok(text[at:end], rules)]
    known = [c for c in chains if rules.place.match(c) or c.startswith(HOME)]
    if known:
        return known[0]
    return next((c for c in reversed(chains) if len(c) >= 3), None)


def places(text: str) -> list[str]:
    """The places (aid regions, provinces, major cities, countries) named in ``text``, in order."""
    out: list[str] = []
    for match in _rules().place.finditer(text):
        if match.group() not in out:
            out.append(match.group())
    return out
