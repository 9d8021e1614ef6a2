from dataclasses import replace
from pathlib import Path

from monitor.article.item import Flag, Flags
from monitor.config.sources import load_sources
from monitor.judgement.dedup import dedup_keys
from monitor.judgement.flags import classify
from monitor.ops.reprocess import reprocess
from monitor.page.fetched import Page
from monitor.page.saved import load_page
from monitor.processing import process_page
from monitor.storage.migrations import open_storage

ROOT = Path(__file__).resolve().parent.parent
SEED_002 = ROOT / "seeds" / "site" / "www.dmu.edu.cn" / "info-1142-23456.htm"
NEGATIVE = ROOT / "seeds" / "site" / "www.dmu.edu.cn" / "info-1142-23398.htm"


def stored_as_old_rules_left_it(storage, folder, flags):
    """Store a saved page the way an older version of the rules processed it."""
    article = process_page(Page.from_saved(load_page(folder)), source="dmu-news",
                           kind="university")
    dedup_keys(article)
    article.title = "(old extraction)"
    article.flags = flags
    return storage.add_article(article)


def test_reprocess_applies_current_rules_to_stored_raw_pages(db_url):
    storage = open_storage(db_url)
    unflagged = Flags(medical_aid=Flag(False, 0.0), sister_hospital=Flag(False, 0.0))
    wrongly = replace(unflagged, medical_aid=Flag(True, 9.0))
    seed = stored_as_old_rules_left_it(storage, SEED_002, unflagged)
    negative = stored_as_old_rules_left_it(storage, NEGATIVE, wrongly)
    before = {r.id: r.first_seen_at for r in storage.articles()}

    report = reprocess(storage, {s.name: s for s in load_sources(ROOT / "sources.toml")})

    assert report.articles == 2
    changes = {c.article_id: (c.before, c.after) for c in report.flag_changes}
    assert changes == {seed: ([], ["sister_hospital"]), negative: (["medical_aid"], [])}
    rows = {r.id: r for r in storage.articles()}
    assert rows[seed].title == "附属第一医院与复旦大学附属中山医院签订战略合作框架协议"
    assert rows[seed].sister_hospital and rows[seed].flags["partners"]
    assert rows[seed].story_signature is not None
    assert {i: r.first_seen_at for i, r in rows.items()} == before  # history kept
    expected = classify(rows[seed].title, rows[seed].body)
    assert rows[seed].flags["sister_hospital"]["score"] == expected.sister_hospital.score
    storage.close()
