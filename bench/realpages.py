"""Extraction on real pages nobody here wrote: ``../shared/realpages`` (40 Chinese news and
institutional article pages with hand-written truth), ours side by side with trafilatura
and GNE in the same run: ``.venv/bin/python -m bench.realpages`` (``make bench-extraction``
runs it after the saved-page bench).

The pages are read from ``../shared/realpages`` (or ``$MONITOR_REALPAGES``); they are
third-party pages and never copied into this repository. Without them the bench says so
and scores nothing.

Checks per page (the realpages README's suggested use):

* **title**: exact after whitespace normalisation;
* **time**: the shown publication time to the minute (to the day where the truth is a
  date only);
* **body first/last**: the body starts with ``body_first`` and its last
  ``TAIL_SLACK`` characters contain ``body_last`` (a kept trailing credit is tolerated);
* **no noise**: none of the ``must_not`` strings in the body;
* **all fields**: the four above on the same page;
* **body F1**: character F1 (bag of non-whitespace characters) against ``content/``, which
  keeps captions and credits the truth leaves out: a secondary measure.

Comparisons ignore whitespace. Ours is ``process_page`` with no source (family detected
from the page); trafilatura is ``bare_extraction`` with the same settings as our fallback
step; GNE is ``GeneralNewsExtractor().extract``, its time read by ``monitor.article.dates``. Every
page is fetched "at" ``FETCHED_AT`` (after the newest page; years of yearless dates).
"""

from __future__ import annotations

import csv
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.extraction import char_f1
from monitor.article.clean import normalise_line
from monitor.article.dates import parse_date
from monitor.extraction.chain import run_trafilatura
from monitor.page.fetched import Page
from monitor.processing import process_page

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
FETCHED_AT = datetime(2024, 12, 31, tzinfo=TZ)
TAIL_SLACK = 60  # body_last within this many characters of the end (a trailing credit)
# The all-fields share of ours on the real pages must not drop under this: the value last
# measured (tests/test_realpages.py). Raise it when extraction improves; never above.
ALL_FIELDS_FLOOR = 0.95
COLUMNS = ("title", "time", "body first/last", "no noise", "all fields", "body F1")


def realpages_dir() -> Path:
    return Path(os.environ.get("MONITOR_REALPAGES") or ROOT.parent / "shared" / "realpages")


@dataclass
class Truth:
    name: str
    url: str
    title: str
    published: str
    body_first: str
    body_last: str
    must_not: list[str]
    html: bytes
    content: str


@dataclass
class Found:
    title: str | None
    published: datetime | None
    body: str | None


@dataclass
class Checked:
    title: bool
    time: bool
    ends: bool
    clean: bool
    f1: float
    failures: list[str] = field(default_factory=list)

    @property
    def all(self) -> bool:
        return self.title and self.time and self.ends and self.clean

    def value(self, column: str) -> float:
        return {"title": self.title, "time": self.time, "body first/last": self.ends,
                "no noise": self.clean, "all fields": self.all, "body F1": self.f1}[column]


def load(folder: Path | None = None) -> list[Truth]:
    """Every page of truth.tsv with its raw bytes and content gold; [] when absent."""
    folder = folder or realpages_dir()
    table = folder / "truth.tsv"
    if not table.is_file():
        return []
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    pages = []
    for row in rows:
        name = Path(row["file"]).stem
        content = folder / "content" / f"{name}.txt"
        pages.append(Truth(
            name=name, url=row["url"], title=row["title"], published=row["published"],
            body_first=row["body_first"], body_last=row["body_last"],
            must_not=[s.strip() for s in row["must_not"].split("||") if s.strip()],
            html=(folder / row["file"]).read_bytes(),
            content=content.read_text(encoding="utf-8") if content.is_file() else "",
        ))
    return pages


def _squash(text: str | None) -> str:
    return "".join((text or "").split())


def _same_moment(found: datetime | None, published: str) -> bool:
    if found is None:
        return False
    if "T" not in published:  # the page shows a date only
        return found.astimezone(TZ).date().isoformat() == published
    gold = datetime.fromisoformat(published).astimezone(TZ)
    moment = found if found.tzinfo else found.replace(tzinfo=TZ)
    return moment.astimezone(TZ).strftime("%Y%m%d%H%M") == gold.strftime("%Y%m%d%H%M")


