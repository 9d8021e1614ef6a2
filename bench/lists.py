"""List pages nobody here wrote: ``../shared/reallists`` (9 real Chinese list pages with
hand-checked item links, shown dates and next page), scored the way its README says:
``.venv/bin/python -m bench.lists`` (``make bench-lists``).

The pages are read from ``../shared/reallists`` (or ``$MONITOR_REALLISTS``); they are
third-party pages and never copied into this repository. Without them the bench says so
and scores nothing.

What is run is what ``monitor check URL`` and the spiders run on a list page of a source
without selectors: ``family_for_kind(None, page).parse_list(page, {})`` with the page's
``url`` as base, the shown dates read by ``monitor.dates.parse_date`` as the spider does.
Every page is fetched "at" ``FETCHED_AT`` (after the newest capture: the year of year-less
dates, the base of relative ones).

Per page and micro-averaged over the pages:

* **link recall** / **link precision**: sets of distinct links, normalised (http = https,
  host lowercased, default port and fragment dropped, query parameters sorted, path kept);
* **date read**: share of the expected items that show a date for which the system gives a
  date (``parse_date`` reads it), the item matched by link;
* **date right**: of those, the share whose date is the shown one at the precision shown
  (ISO entries; year-less ``MM-DD`` in 2020); relative entries are not checked;
* **next page**: the first next page found equals the truth's; a page whose pager is
  script-only, "load more" or hash-only (``#page=2``: the same document) is right when
  none is found.

netease_rank (a ranking page of 24 panels, no single main list) is reported on its own;
the micro-averages are over the other eight pages.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

from monitor.article.dates import parse_date
from monitor.extraction.family import ListPage
from monitor.extraction.registry import family_for_kind
from monitor.page.fetched import Page

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")
FETCHED_AT = datetime(2020, 8, 17, 12, 0, tzinfo=TZ)
APART = "gerapy_netease_rank"  # the 24-panel ranking page, reported on its own
# The first look, before list detection by page structure (commit 799680e, the site
# families' list rules with their URL heuristics): (recall, precision, date read, next page
# right) over the eight pages, and on netease_rank.
BEFORE = {
    "eight": (0.594, 0.936, 0.616, "8/8"),
    APART: (0.764, 0.392, 1.0, "1/1"),
}
# The targets of issue 20 over the eight pages.
TARGETS = {"recall": 0.95, "precision": 0.98, "date read": 0.90}


def reallists_dir() -> Path:
    return Path(os.environ.get("MONITOR_REALLISTS") or ROOT.parent / "shared" / "reallists")


def normalise(url: str) -> str:
    """The README's comparison key: scheme-free, host lowercased, default port and fragment
    dropped, query parameters sorted, path as it is."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return urlunsplit(("", host, parts.path, query, ""))


@dataclass
class Truth:
    name: str
    url: str
    links: list[str]
    dates: list[str]
    next_page: str
    html: bytes


@dataclass
class Score:
    name: str
    expected: int = 0  # distinct expected links
    found: int = 0  # distinct found links
    hit: int = 0
    dated: int = 0  # expected items that show a date
    read: int = 0  # of those, items the system gives a date for
    checked: int = 0  # dated items whose date can be checked (not relative)
    right: int = 0
    next_right: bool = False
    next_found: str = ""
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.hit / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.hit / self.found if self.found else (1.0 if not self.expected else 0.0)

    @property
    def date_read(self) -> float:
        return self.read / self.dated if self.dated else 1.0


def load(folder: Path | None = None) -> list[Truth]:
    """Every page of truth.tsv with its raw bytes; [] when the folder is absent."""
    folder = folder or reallists_dir()
    table = folder / "truth.tsv"
    if not table.is_file():
        return []
    csv.field_size_limit(10**8)
    with table.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [
        Truth(
            name=Path(row["file"]).stem,
            url=row["url"],
            links=[s.strip() for s in row["expected_links"].split("||")],
            dates=[s.strip() for s in row["shown_dates"].split("||")],
            next_page=row["next_page"].strip(),
            html=(folder / row["file"]).read_bytes(),
        )
        for row in rows
    ]


def run(truth: Truth) -> tuple[ListPage, Page]:
    """What the crawl and ``monitor check`` find on the page, with no source selectors."""
    page = Page(url=truth.url, body=truth.html, fetched_at=FETCHED_AT)
    return family_for_kind(None, page).parse_list(page, {}), page


def _date_right(shown: str, found: datetime) -> bool | None:
    """Whether ``found`` is the ``shown`` date at its precision; None when not checkable."""
    if shown[:1].isdigit() and len(shown) >= 10 and shown[4] == "-":
        precision = len(shown)  # 2020-07-02 or 2020-08-16T22:26 or …:38
        return found.strftime("%Y-%m-%dT%H:%M:%S")[:precision] == shown
    if len(shown) == 5 and shown[2] == "-" and shown.replace("-", "").isdigit():
        return found.strftime("%m-%d") == shown and found.year == 2020
    return None


