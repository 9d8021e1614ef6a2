"""Flags on every saved article page: seeds/site/**/expected.json gives title, body and flags.

Pages other than the seed articles are hard negatives (义诊, company deals, sister cities,
education aid …) and must get no flag."""

import json
from pathlib import Path

import pytest

from monitor.judgement.flags import classify

SITE = Path(__file__).resolve().parents[1] / "seeds" / "site"
EXPECTED = sorted(SITE.rglob("expected.json"))


def test_saved_pages_exist():
    assert EXPECTED, f"no expected.json under {SITE}"


@pytest.mark.parametrize("path", EXPECTED, ids=[str(p.parent.relative_to(SITE)) for p in EXPECTED])
def test_saved_page_flags(path):
    expected = json.loads(path.read_text("utf-8"))
    flags = classify(expected.get("title") or "", expected.get("body") or "")
    evidence = {f: [e.sentence for e in getattr(flags, f).evidence[:2]] for f in flags.names}
    assert sorted(flags.names) == sorted(expected["flags"]), evidence