def check(truth: Truth, found: Found) -> Checked:
    body = _squash(found.body)
    first, last = _squash(truth.body_first), _squash(truth.body_last)
    title = normalise_line(found.title or "") == normalise_line(truth.title)
    time = _same_moment(found.published, truth.published)
    starts = body.startswith(first)
    ends = last in body[-(len(last) + TAIL_SLACK):] if body else False
    noise = [s for s in truth.must_not if _squash(s) in body]
    failures = []
    if not title:
        failures.append(f"title {found.title!r}")
    if not time:
        shown = found.published.isoformat() if found.published else None
        failures.append(f"time {shown} (shown {truth.published})")
    if not starts:
        failures.append(f"body starts {(found.body or '')[:30]!r}")
    if not ends:
        failures.append(f"body ends {(found.body or '')[-30:]!r}")
    if noise:
        failures.append(f"body has {noise}")
    return Checked(title=title, time=time, ends=starts and ends, clean=bool(body) and not noise,
                   f1=char_f1(found.body, truth.content), failures=failures)


def _page(truth: Truth) -> Page:
    return Page(url=truth.url, body=truth.html, fetched_at=FETCHED_AT)


def ours(truth: Truth) -> Found:
    article = process_page(_page(truth))
    return Found(article.title, article.published_at, article.body)


def trafilatura(truth: Truth) -> Found:
    result = run_trafilatura(_page(truth), [])
    date = result.get("date")
    return Found(result.get("title"), datetime.fromisoformat(date) if date else None,
                 result.get("text"))


def gne(truth: Truth) -> Found:
    from gne import GeneralNewsExtractor

    page = _page(truth)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = GeneralNewsExtractor().extract(page.text)
        except Exception:  # GNE raises on some pages; that page then scores nothing
            return Found(None, None, None)
    shown = result.get("publish_time") or ""
    return Found(result.get("title"), parse_date(shown, fetched_at=FETCHED_AT) if shown else None,
                 result.get("content"))


EXTRACTORS: dict[str, Callable[[Truth], Found]] = {
    "ours": ours, "trafilatura": trafilatura, "GNE": gne,
}


def score(pages: list[Truth], extractor: Callable[[Truth], Found]) -> list[Checked]:
    return [check(truth, extractor(truth)) for truth in pages]


def totals(results: list[Checked]) -> dict[str, float]:
    count = len(results) or 1
    return {column: sum(result.value(column) for result in results) / count
            for column in COLUMNS}


def _cell(column: str, value: float) -> str:
    return f"{value:.3f}" if column == "body F1" else f"{value:.0%}"


def main() -> int:
    folder = realpages_dir()
    pages = load(folder)
    if not pages:
        print(f"real pages: {folder} not found; skipped")
        return 0
    results = {name: score(pages, extractor) for name, extractor in EXTRACTORS.items()}
    print(f"Real pages ({len(pages)} pages of {folder}): share of pages right per field")
    print()
    print("| extractor | " + " | ".join(COLUMNS) + " |")
    print("|---|" + "--:|" * len(COLUMNS))
    summary = {name: totals(checked) for name, checked in results.items()}
    for name, values in summary.items():
        print(f"| {name} | " + " | ".join(_cell(c, values[c]) for c in COLUMNS) + " |")
    print()
    print("Our failures, per page:")
    for truth, checked in zip(pages, results["ours"], strict=True):
        if checked.failures:
            print(f"- {truth.name}: " + "; ".join(checked.failures))
    behind = [f"{column} (behind {other})" for other in EXTRACTORS if other != "ours"
              for column in COLUMNS if summary["ours"][column] < summary[other][column]]
    print()
    if behind:
        print("ours is behind on: " + ", ".join(behind))
        return 1
    print("ours is ahead of or level with trafilatura and GNE on every column")
    return 0


if __name__ == "__main__":
    sys.exit(main())
