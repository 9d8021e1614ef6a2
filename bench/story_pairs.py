"""Story grouping on real repost pairs: ``.venv/bin/python -m bench.story_pairs [FILE]``
(``make bench-stories``).

``../shared/labelled/story-pairs-dev.jsonl`` (or ``$MONITOR_STORY_PAIRS``, or ``FILE``):
40 real pairs of texts from different sites, 20 of one story (reposts with a changed
source line, trimmed or extended copies, traditional-character and synonym-spun copies,
separate write-ups of one event) and 20 hard negatives (the next batch of one aid team,
next year's edition, the same hospital with another partner); see its README. The file is
third-party: read in place, never copied into the repository.

Each pair goes the way the crawl stores articles: ``a`` then ``b`` through cleaning
(``monitor.article.clean``), dates (``monitor.article.dates``), dedup keys
(``monitor.judgement.dedup``) and
``Storage.add_article`` into an empty SQLite database (``group_story``: band look-up,
confirmation, story). The pair is grouped when ``b`` lands in ``a``'s story. Printed:
same-story recall, false merges among the different-event pairs, per ``how``, and the
wrong pair ids (the order ``b`` then ``a`` is checked too and any disagreement listed).

First look, scored before any row was read (issue 22): 15 of 20 same-story pairs grouped
(traditional 5/5, trimmed-or-extended 2/2, source-line-changed 3/4, verbatim-repost 3/3,
synonym-spun 1/2, separate-write-up 1/4), 0 of 20 different-event pairs merged.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from monitor.article.clean import clean_article
from monitor.article.dates import resolve_published
from monitor.article.item import Article
from monitor.judgement.dedup import dedup_keys
from monitor.storage.database import Storage
from monitor.storage.migrations import open_storage

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT.parent / "shared" / "labelled" / "story-pairs-dev.jsonl"
FETCHED = datetime(2025, 6, 1, tzinfo=UTC)  # the texts carry no fetch time: any fixed one


def pairs_path(argument: str | None = None) -> Path:
    return Path(argument or os.environ.get("MONITOR_STORY_PAIRS") or PAIRS)


def load_pairs(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def article(side: dict, number: int) -> Article:
    """The stored form of one side of a pair, through the crawl's pure steps."""
    item = Article(url=side.get("url") or f"https://example.org/{number}.html", source="bench",
                   fetched_at=FETCHED, title=side.get("title"), body=side.get("body"),
                   outlet=side.get("outlet"), raw_html=b"")
    return dedup_keys(resolve_published(clean_article(item)))


def grouped(storage: Storage, first: dict, second: dict) -> bool:
    """Whether ``second`` is put in ``first``'s story when stored after it."""
    a, b = article(first, 1), article(second, 2)
    a_id, b_id = storage.add_article(a), storage.add_article(b)
    members = storage.story_members(a_id)
    return any(m.id == b_id for m in members)


@dataclass
class Result:
    same: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    merged: dict[str, list[bool]] = field(default_factory=lambda: defaultdict(list))
    wrong: list[str] = field(default_factory=list)
    asymmetric: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        return sum(sum(v) for v in self.same.values())

    @property
    def positives(self) -> int:
        return sum(len(v) for v in self.same.values())

    @property
    def recall(self) -> float:
        return self.found / self.positives if self.positives else 0.0

    @property
    def false_merges(self) -> int:
        return sum(sum(v) for v in self.merged.values())


def evaluate(pairs: list[dict]) -> Result:
    result = Result()
    with tempfile.TemporaryDirectory() as folder:
        for number, pair in enumerate(pairs):
            decisions = []
            for order, (x, y) in enumerate(((pair["a"], pair["b"]), (pair["b"], pair["a"]))):
                storage = open_storage(f"sqlite:///{Path(folder) / f'{number}-{order}.db'}")
                decisions.append(grouped(storage, x, y))
                storage.close()
            together = decisions[0]
            (result.same if pair["same_story"] else result.merged)[pair["how"]].append(together)
            if together != pair["same_story"]:
                result.wrong.append(pair["id"])
            if decisions[0] != decisions[1]:
                result.asymmetric.append(pair["id"])
    return result


def format_result(result: Result) -> str:
    lines = ["| how | pairs | grouped |", "|---|---:|---:|"]
    for how, got in sorted(result.same.items()):
        lines.append(f"| {how} (same story) | {len(got)} | {sum(got)} |")
    for how, got in sorted(result.merged.items()):
        lines.append(f"| {how} (different) | {len(got)} | {sum(got)} (false merges) |")
    negatives = sum(len(v) for v in result.merged.values())
    lines += ["", f"Same-story recall {result.found}/{result.positives} = {result.recall:.2f}; "
                  f"false merges {result.false_merges}/{negatives}.",
              "Wrong: " + (", ".join(result.wrong) or "none") + ".",
              "Order-dependent (b then a decides otherwise): "
              + (", ".join(result.asymmetric) or "none") + "."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    path = pairs_path(args[0] if args else None)
    if not path.exists():
        print(f"{path} not found: ../shared must sit beside the repository "
              "(or set MONITOR_STORY_PAIRS)")
        return 2
    print(f"## Story grouping on {path.name}\n")
    print(format_result(evaluate(load_pairs(path))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
