"""Partner pairs on the hand-labelled set: ``.venv/bin/python -m bench.partners``
(``make bench-partners``).

Runs what ``monitor classify`` gives as ``partners`` on the flagged rows of
``../shared/labelled/flagging-dev2.jsonl`` (title and body; the ids link to
``partners-dev2.jsonl``) and scores it as ``partners-README.md`` says: names normalised
(simplified characters, no spaces or punctuation, Latin lower case), a gold name matches a
system name when equal or when one holds the other and the shorter has at least 3 characters
(or matches one of the gold name's aliases so), a gold placeholder (我院 …) matches anything;
a pair matches in either order; gold and system pairs are matched one to one per row. Three
variants: ``lenient`` (as above), ``family`` (the relation's family must agree too: aid =
对口支援/援外, agreement = the other four) and ``strict`` (containment only from 4
characters). Clear and ambiguous rows apart, then both together. ``-v`` prints each row's
misses. The folder is ``../shared/labelled`` beside the repository, or
``$MONITOR_LABELLED``.

First look (before any row was read), with the partners of ``monitor.judgement.flags`` as they were
(``[A, B, action]`` lists from the sister_hospital evidence, taken as 合作协议):
clear    lenient P 0.650 R 0.155 F1 0.250 (tp 13 fp 7 fn 71), family F1 0.173, strict F1 0.250;
ambiguous lenient P 0.556 R 0.172 F1 0.263 (tp 5 fp 4 fn 24), family 0.263, strict 0.263;
all      lenient P 0.621 R 0.159 F1 0.254 (tp 18 fp 11 fn 95), family F1 0.197 (tp 14),
strict F1 0.254.
With ``monitor.judgement.partners`` (pairs with relations; tests/test_partners.py fails under
F1 0.85 lenient or 0.8 strict on all rows): clear lenient P 0.915 R 0.893 F1 0.904, family 0.892,
strict 0.904; ambiguous lenient P 0.810 R 0.586 F1 0.680, strict 0.640; all lenient
P 0.893 R 0.814 F1 0.852 (tp 92 fp 11 fn 21), family 0.843, strict 0.843.
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from pathlib import Path

from monitor.judgement.flags import classify, flags_to_dict
from monitor.judgement.simplified import to_simplified

ROOT = Path(__file__).resolve().parents[1]
LABELLED = Path(os.environ.get("MONITOR_LABELLED") or ROOT.parent / "shared" / "labelled")
TEXTS = LABELLED / "flagging-dev2.jsonl"
GOLD = LABELLED / "partners-dev2.jsonl"

PLACEHOLDERS = frozenset({"我院", "我校", "我县", "我委", "我們", "我们"})
FAMILY = {"对口支援": "aid", "援外": "aid",
          "合作协议": "agree", "医联体": "agree", "姊妹医院": "agree", "共建": "agree"}
VARIANTS = {"lenient": {}, "family": {"same_family": True}, "strict": {"min_len": 4}}
OLD_RELATION = "合作协议"  # old [A, B, action] rows came from the sister_hospital flag only


def load(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def norm(name: str) -> str:
    return "".join(ch for ch in to_simplified(name).lower()
                   if not (ch.isspace() or unicodedata.category(ch)[0] in "PS"))


def name_ok(gold: str, name: str, aliases: dict, min_len: int = 3) -> bool:
    if gold in PLACEHOLDERS:
        return True
    s = norm(name)
    for g in {norm(gold)} | {norm(a) for a in aliases.get(gold, [])}:
        short, long_ = sorted((g, s), key=len)
        if g == s or (len(short) >= min_len and short in long_):
            return True
    return False


def pair_ok(gold: dict, pair: dict, aliases: dict, same_family: bool = False,
            min_len: int = 3) -> bool:
    if same_family and FAMILY.get(gold["relation"]) != FAMILY.get(pair.get("relation")):
        return False
    a, b = gold["a"], gold["b"]
    return ((name_ok(a, pair["a"], aliases, min_len) and name_ok(b, pair["b"], aliases, min_len))
            or (name_ok(a, pair["b"], aliases, min_len)
                and name_ok(b, pair["a"], aliases, min_len)))


def as_pair(item) -> dict:
    """One pair of ``monitor classify``'s ``partners``: an object, or an old [A, B, action]."""
    if isinstance(item, dict):
        return item
    a, b, action = item
    return {"a": a, "b": b, "relation": OLD_RELATION, "action": action}


def match_row(gold: dict, system: list[dict], **kw) -> tuple[list[dict], list[dict]]:
    """(gold pairs missed, system pairs left over) of one row, matched greedily one to one,
    gold pairs with a placeholder side last."""
    left = list(system)
    missed = []
    for g in sorted(gold["partners"], key=lambda p: p["a"] in PLACEHOLDERS
                    or p["b"] in PLACEHOLDERS):
        hit = next((i for i, p in enumerate(left) if pair_ok(g, p, gold["aliases"], **kw)), None)
        if hit is None:
            missed.append(g)
        else:
            left.pop(hit)
    return missed, left


def score(gold_rows: list[dict], system: dict[str, list[dict]], **kw) -> dict:
    tp = fp = fn = 0
    for g in gold_rows:
        missed, extra = match_row(g, system.get(g["id"], []), **kw)
        fn += len(missed)
        tp += len(g["partners"]) - len(missed)
        fp += len(extra)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {"tp": tp, "fp": fp, "fn": fn, "precision": round(p, 3), "recall": round(r, 3),
            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}


def system_pairs(texts: list[dict], ids: set[str]) -> dict[str, list[dict]]:
    """What ``monitor classify`` gives as ``partners`` for each row of ``ids``."""
    return {row["id"]: [as_pair(p) for p in
                        flags_to_dict(classify(row["title"], row["body"]))["partners"]]
            for row in texts if row["id"] in ids}


def evaluate(texts_path: Path = TEXTS, gold_path: Path = GOLD) -> dict:
    """Scores per split (clear, ambiguous, all) and variant, the gold rows and the output."""
    gold = load(gold_path)
    system = system_pairs(load(texts_path), {g["id"] for g in gold})
    splits = {"clear": [g for g in gold if not g["ambiguous"]],
              "ambiguous": [g for g in gold if g["ambiguous"]], "all": gold}
    scores = {split: {v: score(rows, system, **kw) for v, kw in VARIANTS.items()}
              for split, rows in splits.items()}
    return {"scores": scores, "gold": gold, "system": system}


def _show(pair: dict) -> str:
    return f"{pair['a']} | {pair['b']} ({pair.get('relation')})"


def format_report(result: dict, verbose: bool = False) -> str:
    lines = []
    for split, variants in result["scores"].items():
        lines.append(f"== {split}")
        for variant, s in variants.items():
            lines.append(f"  {variant:8} P={s['precision']:.3f} R={s['recall']:.3f} "
                         f"F1={s['f1']:.3f}  (tp={s['tp']} fp={s['fp']} fn={s['fn']})")
    if verbose:
        for g in result["gold"]:
            missed, extra = match_row(g, result["system"].get(g["id"], []))
            if missed or extra:
                lines.append(f"-- {g['id']}{' (ambiguous)' if g['ambiguous'] else ''}")
                lines += [f"   MISS  {_show(p)}" for p in missed]
                lines += [f"   EXTRA {_show(p)}" for p in extra]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    for path in (TEXTS, GOLD):
        if not path.exists():
            print(f"{path} not found (../shared/labelled beside the repository, "
                  "or MONITOR_LABELLED)")
            return 2
    print(f"## partners: {GOLD}")
    print(format_report(evaluate(), verbose="-v" in args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
