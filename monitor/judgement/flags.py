"""Topic flags for an article: medical aid and sister-hospital partnerships, with evidence.

``classify(title, body)`` is pure. The weighted patterns and the scoring constants are data
in ``rules/flags.toml`` (its header explains the scoring); this module applies them per
sentence, checks who takes part (``monitor.judgement.entities``), and fills the institutions and
places of the article.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from functools import cache

from monitor.article.item import Evidence, Flag, Flags
from monitor.article.text import PAIRED_MARKS, repeats_title, unpaired
from monitor.judgement import entities
from monitor.judgement.partners import partners_and_aliases
from monitor.judgement.simplified import to_simplified

FLAGS = ("medical_aid", "sister_hospital")
LEAD_SENTENCES = 5  # places are read from the title, these first sentences and the evidence
_SENTENCE_END = re.compile(r"[。！？；!?;\n]+[”’」』]*")
REPEAT_SLACK = 8  # characters a body sentence may add to the title and still only repeat it


@dataclass(frozen=True)
class _Rule:
    pattern: re.Pattern[str]
    weight: float
    needs: str | None = None  # None | "medical" | "parties" | "school"
    otherwise: float = 0.0  # weight when a "school" rule finds no medical school


@dataclass(frozen=True)
class _Config:
    rules: dict[str, tuple[_Rule, ...]]
    any_rule: dict[str, re.Pattern[str]]  # matches where one of the flag's rules matches
    veto: dict[str, re.Pattern[str]]
    context: dict[str, re.Pattern[str]]
    threshold: float
    title_weight: float
    max_evidence: int
    negation_window: int
    look_back_sentences: int
    words: tuple[str, ...]  # words a matched span must not cut (rules' [evidence] words)


@cache
def _config() -> _Config:
    data = tomllib.loads((entities.RULES_DIR / "flags.toml").read_text("utf-8"))
    ctx = data["context"]
    return _Config(
        rules={
            flag: tuple(
                _Rule(
                    re.compile(r["pattern"]),
                    float(r["weight"]),
                    r.get("needs"),
                    float(r.get("otherwise", 0.0)),
                )
                for r in data[flag]
            )
            for flag in FLAGS
        },
        any_rule={flag: re.compile("|".join(f"(?:{r['pattern']})" for r in data[flag]))
                  for flag in FLAGS},
        veto={flag: re.compile(data["veto"][flag]) for flag in FLAGS},
        context={k: re.compile(v) for k, v in ctx.items() if isinstance(v, str)},
        threshold=float(data["threshold"]),
        title_weight=float(data["title_weight"]),
        max_evidence=int(data["max_evidence"]),
        negation_window=int(data["negation_window"]),
        look_back_sentences=int(ctx["look_back_sentences"]),
        words=tuple(sorted(data["evidence"]["words"], key=len, reverse=True)),
    )


def split_sentences(text: str) -> list[str]:
    """Sentences, without their final punctuation (a closing quote after 。 included)."""
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


def _medical_parties(sentence: str) -> int:
    """How many distinct medical institutions a sentence names (resolving short forms)."""
    ctx = _config().context
    mentions = entities.find_institutions(sentence)
    full = [m.name for m in mentions if m.kind != "abbreviation"]
    count = len({entities.resolve(m.name, full) for m in mentions})
    if ctx["both_medical"].search(sentence):
        count = max(count, 2)
    return count + len(ctx["one_medical"].findall(sentence))


def _parties_ok(sentences: list[str], index: int) -> bool:
    """At least two medical institutions take part in sentence ``index`` and no company does.
    For 双方签订 the parties are the ones named in the nearest sentences before it, then in
    the title; lists of who attended (出席, 参加) name guests, not parties, and are skipped."""
    cfg = _config()
    ctx = cfg.context
    sentence = sentences[index]
    if ctx["company"].search(sentence):
        return False
    if _medical_parties(sentence) >= 2:
        return True
    if index == 0 or not ctx["look_back"].search(sentence):
        return False
    before = sentences[max(1, index - cfg.look_back_sentences) : index][::-1] + sentences[:1]
    for earlier in before:
        if ctx["attendance"].search(earlier):
            continue
        if ctx["company"].search(earlier):
            return False
        if _medical_parties(earlier) >= 2:
            return True
    return False


def _negated(sentence: str, start: int) -> bool:
    cfg = _config()
    return bool(
        cfg.context["negation"].search(sentence[max(0, start - cfg.negation_window) : start])
    )


def _sentence_score(flag: str, sentences: list[str], index: int) -> tuple[float, list[str]]:
    """The best rule weight in one sentence, and every term matched there."""
    cfg = _config()
    sentence = sentences[index]
    if not cfg.any_rule[flag].search(sentence):  # most sentences: one search, not one per rule
        return 0.0, []
    vetoed = bool(cfg.veto[flag].search(sentence))
    best, terms = 0.0, []
    for rule in cfg.rules[flag]:
        if rule.needs and vetoed:
            continue
        hits = [m for m in rule.pattern.finditer(sentence) if not _negated(sentence, m.start())]
        if not hits:
            continue
        weight = rule.weight
        if rule.needs == "medical" and not cfg.context["medical"].search(sentence):
            continue
        if rule.needs == "parties" and not _parties_ok(sentences, index):
            continue
        if rule.needs == "school" and not cfg.context["medical_school"].search(sentence):
            weight = rule.otherwise
        if weight <= 0:
            continue
        best = max(best, weight)
        terms += [t for t in (word_span(sentence, m.start(), m.end()) for m in hits)
                  if t not in terms]
    return best, _distinct(terms)


def word_span(sentence: str, start: int, end: int) -> str:
    """The matched text ``sentence[start:end]`` widened so that it cuts no word of the
    rules' ``[evidence] words`` (援疆, 医疗队 …) and leaves no quote half open: a reviewer
    reads 组团式”医疗援疆, not 组团式”医疗援."""
    words = _config().words
    changed = True
    while changed:
        changed = False
        for word in words:
            for k in range(1, len(word)):  # a word straddling the end, then the start
                if end - k >= start and sentence.startswith(word, end - k):
                    end, changed = end - k + len(word), True
                at = start - len(word) + k
                if at >= 0 and sentence.startswith(word, at):
                    start, changed = at, True
    span = sentence[start:end]
    for opening, closing in PAIRED_MARKS.items():
        if span.count(closing) > span.count(opening):
            if start > 0 and sentence[start - 1] == opening:
                start -= 1
        elif span.count(opening) > span.count(closing):
            if end < len(sentence) and sentence[end] == closing:
                end += 1
    span = sentence[start:end]
    # a mark still unpaired at an edge is left out: 合作协议, not 《合作协议
    while span and (edges := set(unpaired(span)) & {0, len(span) - 1}):
        span = span[1:] if 0 in edges else span[:-1]
    return span


def _distinct(terms: list[str]) -> list[str]:
    """Matched terms without those inside a longer one (援藏 within 援藏医疗队), in order."""
    return [t for t in terms if not any(t != other and t in other for other in terms)]


def _flag(flag: str, sentences: list[str]) -> tuple[Flag, list[str]]:
    """The flag, and every sentence that scored for it (in text order)."""
    cfg = _config()
    scored = []
    for index, sentence in enumerate(sentences):
        score, terms = _sentence_score(flag, sentences, index)
        if score > 0:
            weight = cfg.title_weight if index == 0 else 1.0
            scored.append((score * weight, index, Evidence(sentence, terms)))
    total = float(sum(s for s, _, _ in scored))
    scored.sort(key=lambda t: (-t[0], t[1]))
    # the digest shows the title already: the body's own sentences are the evidence, unless
    # only the title (or the body repeating it) scored
    body = [t for t in scored
            if t[1] > 0 and not repeats_title(t[2].sentence, sentences[0], REPEAT_SLACK)]
    evidence: list[Evidence] = []
    for _, _, item in body or scored:
        if len(evidence) < cfg.max_evidence and all(e.sentence != item.sentence for e in evidence):
            evidence.append(item)
    hit = [e.sentence for _, _, e in sorted(scored, key=lambda t: t[1])]
    return Flag(value=total >= cfg.threshold, score=round(total, 2), evidence=evidence), hit


def classify(title: str, body: str, *, simplified: bool = False,
             original: tuple[str, str] | None = None, publisher: str | None = None) -> Flags:
    """Flags for one article; the title is weighted above the body (see rules/flags.toml).
    Rules are written in simplified characters: the text is converted first, unless
    ``simplified`` says it already is (``monitor.simplified.simplified``); then
    ``original`` is the (title, body) it was made from, whose script the partners' names
    keep. ``publisher``: the institution that published the text (its 我院), when known."""
    title, body = title or "", body or ""
    source = original if simplified and original else (title, body)
    if not simplified:
        title, body = to_simplified(title), to_simplified(body)
    title = title.strip()
    sentences = [title, *split_sentences(body)]
    (aid, aid_hits), (sister, sister_hits) = (_flag(f, sentences) for f in FLAGS)
    place_text = "\n".join(sentences[: 1 + LEAD_SENTENCES] + aid_hits + sister_hits)
    flags = Flags(
        medical_aid=aid,
        sister_hospital=sister,
        institutions=entities.institutions(title + "\n" + body),
        places=entities.places(place_text),
    )
    flags.partners, flags.aliases = partners_and_aliases(*source, flags, publisher)
    return flags


def flags_to_dict(flags: Flags) -> dict:
    """A JSON-ready view of ``flags``: values, scores, evidence, institutions and places."""
    out: dict = {name: getattr(flags, name).value for name in FLAGS}
    out["scores"] = {name: getattr(flags, name).score for name in FLAGS}
    out["evidence"] = {
        name: [
            {"sentence": e.sentence, "terms": list(e.terms)} for e in getattr(flags, name).evidence
        ]
        for name in FLAGS
    }
    out["institutions"] = list(flags.institutions)
    out["places"] = list(flags.places)
    out["partners"] = [asdict(p) for p in flags.partners]
    return out