def score(truth: Truth, listing: ListPage, page: Page) -> Score:
    result = Score(truth.name)
    expected = list(dict.fromkeys(normalise(url) for url in truth.links))
    found_links: dict[str, object] = {}
    for link in listing.articles:
        found_links.setdefault(normalise(link.url), link)
    result.expected, result.found = len(expected), len(found_links)
    result.hit = len(set(expected) & set(found_links))
    result.missed = [url for url in expected if url not in found_links]
    result.extra = [url for url in found_links if url not in set(expected)]
    for url, shown in zip(truth.links, truth.dates, strict=False):
        if not shown:
            continue
        result.dated += 1
        link = found_links.get(normalise(url))
        listed = getattr(link, "listed_at", None)
        when = parse_date(listed, fetched_at=page.fetched_at) if listed else None
        if when is None:
            result.unread.append(f"{url} shown {shown!r}, listed {listed!r}")
            continue
        result.read += 1
        right = _date_right(shown, when)
        if right is not None:
            result.checked += 1
            result.right += right
            if not right:
                result.wrong.append(f"{url} shown {shown!r}, listed {listed!r}"
                                    f" = {when:%Y-%m-%d %H:%M}")
    first = listing.next_pages[0] if listing.next_pages else ""
    result.next_found = first
    wanted = normalise(truth.next_page) if truth.next_page else ""
    if wanted == normalise(truth.url):  # hash-only pager: the same document
        wanted = ""
    result.next_right = (normalise(first) == wanted) if wanted else not first
    return result


def micro(scores: list[Score]) -> Score:
    total = Score("micro")
    for one in scores:
        for name in ("expected", "found", "hit", "dated", "read", "checked", "right"):
            setattr(total, name, getattr(total, name) + getattr(one, name))
    total.next_right = all(one.next_right for one in scores)
    return total


def _row(name: str, one: Score, nexts: str) -> str:
    right = f"{one.right}/{one.checked}" if one.checked else "-"
    return (f"{name:34} {one.hit:4}/{one.expected:<4} {one.found:5} {one.recall:7.3f} "
            f"{one.precision:9.3f} {one.read:4}/{one.dated:<4} {one.date_read:6.3f} "
            f"{right:>9} {nexts:>6}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--misses", action="store_true",
                        help="print the missed and extra links and the unread dates")
    args = parser.parse_args(argv)
    pages = load()
    if not pages:
        print(f"{reallists_dir()} not found (../shared beside the repository, or "
              "MONITOR_REALLISTS): nothing scored")
        return 0
    header = (f"{'page':34} {'hit/exp':>9} {'found':>5} {'recall':>7} {'precision':>9} "
              f"{'dates read':>9} {'share':>6} {'date right':>9} {'next':>6}")
    print(header)
    scores = []
    for truth in pages:
        listing, page = run(truth)
        one = score(truth, listing, page)
        scores.append(one)
        print(_row(truth.name, one, "right" if one.next_right else "WRONG"))
        if args.misses:
            for url in one.missed:
                print(f"    missed {url}")
            for url in one.extra:
                print(f"    extra  {url}")
            for line in one.unread:
                print(f"    no date {line}")
            for line in one.wrong:
                print(f"    wrong date {line}")
            if not one.next_right:
                print(f"    next page found {one.next_found!r}")
    eight = [one for one in scores if one.name != APART]
    apart = [one for one in scores if one.name == APART]
    total = micro(eight)
    nexts = f"{sum(one.next_right for one in eight)}/{len(eight)}"
    print()
    print(_row(f"micro, {len(eight)} pages", total, nexts))
    print()
    print(f"{'':34} {'recall':>7} {'precision':>9} {'date read':>9} {'next':>6}")
    before = BEFORE["eight"]
    print(f"{'before, ' + str(len(eight)) + ' pages':34} {before[0]:7.3f} {before[1]:9.3f} "
          f"{before[2]:9.3f} {before[3]:>6}")
    print(f"{'now, ' + str(len(eight)) + ' pages':34} {total.recall:7.3f} "
          f"{total.precision:9.3f} {total.date_read:9.3f} {nexts:>6}")
    if apart:
        before, now = BEFORE[APART], apart[0]
        print(f"{'before, ' + APART:34} {before[0]:7.3f} {before[1]:9.3f} {before[2]:9.3f} "
              f"{before[3]:>6}")
        print(f"{'now, ' + APART:34} {now.recall:7.3f} {now.precision:9.3f} "
              f"{now.date_read:9.3f} {'1/1' if now.next_right else '0/1':>6}")
    met = (total.recall >= TARGETS["recall"] and total.precision >= TARGETS["precision"]
           and total.date_read >= TARGETS["date read"])
    print(f"targets (recall ≥ {TARGETS['recall']}, precision ≥ {TARGETS['precision']}, "
          f"date read ≥ {TARGETS['date read']}): {'met' if met else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
