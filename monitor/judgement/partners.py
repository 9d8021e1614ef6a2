"""Partner pairs of a flagged article: who aids whom, who signs or pairs up with whom.

``partner_pairs(title, body, flags, publisher=None)`` is pure. It returns ``Partner(a, b,
relation, evidence)`` items, at most ``max_pairs``: for aid (对口支援, 援外) ``a`` gives and
``b`` receives; for agreements (合作协议, 医联体, 姊妹医院, 共建) the parties are in the text's
order. The cue words are data in ``rules/partners.toml``; names come from
``monitor.judgement.entities`` (institutions, places).

How a text is read (each rule states a pattern of the domain, not of one text):
- **Aid** (when the medical_aid flag is set). Receivers: the party after a word of going or
  aiding (赴, 前往, 驰援, 对口支援 …; 位于…的 skipped; 甲和乙 both), the place of a team's
  name (广西援尼日尔医疗队 → 尼日尔, 援藏 → 西藏, 援坦 → the text's 坦桑尼亚), the party
  after 向 before a verb of sending, the host of a team (驻扎在, 在乙医院坐诊, 乙医院迎来).
  Givers: the party before a verb of sending (派出, 选派, 组建; 由甲组建), the party or place
  before a team's 援, the sentence's first party or place, the team's members' hospitals
  (来自甲医院); a sentence without a giver takes the article's (the publisher, the giver the
  other sentences name most, the title's). For one giver a broad receiver (a province, a
  country, 援藏's 西藏) gives way to a more precise one, and body places give way to a
  precise receiver of the title. Across a border (a country, 援外 …) the relation is 援外.
- **Agreements** (when the sister_hospital flag is set), per clause, else per sentence: the
  parties before the cue that closes the list (甲与乙、丙签署) are paired, a publisher or
  hospital with each other signer; a party right after 共建/成立 is what is built, not a
  signer; an alliance's leads (由甲牵头, 牵头单位为甲、乙) are paired with the members named
  (乙成为成员单位), else the first lead with the other leads; a member joining an alliance
  with no lead named is paired with the alliance's name; 双方/两院 take the title's parties;
  sentences listing guests (出席, 见证) are skipped.
- **Names**: the fullest form the text writes (``monitor.entities.resolved``: declared short
  forms, a short form after the full one, place words in front), ``我院``/``我校`` the
  publisher when given, ``我国`` 中国; in the text's own script (a traditional text is read in
  simplified characters and names are cut from the original at the same places).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache

from monitor.article.item import Flags, Partner
from monitor.config.kinds import RELATIONS
from monitor.judgement import entities
from monitor.judgement.simplified import to_simplified

__all__ = ["RELATIONS", "Partner", "partner_pairs", "partners_and_aliases"]

AID = ("对口支援", "援外")
AGREEMENT = "合作协议"  # an agreement of no more particular kind
ALLIANCE = "医联体"
_CLAUSE = re.compile(r"[^，,：:]+")
_TEAM_WORDS = re.compile(r"[\u4e00-\u9fff]{0,6}?(医疗队|医疗团|医疗分队|医疗专家|医疗人才|医疗工作"
                         r"|医疗任务|医生|医师|专家|干部|人才|队员|队|护士|工作|任务)")
_LIST_END = re.compile(r"\s*(?:等(?:[\d一二三四五六七八九十两多]+家)?)?\s*(?:正式|已|均|先后)*")


@dataclass(frozen=True)
class _Rules:
    max_pairs: int
    max_evidence: int
    self_ref: re.Pattern[str]
    join: re.Pattern[str]
    aside: re.Pattern[str]
    counted: re.Pattern[str]
    home: dict[str, str]
    home_next: re.Pattern[str]
    not_place_after: re.Pattern[str]
    provinces: tuple[str, ...]
    send: re.Pattern[str]
    adverbs: re.Pattern[str]
    came_from: re.Pattern[str]
    asking: re.Pattern[str]
    tour: re.Pattern[str]
    by: re.Pattern[str]
    toward: re.Pattern[str]
    toward_verbs: re.Pattern[str]
    hosted: re.Pattern[str]
    hosted_after: re.Pattern[str]
    hosted_team: re.Pattern[str]
    hosted_place_after: re.Pattern[str]
    welcomes: re.Pattern[str]
    to: re.Pattern[str]
    located: re.Pattern[str]
    to_not: re.Pattern[str]
    received: re.Pattern[str]
    helped: re.Pattern[str]
    team: re.Pattern[str]
    team_gap: re.Pattern[str]
    regions: dict[str, str]
    abroad: re.Pattern[str]
    countries_not: frozenset[str]
    countries: tuple[str, ...]
    domestic: tuple[str, ...]
    abroad_regions: tuple[str, ...]
    cue: re.Pattern[str]
    become: re.Pattern[str]
    roles: re.Pattern[str]
    plaque: re.Pattern[str]
    plaque_name: re.Pattern[str]
    lead: re.Pattern[str]
    lead_after: re.Pattern[str]
    member: re.Pattern[str]
    built: re.Pattern[str]
    alliance: re.Pattern[str]
    both: re.Pattern[str]
    attendance: re.Pattern[str]
    company: re.Pattern[str]
    relations: tuple[tuple[str, re.Pattern[str]], ...]
    alias_not: re.Pattern[str]


@cache
def _rules() -> _Rules:
    data = tomllib.loads((entities.RULES_DIR / "partners.toml").read_text("utf-8"))
    places = tomllib.loads((entities.RULES_DIR / "entities.toml").read_text("utf-8"))["places"]
    parties, aid, agreement = data["parties"], data["aid"], data["agreement"]
    return _Rules(
        max_pairs=int(data["max_pairs"]),
        max_evidence=int(data["max_evidence"]),
        self_ref=re.compile(parties["self"]),
        join=re.compile(parties["join"]),
        aside=re.compile(parties["aside"]),
        counted=re.compile(parties["counted"]),
        home=dict(parties["home"]),
        home_next=re.compile(parties["home_next"]),
        not_place_after=re.compile(parties["not_place_after"]),
        provinces=tuple(parties["provinces"]),
        send=re.compile(aid["send"]),
        adverbs=re.compile(aid["adverbs"]),
        came_from=re.compile(aid["from"]),
        asking=re.compile(aid["asking"]),
        tour=re.compile(aid["tour"]),
        by=re.compile(aid["by"]),
        toward=re.compile(aid["toward"]),
        toward_verbs=re.compile(aid["toward_verbs"]),
        hosted=re.compile(aid["hosted"]),
        hosted_after=re.compile(aid["hosted_after"]),
        hosted_team=re.compile(aid["hosted_team"]),
        hosted_place_after=re.compile(aid["hosted_place_after"]),
        welcomes=re.compile(aid["welcomes"]),
        to=re.compile(aid["to"]),
        located=re.compile(aid["located"]),
        to_not=re.compile(aid["to_not"]),
        received=re.compile(aid["received"]),
        helped=re.compile(aid["helped"]),
        team=re.compile(aid["team"]),
        team_gap=re.compile(aid["team_gap"]),
        regions=dict(aid["regions"]),
        abroad=re.compile(aid["abroad"]["words"]),
        countries_not=frozenset(aid["abroad"]["countries_not"]),
        countries=tuple(places["countries"]),
        domestic=tuple(p for p in places["provinces"] + places["regions"]
                       if p not in aid["abroad"]["regions"]),
        abroad_regions=tuple(aid["abroad"]["regions"]),
        cue=re.compile(agreement["cue"]),
        become=re.compile(agreement["become"]),
        roles=re.compile(agreement["roles"]),
        plaque=re.compile(agreement["plaque"]),
        plaque_name=re.compile(agreement["plaque_name"]),
        lead=re.compile(agreement["lead"]),
        lead_after=re.compile(agreement["lead_after"]),
        member=re.compile(agreement["member"]),
        built=re.compile(agreement["built"]),
        alliance=re.compile(agreement["alliance"]),
        both=re.compile(agreement["both"]),
        attendance=re.compile(agreement["attendance"]),
        company=re.compile(agreement["company"]),
        relations=tuple((r["name"], re.compile(r["pattern"])) for r in agreement["relation"]),
        alias_not=re.compile(parties["alias_not"]),
    )


@dataclass(frozen=True)
class _Party:
    name: str  # simplified full name
    start: int  # where the text names it (simplified text = original text positions)
    end: int
    kind: str  # hospital | school | health | other | abbreviation | self | place | alliance
    broad: bool = False  # a province, a country or a team's region: a receiver of last resort


@dataclass(frozen=True)
class _Pair:
    a: _Party
    b: _Party
    relation: str
    sentence: tuple[int, int]
    rank: int  # 2: both named in the sentence; 1: a side from elsewhere in the article
    title: bool = False  # found in the title


Span = tuple[int, int]


class _Text:
    """The article as one text ``title\\nbody``: its simplified form for matching, the
    original for names and quotes (the same length: conversion is per character where a
    phrase would change it), its sentences and its parties."""

    def __init__(self, title: str, body: str, publisher: str | None):
        self.original = (title or "").strip() + "\n" + (body or "")
        simple = to_simplified(self.original)
        if len(simple) != len(self.original):
            simple = "".join(to_simplified(ch) if len(to_simplified(ch)) == 1 else ch
                             for ch in self.original)
        self.simple = simple
        self.publisher = publisher
        self.sentences: list[Span] = [
            (m.start(), m.end()) for m in re.finditer(r"[^。！？；!?;\n…]+", simple)
            if simple[m.start():m.end()].strip()
        ]
        self.title = self.sentences[0] if self.sentences and self.sentences[0][0] == 0 \
            else (0, 0)
        rules = _rules()
        parties = []
        found_names = entities.resolved(simple, entities.ALL_KINDS)
        declared = entities.aliases(simple, [m for m, _ in found_names])
        # short forms the text resolves to a full name: {simplified full: [original short]}
        self.short_forms: dict[str, list[str]] = {}
        for mention, name in found_names:
            if mention.name != name and _learnable(mention, name, declared):
                forms = self.short_forms.setdefault(name, [])
                written = self.original[mention.start:mention.end]
                if written not in forms:
                    forms.append(written)
        for mention, name in found_names:
            if rules.counted.search(simple, max(0, mention.start - 6), mention.start):
                continue  # 3家林业局医院: a kind, not a party
            if self._names_alliance(mention.end):
                continue  # 国家儿童医学中心心血管专科联盟: the alliance's name
            parties.append(_Party(name, mention.start, mention.end, mention.kind))
        for found in rules.self_ref.finditer(simple):
            if not any(p.start <= found.start() < p.end for p in parties):
                parties.append(_Party(publisher or found.group(), found.start(), found.end(),
                                      "self"))
        for word, country in rules.home.items():
            for found in re.finditer(word, simple):
                parties.append(_Party(country, found.start(), found.end(), "place", True))
        parties.sort(key=lambda p: p.start)
        self.parties = parties
        self._written: dict[str, str] = {}
        self.countries = [c for c in entities.places(simple) if c in rules.countries]
        # short forms of places declared in the text: 巴布亚新几内亚（以下简称“巴新”）
        self.place_alias: dict[str, str] = {}
        for found in re.finditer(r"[（(](?:以下)?简称[:：]?[“\"「]?([^”\"」）)]{1,8})[”\"」]?[）)]",
                                 simple):
            place = entities.place_ending(simple, found.start())
            if place and not any(p.end == found.start() and p.kind != "place" for p in parties):
                self.place_alias[found.group(1)] = place
                short = self.original[found.start(1):found.end(1)]
                self.short_forms.setdefault(place, []).append(short)

    def _names_alliance(self, end: int) -> bool:
        """Whether the name ending at ``end`` starts an alliance's name (…中心心血管专科联盟)."""
        found = _rules().alliance.search(self.simple, end, end + 10)
        if not found or "联盟" not in found.group():
            return False
        between = self.simple[end:found.start()]
        return re.fullmatch(r"[\u4e00-\u9fff]*", between) is not None and not \
            entities.find_institutions(between, entities.ALL_KINDS) and \
            entities.name_start(self.simple, found.start()) <= end - 2

    def written(self, name: str) -> str:
        """``name`` as the original text writes it (traditional stays traditional)."""
        if name == self.publisher:
            return name
        if name not in self._written:
            at = self.simple.find(name)
            self._written[name] = self.original[at:at + len(name)] if at >= 0 else name
        return self._written[name]

    def in_span(self, start: int, end: int, placeholders: bool = False) -> list[_Party]:
        """The parties named in ``[start, end)``; ``我院`` only when it stands for a known
        publisher (or ``placeholders``)."""
        return [p for p in self.parties if start <= p.start and p.end <= end
                and (p.kind != "self" or self.publisher or placeholders)]

    def giver_ok(self, party: _Party) -> bool:
        """A party asking for aid (应乙政府请求) does not give it."""
        return not _rules().asking.match(self.simple, party.end)

    def place_party(self, at: int, limit: int) -> _Party | None:
        """The place named at ``at`` (a chain, a declared short form, a country's short form
        whose characters it takes in order: 巴新), not inside an institution's name."""
        if any(p.start <= at < p.end for p in self.parties if p.kind != "place"):
            return None
        rules = _rules()
        for short, full in self.place_alias.items():
            if self.simple.startswith(short, at) and at + len(short) <= limit:
                return _Party(full, at, at + len(short), "place", _broad(full))
        place = entities.place_at(self.simple[:limit], at)
        if place and rules.not_place_after.match(self.simple, at + len(place)):
            return None
        if place:
            abroad = next((r for r in rules.abroad_regions if place.startswith(r)), "")
            if abroad and len(place) > len(abroad):  # 非洲尼日尔: the country
                return _Party(place[len(abroad):], at + len(abroad), at + len(place), "place",
                              _broad(place[len(abroad):]))
            if place in rules.home.values() and not rules.home_next.match(
                    self.simple, at + len(place)):
                return None
            return _Party(place, at, at + len(place), "place", _broad(place))
        short = self.simple[at:at + 2]
        country = next((c for c in self.countries if len(c) > 2 and c[0] == short[0]
                        and _in_order(short, c)), None)
        if country and at + 2 <= limit:
            return _Party(country, at, at + 2, "place", True)
        return None

    def party_at(self, at: int, limit: int) -> _Party | None:
        """The institution named at ``at`` (位于…的 skipped), else the place named there."""
        skip = _rules().located.match(self.simple[at:limit])
        if skip:
            at += skip.end()
        for p in self.parties:
            if p.start == at and p.end <= limit and p.kind != "self":
                return p
        place = self.place_party(at, limit)
        of = self.simple.find("的", at, min(limit, at + 9))
        if of > at and re.fullmatch(r"[\u4e00-\u9fff]+", self.simple[at:of]):
            for p in self.parties:  # 驻扎在弗里敦的乙医院: the hospital
                if p.start == of + 1 and p.end <= limit and p.kind not in ("self", "place"):
                    return p
        return place

    def parties_from(self, at: int, limit: int) -> list[_Party]:
        """The party named at ``at`` and those joined to it (乙、丙和丁)."""
        rules = _rules()
        first = self.party_at(at, limit)
        out = []
        while first is not None:
            out.append(first)
            after = first.end
            aside = rules.aside.match(self.simple, after, limit)
            if aside:
                after = aside.end()
            join = rules.join.match(self.simple, after, limit)
            if not join or join.end() == after:
                break
            first = self.party_at(join.end(), limit)
        return out

    def list_before(self, start: int, at: int) -> list[_Party]:
        """The parties of the list that ends just before ``at`` (甲、乙等 | 加入)."""
        rules = _rules()
        named = self.in_span(start, at)
        out: list[_Party] = []
        edge = at
        for party in reversed(named):
            gap = self.simple[party.end:edge]
            ok = _LIST_END.fullmatch(gap) if not out else rules.join.fullmatch(gap)
            if not ok:
                break
            out.insert(0, party)
            edge = party.start
        return out

    def first_party(self, start: int, end: int, but: str = "") -> _Party | None:
        """The first institution or place named in ``[start, end)`` that can give (and is
        not ``but``, the receiver)."""
        named = [p for p in self.in_span(start, end) if self.giver_ok(p)
                 and not (but and _same(p.name, but))]
        rules = _rules()
        place = None
        known = rules.domestic + rules.countries + tuple(rules.home.values())
        for found in re.finditer("|".join(map(re.escape, known)), self.simple[start:end]):
            place = self.place_party(start + found.start(), end)
            if place and self.giver_ok(place):
                break
            place = None
        # an institution before a place: 马里医疗队队员、绍兴市人民医院医师 → the hospital
        return named[0] if named else place

    def cues(self, pattern: re.Pattern[str], start: int, end: int) -> list[re.Match[str]]:
        """The matches of ``pattern`` in ``[start, end)`` that are not inside a name (派出,
        not the 委派 of 卫健委派出)."""
        out = []
        at = start
        while (found := pattern.search(self.simple, at, end)) is not None:
            if any(p.start <= found.start() < p.end for p in self.parties
                   if p.kind != "place"):
                at = found.start() + 1
                continue
            out.append(found)
            at = found.end()
        return out

    def clauses(self, span: Span) -> list[Span]:
        start, end = span
        return [(start + m.start(), start + m.end())
                for m in _CLAUSE.finditer(self.simple[start:end])]


