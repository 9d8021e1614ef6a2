"""The real-page gate: our all-fields share on ../shared/realpages never drops under the
floor pinned in bench/realpages.py (skipped when the pages are absent)."""

from __future__ import annotations

from datetime import datetime

import pytest

from bench import realpages
from bench.realpages import ALL_FIELDS_FLOOR, FETCHED_AT, Found, Truth, check, load, score, totals

PAGES = load()


@pytest.mark.skipif(not PAGES, reason=f"{realpages.realpages_dir()} not present")
def test_all_fields_share_stays_at_or_above_the_floor():
    results = score(PAGES, realpages.ours)
    share = totals(results)["all fields"]
    failing = {page.name: checked.failures
               for page, checked in zip(PAGES, results, strict=True) if checked.failures}
    assert share >= ALL_FIELDS_FLOOR, failing


def _truth(**changes) -> Truth:
    fields = dict(name="x", url="https://example.org/a.html", title="标题",
                  published="2024-05-09T22:27:02+08:00", body_first="第一段开头",
                  body_last="最后一段结尾。", must_not=["责任编辑"], html=b"", content="")
    return Truth(**(fields | changes))


def test_check_wants_every_field_right():
    moment = datetime.fromisoformat("2024-05-09T22:27:59+08:00")
    right = Found("标题", moment, "第一段开头，正文。\n最后一段结尾。（记者 某某）")
    assert check(_truth(), right).all
    assert not check(_truth(), Found("标 题x", moment, right.body)).title
    assert not check(_truth(), Found("标题", moment.replace(hour=0), right.body)).time
    assert not check(_truth(), Found("标题", moment, "标题\n" + right.body)).ends
    assert not check(_truth(), Found("标题", moment, right.body + "\n责任编辑：某")).clean
    day_only = _truth(published="2024-05-09")
    assert check(day_only, Found("标题", moment.replace(hour=0, minute=0), right.body)).time
    assert FETCHED_AT > moment
