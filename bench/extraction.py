"""Our extraction against bare trafilatura on the saved article pages:
``.venv/bin/python -m bench.extraction``.

For every saved page with an ``expected.json`` (seeds/site), ours is ``process_page``
(site rules → JSON-LD / meta → trafilatura, then cleaning and dates), run with the kind
and selectors of the source in sources.toml that crawls the page's host. The baseline is
``trafilatura.bare_extraction`` with metadata on the same text, decoded the same way
(``Page.text``), with the same date-search settings as our own fallback step.

Columns: title exact match (after whitespace normalisation); date exact match (same
calendar minute in Asia/Shanghai; a page expected to have no date matches when none is
given), and the same at day precision (trafilatura's date search mostly finds days only);
body character F1 against expected.json's body, over the bag (multiset) of non-whitespace
characters, so order is ignored but every missing or extra character counts. Prints a
Markdown table per page and totals (rates, mean F1), and exits 1 when ours is behind
trafilatura on any total.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from monitor.article.clean import normalise_line
from monitor.config.sources import load_sources
from monitor.extraction.chain import run_trafilatura
from monitor.page.fetched import Page
from monitor.page.saved import SavedPage, iter_pages
from monitor.processing import process_page

ROOT = Path(__file__).resolve().parents[1]
SITE = ROOT / "seeds" / "site"
TZ = ZoneInfo("Asia/Shanghai")
KIND_OF_SITE = {"netease": "netease", "chinanews": "chinanews", "vsb": "university",
                "generic": "generic"}


@dataclass
class Result:
    title: bool
    date: bool  # same minute
    day: bool  # same calendar day (trafilatura's date search mostly finds days only)
    f1: float


def char_f1(found: str | None, expected: str) -> float:
    """F1 of the bags of non-whitespace characters of ``found`` and ``expected``."""
    ours = Counter("".join((found or "").split()))
    gold = Counter("".join(expected.split()))
    common = sum((ours & gold).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ours.values()), common / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def same_time(found: datetime | None, expected: str | None, *, day: bool = False) -> bool:
    """Same calendar minute (or day) in Asia/Shanghai; naive times are Shanghai times."""
    if expected is None or found is None:
        return found is None and expected is None
    gold = datetime.fromisoformat(expected).astimezone(TZ)
    moment = (found if found.tzinfo else found.replace(tzinfo=TZ)).astimezone(TZ)
    if day:
        return moment.date() == gold.date()
    return moment.replace(second=0, microsecond=0) == gold.replace(second=0, microsecond=0)


def same_title(found: str | None, expected: str | None) -> bool:
    return normalise_line(found or "") == normalise_line(expected or "")


def kind_and_selectors(saved: SavedPage) -> tuple[str, dict | None]:
    """The kind and selectors of the source crawling the page's host (else its family)."""
    host = urlsplit(saved.url).hostname or ""
    for source in load_sources(ROOT / "sources.toml"):
        if any(host == domain or host.endswith("." + domain) for domain in source.domains):
            return source.kind, dict(source.selectors) or None
    return KIND_OF_SITE[saved.expected["site"]], None


def measure(saved: SavedPage) -> tuple[Result, Result, str]:
    """(ours, trafilatura's, the extractor our body came from) for one saved page."""
    expected = saved.expected
    kind, selectors = kind_and_selectors(saved)
    article = process_page(Page.from_saved(saved), kind=kind, selectors=selectors)
    ours = Result(
        title=same_title(article.title, expected["title"]),
        date=same_time(article.published_at, expected["published_at"]),
        day=same_time(article.published_at, expected["published_at"], day=True),
        f1=char_f1(article.body, expected["body"]),
    )
    generic = run_trafilatura(Page.from_saved(saved), [])
    date = datetime.fromisoformat(generic["date"]) if generic.get("date") else None
    theirs = Result(
        title=same_title(generic.get("title"), expected["title"]),
        date=same_time(date, expected["published_at"]),
        day=same_time(date, expected["published_at"], day=True),
        f1=char_f1(generic.get("text"), expected["body"]),
    )
    return ours, theirs, article.extractor or "-"


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


COLUMNS = (  # (header, attribute, is a rate)
    ("title exact", "title", True),
    ("date, same minute", "date", True),
    ("date, same day", "day", True),
    ("body char F1", "f1", False),
)


def _cell(value: float | bool, rate: bool) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    return f"{value:.0%}" if rate else f"{value:.3f}"


def main() -> int:
    pages = [page for page in iter_pages(SITE) if page.expected is not None]
    header = " | ".join(f"{name} ours | {name} traf." for name, _, _ in COLUMNS)
    print(f"| page | our body from | {header} |")
    print("|---|---|" + ":-:|:-:|" * (len(COLUMNS) - 1) + "--:|--:|")
    rows = []
    for saved in pages:
        ours, theirs, extractor = measure(saved)
        rows.append((ours, theirs))
        cells = " | ".join(
            f"{_cell(getattr(ours, attr), rate)} | {_cell(getattr(theirs, attr), rate)}"
            if attr != "f1" else f"{ours.f1:.3f} | {theirs.f1:.3f}"
            for _, attr, rate in COLUMNS
        )
        print(f"| {saved.folder.relative_to(SITE).as_posix()} | {extractor} | {cells} |")
    count = len(rows) or 1
    totals = {name: [sum(getattr(row[side], attr) for row in rows) / count for side in (0, 1)]
              for name, attr, _ in COLUMNS}
    cells = " | ".join(f"{_cell(totals[name][0], rate)} | {_cell(totals[name][1], rate)}"
                       for name, _, rate in COLUMNS)
    print(f"| **all {len(rows)} pages** (rates; mean F1) | | {cells} |")
    behind = [name for name, (ours, theirs) in totals.items() if ours < theirs]
    print()
    if behind:
        print("ours is behind trafilatura on: " + ", ".join(behind))
        return 1
    print("ours is ahead of or level with trafilatura on every column")
    return 0


if __name__ == "__main__":
    sys.exit(main())
