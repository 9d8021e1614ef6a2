from datetime import UTC, datetime, timedelta, timezone

import pytest

from monitor.article.item import Article, Evidence, Flag, Flags
from monitor.storage.database import Storage
from monitor.storage.engine import StorageError
from monitor.storage.migrations import open_storage

CST = timezone(timedelta(hours=8))


def article(url="https://www.chinanews.com.cn/gn/2025/05-04/1.shtml", key="k1", **kw) -> Article:
    values = dict(
        url=url, source="chinanews-scroll", fetched_at=datetime(2025, 5, 4, 16, 0, tzinfo=CST),
        raw_html="<p>援疆</p>".encode(), title="援疆", body="正文" * 150, url_key=key,
        published_at=datetime(2025, 5, 4, 14, 29, tzinfo=CST), fingerprint="f" * 40,
        flags=Flags(medical_aid=Flag(True, 3.0, [Evidence("组团式援疆。", ["组团式", "援疆"])]),
                    sister_hospital=Flag(False, 0.0), institutions=["第一师医院"], places=["新疆"]),
    )
    values.update(kw)
    return Article(**values)


def test_article_round_trip_keeps_raw_bytes_times_and_flags(db_url):
    storage = open_storage(db_url)
    article_id = storage.add_article(article())
    (row,) = storage.articles()
    assert row.id == article_id and row.raw_html == "<p>援疆</p>".encode()
    assert row.published_at == datetime(2025, 5, 4, 6, 29, tzinfo=UTC)
    assert row.medical_aid and not row.sister_hospital
    assert row.flags["medical_aid"]["evidence"][0]["terms"] == ["组团式", "援疆"]
    assert row.flags["places"] == ["新疆"]
    storage.close()


def test_same_url_key_is_stored_once(db_url):
    storage = open_storage(db_url)
    assert storage.add_article(article()) is not None
    assert storage.add_article(article(url="http://other/form")) is None
    assert storage.count_articles() == 1 and storage.has_url_key("k1")
    assert not storage.has_url_key("k2")
    storage.close()


def test_flagged_and_day_filters(db_url):
    storage = open_storage(db_url)
    storage.add_article(article())
    storage.add_article(article(key="k2", flags=None, fingerprint=None))
    assert len(storage.articles(flagged_only=True)) == 1
    later = datetime.now(UTC) + timedelta(hours=1)
    assert storage.articles(first_seen_from=later) == []
    assert storage.article_id_by_fingerprint("f" * 40) == 1
    storage.close()


def test_runs_are_recorded_with_coverage(db_url):
    storage = open_storage(db_url)
    run_id = storage.start_run("chinanews-scroll", "chinanews")
    storage.add_article(article(), run_id=run_id)
    storage.add_article(article(key="k2", outlet="中国新闻网", published_at=None, body="短"),
                        run_id=run_id)
    coverage = storage.run_coverage(run_id)
    assert coverage == {"date": 0.5, "outlet": 0.5, "body": 0.5}
    assert storage.last_successful_run("chinanews-scroll") is None
    storage.finish_run(run_id, reason="finished", pages=3, new_articles=2,
                       errors={"http_404": 1}, stats={"coverage": coverage})
    last = storage.last_successful_run("chinanews-scroll")
    assert last.id == run_id and last.errors == {"http_404": 1} and last.finished_at is not None
    storage.close()


def test_naive_datetimes_are_refused(db_url):
    storage = open_storage(db_url)
    with pytest.raises(Exception, match="naive datetime"):
        storage.add_article(article(published_at=datetime(2025, 5, 4, 14, 29)))
    storage.close()


def test_locked_database_gives_a_plain_error_and_loses_nothing(tmp_path):
    import sqlite3

    path = tmp_path / "m.db"
    open_storage(f"sqlite:///{path}").close()
    storage = Storage(f"sqlite:///{path}", busy_timeout_ms=20)
    storage.retry_attempts, storage.retry_delay = 3, 0.01
    storage.add_article(article())
    locker = sqlite3.connect(path, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    with pytest.raises(StorageError, match=r"could not store .* after 3 tries: database is locked"):
        storage.add_article(article(key="k2"))
    locker.execute("ROLLBACK")
    locker.close()
    assert storage.add_article(article(key="k2")) is not None  # works again once unlocked
    assert storage.count_articles() == 2
    storage.close()


def test_copies_join_one_story_whose_representative_is_the_original(db_url):
    storage = open_storage(db_url)
    repost = storage.add_article(article(
        url="https://www.163.com/dy/article/KDJ3BQ9B0534A4SC.html", key="163",
        site="netease", outlet="中国新闻网", fingerprint=None))
    farm = storage.add_article(article(
        url="http://www.jkzx365.com/a/1.html", key="farm", site="generic", outlet=None,
        low_quality=True, fingerprint=None, story_of=repost))
    original = storage.add_article(article(
        url="https://www.chinanews.com.cn/gn/2025/05-04/1.shtml", key="cn", site="chinanews",
        outlet="中国新闻网", fingerprint=None, story_of=farm))
    other = storage.add_article(article(key="other", fingerprint=None))
    views = storage.stories(first_seen_from=datetime(2000, 1, 1, tzinfo=UTC),
                            first_seen_to=datetime.now(UTC) + timedelta(seconds=1))
    assert len(views) == 2
    story = next(v for v in views if len(v.members) == 3)
    assert story.representative.id == original  # the publisher's own page, not a repost
    assert {m.id for m in story.others} == {repost, farm}
    assert story.story.members == 3
    assert story.story.earliest_published_at == datetime(2025, 5, 4, 6, 29, tzinfo=UTC)
    assert next(v for v in views if v is not story).representative.id == other
    storage.close()