def _province(party: _Party) -> bool:
    """A province named as the receiver (西藏, 湖北省): precise receivers come before it."""
    bare = re.sub(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$", "", party.name)
    return party.kind == "place" and bare in _rules().provinces


def _national(party: _Party) -> bool:
    """The home country or its government as a giver: any other giver of the same receiver
    is more precise (中国援坦医疗队 of 山东省卫计委)."""
    home = tuple(_rules().home.values())
    return party.name in home or (party.name.startswith(home) and party.name.endswith("政府"))


def _broad(place: str) -> bool:
    """A country, a region abroad (非洲) or the home country: a receiver of last resort.
    (A province written out stays: 湖南支援湖北.)"""
    rules = _rules()
    return place in rules.countries or place in rules.home.values() or \
        (place.startswith(rules.abroad_regions) and not any(c in place for c in rules.countries))


# ---------------------------------------------------------------- aid


def _sent_by(text: _Text, start: int, end: int) -> _Party | None:
    """The party a sentence says sends the team: 由甲组建 / 由甲派出 / 甲派出 (the last verb
    of sending in ``[start, end)``), or None."""
    sends = text.cues(_rules().send, start, end)
    if not sends:
        return None
    verb = sends[-1].start()
    gap = _adverbs_before(text, start, verb)
    named = [p for p in text.in_span(start, gap) if p.end == gap and text.giver_ok(p)]
    if named:
        return named[-1]
    place = entities.place_ending(text.simple, gap)
    if place and gap - len(place) >= start:
        return _Party(place, gap - len(place), gap, "place", _broad(place))
    for by in _rules().by.finditer(text.simple, start, verb):
        after = text.party_at(by.end(), verb)
        if (after and after.kind != "place") or (after and by.end() + len(after.name) + 8 > verb):
            return after
    return None


def _giver_before(text: _Text, start: int, at: int, but: str = "") -> _Party | None:
    """The giver named in ``text.simple[start:at]``: the party a verb of sending has, the
    giver of a team's name, else the first party or place that can give."""
    sent = _sent_by(text, start, at)
    if sent:
        return sent
    for match in _rules().team.finditer(text.simple, start, at):
        giver = _team_giver(text, start, match.start())
        if giver:
            return giver
    return text.first_party(start, at, but)


def _adverbs_before(text: _Text, start: int, at: int) -> int:
    """Where the words allowed between a giver and its verb (便, 先后 …) begin."""
    rules = _rules()
    for k in range(at - start, -1, -1):
        if rules.adverbs.fullmatch(text.simple, at - k, at):
            return at - k
    return at


def _team_after(text: _Text, at: int, end: int) -> _Party | None:
    """驰援武汉的甲医疗队 (乙医院医疗队): the team named after the receiver gives; an
    institution of its name before a place."""
    if text.simple[at:at + 1] != "的":
        return None
    team = _TEAM_WORDS.match(text.simple, at + 1, end)
    if not team:
        return None
    stop = team.end()
    if text.simple[stop:stop + 1] in "（(":
        stop = min(end, text.simple.find("）", stop) + 1 or stop + 20)
    named = [p for p in text.in_span(at + 1, stop) if text.giver_ok(p)]
    named.sort(key=lambda p: p.kind == "place")
    return named[0] if named else text.first_party(at + 1, team.end())


def _team_giver(text: _Text, start: int, at: int) -> _Party | None:
    """The giver of a team's name ``甲(第十批)援乙医疗队``: the party or place just before
    援 (past 第十批, “组团式”, a bracketed place: 中国（广西）)."""
    rules = _rules()
    gap_end = at
    for k in range(at - start, -1, -1):
        if rules.team_gap.fullmatch(text.simple, at - k, at):
            gap_end = at - k
            break
    named = [p for p in text.in_span(start, gap_end) if p.end == gap_end]
    if named:
        return named[-1]
    if gap_end > start and text.simple[gap_end - 1] in "）)":
        opening = max(text.simple.rfind("（", start, gap_end),
                      text.simple.rfind("(", start, gap_end))
        inside = text.simple[opening + 1:gap_end - 1] if opening >= 0 else ""
        if inside and entities.place_at(inside, 0) == inside:
            return _Party(inside, opening + 1, gap_end - 1, "place", _broad(inside))
    place = entities.place_ending(text.simple, gap_end)
    if place and gap_end - len(place) >= start:
        return _Party(place, gap_end - len(place), gap_end, "place", _broad(place))
    return None


def _team_receiver(text: _Text, at: int, end: int) -> _Party | None:
    """The receiver of ``援乙…``: a place or country named after 援, the region of 援藏, or
    the text's country whose name starts with the character after 援 (援坦)."""
    rules = _rules()
    built = next((p for p in text.parties if p.start == at and p.end <= end
                  and p.kind == "hospital"), None)
    if built:  # 中国援老挝某某医院: the hospital built or run as aid
        return built
    place = entities.place_at(text.simple[:end], at)
    if place and _TEAM_WORDS.match(text.simple, at + len(place)):
        return _Party(place, at, at + len(place), "place", _broad(place))
    if text.simple[at:at + 1] in rules.regions:  # 援疆, 援藏: a word of its own
        return _Party(rules.regions[text.simple[at]], at, at + 1, "place", True)
    for size in (2, 1):
        short = text.simple[at:at + size]
        if not _TEAM_WORDS.match(text.simple, at + size) or not short:
            continue
        country = next((c for c in text.countries if c.startswith(short)), None)
        if country:
            return _Party(country, at, at + size, "place", True)
    return None


def _aid_relation(text: _Text, receiver: _Party, span: Span) -> str:
    rules = _rules()
    name = receiver.name
    if any(c in name for c in rules.countries) or name.startswith(rules.abroad_regions):
        return "援外"
    if name.startswith(rules.domestic) or name in rules.home.values():
        return "对口支援"
    if rules.abroad.search(text.simple, *span) or (receiver.kind != "place" and text.countries
                                                   and rules.abroad.search(text.simple)):
        return "援外"
    return "对口支援"


@dataclass
class _AidFinds:
    pairs: list[_Pair]
    orphans: list[tuple[_Party, Span]]  # receivers whose giver the sentence does not name
    givers: list[tuple[_Party, Span]]  # givers whose receiver the sentence does not name


def _aid_finds(text: _Text) -> _AidFinds:
    rules = _rules()
    finds = _AidFinds([], [], [])
    for start, end in text.sentences:
        span = (start, end)
        sent = _sent_by(text, start, end)  # 由甲组建: the sentence's giver, whatever is named
        members = []
        for match in text.cues(rules.came_from, start, end):
            members += [p for p in text.parties_from(match.end(), end)
                        if p.kind != "place" or _TEAM_WORDS.search(text.simple, p.end, end)]
        found: list[tuple[_Party | None, _Party]] = []
        for match in text.cues(rules.team, start, end):
            receiver = _team_receiver(text, match.end(), end)
            if receiver:
                giver = _team_giver(text, start, match.start())
                if sent and (giver is None or giver.kind == "place"):
                    giver = sent
                elif giver is not None and _national(giver):  # 中国援坦医疗队 of 山东省卫计委
                    first = text.first_party(start, match.start())
                    giver = first if first and first.kind != "place" else giver
                found.append((giver or _giver_before(text, start, match.start()), receiver))
        for match in text.cues(rules.to, start, end):
            if rules.to_not.match(text.simple, match.end(), end):
                continue
            after = match.end() + (text.simple[match.end():match.end() + 1] == "的")
            receivers = text.parties_from(after, end)  # 援建的乙医院
            if not receivers:
                continue
            tour = rules.tour.search(text.simple, max(start, match.start() - 12), match.start())
            if tour and match.group() == "到":  # 从甲到乙: both are receivers
                first = text.party_at(tour.end(), match.start())
                found += [(None, r) for r in ([first] if first else []) + receivers]
                continue
            giver = _team_after(text, receivers[-1].end, end) or \
                _giver_before(text, start, match.start(), receivers[0].name)
            found += [(giver, r) for r in receivers]
        for match in text.cues(rules.toward, start, end):
            receivers = text.parties_from(match.end(), end)
            if receivers and rules.toward_verbs.match(text.simple, receivers[-1].end, end):
                giver = _giver_before(text, start, match.start())
                found += [(giver, r) for r in receivers]
        for match in text.cues(rules.hosted, start, end):
            receiver = text.party_at(match.end(), end)
            if receiver and receiver.kind == "place" and \
                    rules.hosted_place_after.match(text.simple, receiver.end, end):
                found.append((_giver_before(text, start, match.start()), receiver))
            elif receiver and receiver.kind != "place" and (
                    match.group().startswith("驻")
                    or rules.hosted_after.match(text.simple, receiver.end, end)):
                found.append((_giver_before(text, start, match.start()), receiver))
        for match in text.cues(rules.hosted_team, start, end):
            receiver = text.party_at(match.end(), end)
            if receiver and receiver.kind != "place":
                found.append((_giver_before(text, start, match.start()), receiver))
        for match in text.cues(rules.welcomes, start, end):
            before = [p for p in text.in_span(start, match.start()) if p.kind != "place"]
            giver = text.first_party(match.end(), end)
            if before and giver and _TEAM_WORDS.search(text.simple, giver.end, end):
                found.append((giver, before[-1]))
        for match in text.cues(rules.helped, start, end):
            giver = text.first_party(match.start("giver"), match.end("giver"))
            receiver = text.party_at(match.end(), end)
            if giver and receiver:
                found.append((giver, receiver))
        for match in text.cues(rules.received, start, end):
            receiver = text.party_at(match.end(), end)
            if receiver is not None:
                found.append((None, receiver))
        for giver, receiver in found:
            if receiver.kind == "self":
                continue
            if giver is not None and receiver.kind == "place" and \
                    giver.name.startswith(receiver.name):
                giver = None  # 乙国政府 does not aid 乙国
            if members and (giver is None or giver is not sent):
                givers = members  # 队员来自甲、乙: the members' hospitals give
            elif giver is None or _same(giver.name, receiver.name):
                finds.orphans.append((receiver, span))
                continue
            else:
                givers = [giver]
            finds.pairs += [_Pair(g, receiver, _aid_relation(text, receiver, span), span, 2,
                                  span == text.title)
                            for g in givers if not _same(g.name, receiver.name)]
        if not found:
            givers = members or ([sent] if sent and sent.kind != "place" else [])
            finds.givers += [(g, span) for g in givers]
    return finds


def _default_giver(text: _Text, pairs: list[_Pair], receivers: list[_Party]
                   ) -> _Party | None:
    """Who gives where a sentence does not say: the publisher, else the giver most named in
    the other sentences, else the title's first party, else the text's first hospital (none
    of them a receiver)."""
    if text.publisher and any(p.kind == "self" for p in text.parties):
        return _Party(text.publisher, 0, 0, "self")
    if pairs:
        counts: dict[str, int] = {}
        for p in pairs:
            counts[p.a.name] = counts.get(p.a.name, 0) + 1 + (p.a.kind != "place")
        best = max(counts, key=counts.get)
        return next(p.a for p in pairs if p.a.name == best)
    first = text.first_party(*text.title)
    if first and not any(_same(first.name, r.name) for r in receivers):
        return first
    hospitals = [p for p in text.parties if p.kind == "hospital"
                 and not any(_same(p.name, r.name) for r in receivers)]
    if hospitals:
        return hospitals[0]
    return next((p for p in text.parties if p.kind == "self"), None)


def _aid_pairs(text: _Text) -> list[_Pair]:
    finds = _aid_finds(text)
    givers = [p.a for p in finds.pairs if p.a.kind == "place"]
    fuller = {g.name: f for g in givers for f in givers if _level_only(g, f)}
    # one giver written 沈阳 and 沈阳市: the fuller form
    pairs = [replace(p, a=fuller[p.a.name]) if p.a.name in fuller else p for p in finds.pairs]
    giver = _default_giver(text, pairs, [r for r, _ in finds.orphans])
    if giver is not None:
        pairs += [_Pair(giver, r, _aid_relation(text, r, span), span, 1, span == text.title)
                  for r, span in finds.orphans if not _same(r.name, giver.name)]
    receivers = _main_receivers(pairs)
    for member, span in finds.givers:
        pairs += [_Pair(member, r, _aid_relation(text, r, span), span, 1)
                  for r in receivers if not _same(r.name, member.name)]
    titled = [p.b for p in pairs if p.title and not p.b.broad and not _province(p.b)]
    if titled:  # the title's precise receiver stands for the places the body names
        pairs = [replace(p, b=titled[0]) if not p.title and p.b.kind == "place"
                 and not any(_same(p.b.name, t.name) for t in titled) else p for p in pairs]
    return _precise(pairs)


def _main_receivers(pairs: list[_Pair]) -> list[_Party]:
    """The receivers the article is about: the title's, else the most precise named."""
    ranked = [p.b for p in pairs if p.title and not p.b.broad and not _province(p.b)] or \
        [p.b for p in pairs if not p.b.broad and not _province(p.b)] or \
        [p.b for p in pairs if not p.b.broad] or [p.b for p in pairs]
    out: list[_Party] = []
    for party in ranked:
        if not any(_same(party.name, o.name) for o in out):
            out.append(party)
    return out[:2]


def _precise(pairs: list[_Pair]) -> list[_Pair]:
    """For one giver, a broad receiver gives way to a precise one, body places to a
    precise receiver of the title; a place giver gives way to an institution giving to the
    same receiver."""
    def dropped(p: _Pair) -> bool:
        for o in pairs:
            if o is p:
                continue
            same_giver = _same_party(o.a, p.a)
            if same_giver and (p.b.broad or (_province(p.b) and o.rank >= p.rank)) \
                    and not o.b.broad and not _province(o.b):
                return True
            if same_giver and p.b.name in _rules().abroad_regions and o.b.broad and \
                    o.b.name not in _rules().abroad_regions:
                return True  # 非洲 gives way to a country
            if same_giver and p.b.kind == "place" and o.b.kind != "place" and \
                    p.b.name in o.b.name:
                return True
            if same_giver and o.title and not o.b.broad and not _province(o.b) and \
                    not p.title and \
                    p.b.kind == "place" and not _same(o.b.name, p.b.name):
                return True
            if _same(o.b.name, p.b.name) and p.a.kind == "place" and o.a.kind != "place" \
                    and o.rank >= p.rank:
                return True
            if _same(o.b.name, p.b.name) and _national(p.a) and not _national(o.a):
                return True
            if _same_party(o.b, p.a) and not _same_party(o.a, p.b) and not \
                    (p.a.kind == "place" and _same_party(o.a, p.a)):
                return True  # an aided hospital's (or place's) own outreach is not aid it gives
        return False
    return [p for p in pairs if not dropped(p)]


# ---------------------------------------------------------------- agreements


def _relation(text: _Text, span: Span) -> str:
    rules = _rules()
    for where in (span, text.title):
        for name, pattern in rules.relations:
            if pattern.search(text.simple, *where):
                return name
    return AGREEMENT


def _alliance_name(text: _Text, start: int, end: int) -> _Party | None:
    """An alliance's name (“一带一路”眼健康联盟), quotes included: the title's, else the
    first in ``[start, end)``."""
    return _alliance_in(text, *text.title) or _alliance_in(text, start, end)


def _alliance_in(text: _Text, start: int, end: int) -> _Party | None:
    rules = _rules()
    for match in rules.alliance.finditer(text.simple, start, end):
        masked = re.sub(r"[“”\"「」]", "A", text.simple[:match.end()])
        left = max(start, entities.name_start(masked, match.start()))
        if match.start() - left >= 2:
            end_at = match.end()
            name = text.simple[left:end_at]
            if name.count("“") > name.count("”") and text.simple[end_at:end_at + 1] == "”":
                end_at += 1  # “江城眼健康联盟”: the quote closes after the alliance's word
            return _Party(text.simple[left:end_at], left, end_at, "alliance")
    return None


def _distinct(parties: list[_Party]) -> list[_Party]:
    out: list[_Party] = []
    for p in parties:
        if not any(_same(p.name, o.name) for o in out):
            out.append(p)
    return out


def _hub(text: _Text, parties: list[_Party]) -> _Party:
    """The party a multi-party signing is about: the publisher, the one party outside the
    list of the others (甲…与乙、丙、丁), a hospital, else the first."""
    joined = [any(_joined(text, a, b) for b in parties if b is not a) for a in parties]
    if joined.count(False) == 1 and len(parties) > 2:
        return parties[joined.index(False)]
    for p in parties:
        if p.kind == "self" or (text.publisher and p.name == text.publisher):
            return p
    if parties[0].kind not in ("hospital", "abbreviation"):
        for p in parties:
            if p.kind in ("hospital", "abbreviation"):
                return p
    return parties[0]


def _joined(text: _Text, a: _Party, b: _Party) -> bool:
    """Whether ``a`` and ``b`` are neighbours of one list (甲、乙)."""
    first, second = (a, b) if a.start < b.start else (b, a)
    return bool(_rules().join.fullmatch(text.simple, first.end, second.start))


def _signers(text: _Text, span: Span) -> list[_Party]:
    """The parties of ``span`` that can sign: not what is built (共建乙医院) nor guests."""
    rules = _rules()
    out = []
    for p in text.in_span(*span):
        if rules.built.search(text.simple, max(span[0], p.start - 4), p.start):
            continue
        out.append(p)
    return _distinct(out)


def _alliances(text: _Text) -> list[_Pair]:
    """Leads paired with members: 由甲牵头 / 牵头单位为甲、乙 … 丙成为成员单位 / 丙加入."""
    rules = _rules()
    leads: list[tuple[_Party, Span]] = []
    members: list[tuple[_Party, Span]] = []
    for start, end in text.sentences:
        sentence = text.simple[start:end]
        for match in rules.lead_after.finditer(sentence):
            leads += [(p, (start, end)) for p in text.parties_from(start + match.end(), end)
                      if p.kind != "place"]
        for match in rules.lead.finditer(sentence):
            at = start + match.start()
            before = [p for p in text.in_span(start, at) if p.kind != "place"]
            if before and not rules.join.fullmatch(text.simple, before[-1].end, at):
                leads += [(p, (start, end)) for p in before[-1:]]
        for match in rules.member.finditer(sentence):
            at = start + match.start()
            if match.group() in ("成员单位", "理事单位"):
                clause_start = max(text.simple.rfind(c, start, at) for c in "，,：:") + 1
                named = text.in_span(max(start, clause_start), at)
            else:
                named = text.list_before(start, at)
            members += [(p, (start, end)) for p in named if p.kind != "place"]
    lead_names = [p for p, _ in leads]
    members = [(m, s) for m, s in members if not any(_same(m.name, lp.name) for lp in lead_names)]
    pairs: list[_Pair] = []
    distinct_leads = _distinct(lead_names)
    if distinct_leads and members:
        for lead in distinct_leads:
            for member, span in members:
                pairs.append(_Pair(lead, member, ALLIANCE, span, 2))
    elif len(distinct_leads) > 1:
        span = next(s for p, s in leads if p is distinct_leads[0])
        pairs += [_Pair(distinct_leads[0], o, ALLIANCE, span, 2) for o in distinct_leads[1:]]
    elif members:
        for member, span in members:
            alliance = _alliance_name(text, *span)
            if alliance:
                pairs.append(_Pair(alliance, member, ALLIANCE, span, 2))
    elif distinct_leads:
        lead = distinct_leads[0]
        span = next(s for p, s in leads if p is lead)
        alliance = _alliance_name(text, *span)
        if alliance:
            pairs.append(_Pair(lead, alliance, ALLIANCE, span, 2))
    return pairs


def _roles(text: _Text) -> list[_Pair]:
    """甲(被认定)为乙的附属医院, 成为丙的教学医院: 甲 with 乙 and 丙; 甲 is the party before
    the verb, else the title's first."""
    rules = _rules()
    pairs: list[_Pair] = []
    for start, end in text.sentences:
        for match in rules.become.finditer(text.simple, start, end):
            named = text.parties_from(match.end(), end)
            role = rules.roles.match(text.simple, named[-1].end, end) if named else None
            if not role:
                continue
            while True:  # …乙的附属医院、丙的教学医院及实习医院、丁的教学医院
                after = role.end()
                while (more := rules.roles.match(text.simple, after + 1, end)) and \
                        text.simple[after] in "及和与、":
                    after = more.end()
                join = rules.join.match(text.simple, after, end)
                nxt = text.party_at(join.end(), end) if join and join.end() > after else None
                role = rules.roles.match(text.simple, nxt.end, end) if nxt else None
                if not role:
                    break
                named.append(nxt)
            before = [p for p in text.in_span(start, match.start()) if p.kind != "place"]
            subject = before[0] if before else next(
                (p for p in _signers(text, text.title) if p.kind != "place"), None)
            if subject is None:
                continue
            relation = _relation(text, (match.start(), end))
            pairs += [_Pair(subject, o, relation, (start, end), 2) for o in named
                      if o.kind != "place" and not _same(o.name, subject.name)]
    return pairs


def _plaques(text: _Text) -> list[_Pair]:
    """An affiliated or teaching hospital's plaque: 甲大学附属乙医院揭牌 → 甲大学 with 乙医院
    (the fuller name of 乙医院 the text gives: 乙市医院 for 乙医院)."""
    rules = _rules()
    pairs: list[_Pair] = []
    full = [p.name for p in text.parties]
    for start, end in text.sentences:
        if not rules.plaque.search(text.simple, start, end):
            continue
        for party in text.in_span(start, end):
            parts = rules.plaque_name.match(party.name)
            near = rules.plaque.search(text.simple, party.end, min(end, party.end + 6)) or \
                text.simple[max(start, party.start - 1):party.start] == "为"
            if not parts or not near:
                continue
            school, hospital = parts.group(1), parts.group(2)
            holding = [n for n in full if n != party.name and "附属" not in n
                       and n.endswith(hospital[-2:]) and _in_order(hospital, n)]
            hospital = min(holding, key=len) if holding else hospital
            a = _Party(school, party.start, party.start + len(school), "school")
            b = _Party(hospital, party.start, party.end, "hospital")
            pairs.append(_Pair(a, b, "共建", (start, end), 2, (start, end) == text.title))
        if pairs:
            break
    return pairs


def _in_order(short: str, name: str) -> bool:
    chars = iter(name)
    return all(c in chars for c in short)


def _agreement_pairs(text: _Text) -> list[_Pair]:
    rules = _rules()
    pairs: list[_Pair] = _plaques(text) + _roles(text)
    title_parties = _signers(text, text.title)
    for index, span in enumerate(text.sentences):
        start, end = span
        if not rules.cue.search(text.simple, start, end):
            continue
        relation = _relation(text, span)
        units = [c for c in text.clauses(span) if rules.cue.search(text.simple, *c)
                 and len(_signers(text, c)) >= 2]
        if not units and len(_signers(text, span)) >= 2:
            units = [span]
        if not units:
            if rules.both.search(text.simple, start, end) and len(title_parties) >= 2 \
                    and index > 0:
                pairs.append(_Pair(title_parties[0], title_parties[1], relation, span, 1))
            continue
        hub_before: _Party | None = None
        for unit in units:
            if rules.attendance.search(text.simple, *unit) or \
                    rules.company.search(text.simple, *unit):
                continue
            signers = _signers(text, unit)
            if hub_before and re.match(r"\s*(?:并|还|又|同时)?(?:与|和|同)",
                                       text.simple[unit[0]:unit[1]]):
                # …甲与乙签订了…，与丙、丁签订了…: 甲 signs again
                pairs += [_Pair(hub_before, o, _relation(text, unit), unit, 2)
                          for o in signers if not _same(o.name, hub_before.name)]
                continue
            cue_at = next((unit[0] + m.start()
                           for m in rules.cue.finditer(text.simple[unit[0]:unit[1]])
                           if unit[0] + m.start() >= signers[1].end), unit[1])
            before = [p for p in signers if p.end <= cue_at]
            signers = before if len(before) >= 2 else signers
            hub = _hub(text, signers) if len(signers) > 2 else signers[0]
            hub_before = hub
            pairs += [_Pair(hub, o, _relation(text, unit) if unit != span else relation,
                            unit, 2, span == text.title)
                      for o in signers if o is not hub]
    alliance = _alliances(text)
    if alliance:
        names = {frozenset((p.a.name, p.b.name)) for p in alliance}
        pairs = alliance + [p for p in pairs if p.relation != ALLIANCE
                            and frozenset((p.a.name, p.b.name)) not in names]
    return pairs


# ---------------------------------------------------------------- together


def _evidence(text: _Text, pair: _Pair) -> str:
    """A quote of at most ``max_evidence`` characters of the sentence naming the pair."""
    limit = _rules().max_evidence
    start, end = pair.sentence
    if end - start > limit:
        inside = [p for p in (pair.a, pair.b) if start <= p.start < end]
        first = min((p.start for p in inside), default=start)
        last = max((p.end for p in inside), default=first)
        start = max(start, min(first, last - limit))
        end = min(end, start + limit)
    return text.original[start:end].strip()


def _same(a: str, b: str) -> bool:
    return a == b or a in b or b in a


def _level_only(short: _Party, long: _Party) -> bool:
    """Two forms of one place that differ by the level only (青海, 青海省): the form found
    first (the title's, the evidence's) is kept."""
    return short.kind == long.kind == "place" and short.name != long.name and \
        long.name.startswith(short.name) and len(long.name) - len(short.name) <= 3


def _same_party(a: _Party, b: _Party) -> bool:
    """The same party: one name holds the other, both places or both institutions."""
    return _same(a.name, b.name) and (a.kind == "place") == (b.kind == "place")


def _keep(pairs: list[_Pair]) -> list[_Pair]:
    """Pairs without repeats (either order; a name held in another counts as the same),
    the longer names kept."""
    out: list[_Pair] = []
    for pair in sorted(pairs, key=lambda p: (-p.rank, p.sentence[0])):
        if _same(pair.a.name, pair.b.name):
            continue
        twin = next((i for i, o in enumerate(out)
                     if (_same(pair.a.name, o.a.name) and _same(pair.b.name, o.b.name))
                     or (_same(pair.a.name, o.b.name) and _same(pair.b.name, o.a.name))), None)
        if twin is None:
            out.append(pair)
            continue
        o = out[twin]
        if o.a.name in pair.a.name and o.b.name in pair.b.name and \
                not _level_only(o.a, pair.a) and not _level_only(o.b, pair.b):
            out[twin] = replace(o, a=pair.a, b=pair.b)
    return sorted(out, key=lambda p: (p.sentence[0], p.a.start))


def partner_pairs(title: str, body: str, flags: Flags, publisher: str | None = None
                  ) -> list[Partner]:
    """The partner pairs of a flagged article (none where neither flag is set): aid pairs
    when ``flags.medical_aid`` is set, agreements when ``flags.sister_hospital`` is.
    ``publisher``: the institution whose site published the text (its 我院)."""
    return partners_and_aliases(title, body, flags, publisher)[0]


def partners_and_aliases(title: str, body: str, flags: Flags, publisher: str | None = None
                         ) -> tuple[list[Partner], dict[str, str]]:
    """``partner_pairs`` and beside them the short forms the text resolved to the pairs'
    names: ``{short form: full name}``, both as the text writes them (中山五院 →
    中山大学附属第五医院, a declared 巴新 → 巴布亚新几内亚). Only forms that name one
    institution beyond this text are given: declared ones (以下简称), abbreviations
    (中山五院), and names of their own written after the full one (华西医院 after
    四川大学华西医院); not partial names that many institutions end with (附属第一医院,
    人民医院, 州人民医院) nor ``我院``."""
    if not (flags.medical_aid.value or flags.sister_hospital.value):
        return [], {}
    text = _Text(title, body, publisher)
    pairs: list[_Pair] = []
    if flags.sister_hospital.value:
        pairs += _agreement_pairs(text)
    if flags.medical_aid.value:
        pairs += _aid_pairs(text)
    out: list[Partner] = []
    aliases: dict[str, str] = {}
    for pair in _keep(pairs)[: _rules().max_pairs]:
        out.append(Partner(text.written(pair.a.name), text.written(pair.b.name), pair.relation,
                           _evidence(text, pair)))
        for side in (pair.a, pair.b):
            for short in text.short_forms.get(side.name, []):
                if side.kind != "self" and short != text.written(side.name):
                    aliases.setdefault(short, text.written(side.name))
    return out, aliases


def _learnable(mention: entities.Mention, full: str, declared: dict[str, str]) -> bool:
    """Whether a short form names one institution beyond its text (see
    ``partners_and_aliases``): not a name the full one holds before its end, which is
    another institution's (四川大学华西第二医院 in …华西第二医院巴中妇女儿童医院: its parent)."""
    if mention.name in declared or mention.kind == "abbreviation":
        return True
    if mention.name in full and not full.endswith(mention.name):
        return False
    return len(mention.name) >= 4 and not _rules().alias_not.match(mention.name)
