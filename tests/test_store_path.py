"""The storage path of a crawl: the links of a list page are looked up in one query, a
link to a stored article is not downloaded again even when the article is stored under
its canonical page's key, and a new article costs one transaction (URL key, text
fingerprint, insert and story together)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy import Request, signals
from scrapy.utils.test import get_crawler
from sqlalchemy import event
from sqlalchemy.engine import Engine

from monitor.article.item import Article
from monitor.crawling.skip_stored import SkipStoredMiddleware
from monitor.judgement.dedup import dedup_keys
from monitor.storage.migrations import open_storage
from pipelines.store import StorePipeline

LISTED = "https://news.example.org/a/2025/0504/1.html?from_list=1"  # the link as listed
CANONICAL = "https://news.example.org/a/2025/0504/1.html"  # the page's own canonical link


def article(url=LISTED, canonical=CANONICAL, body="援疆医疗队到达。" * 30) -> Article:
    return Article(url=url, canonical_url=canonical, source="s", title="援疆", body=body,
                   fetched_at=datetime(2025, 5, 4, tzinfo=UTC), raw_html=b"<p></p>")


@pytest.fixture
def statements():
    """SQL statements and commits run by any engine while a test runs."""
    seen = {"select": 0, "commit": 0}

    def on_execute(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen["select"] += 1

    def on_commit(conn):
        seen["commit"] += 1

    event.listen(Engine, "before_cursor_execute", on_execute)
    event.listen(Engine, "commit", on_commit)
    yield seen
    event.remove(Engine, "before_cursor_execute", on_execute)
    event.remove(Engine, "commit", on_commit)


@pytest.fixture
def crawler(db_url):
    crawler = get_crawler(settings_dict={"MONITOR_DATABASE_URL": db_url})
    yield crawler
    crawler.signals.send_catch_log(signals.engine_stopped)  # closes the crawl's storage


def _pipelines(crawler):
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    return store


def test_a_new_article_is_one_transaction_and_gets_its_duplicate_in_it(crawler, statements,
                                                                        db_url):
    store = _pipelines(crawler)
    store.process_item(dedup_keys(article()))
    statements.update(select=0, commit=0)
    copy = article(url="https://other.example.net/x/2.html", canonical=None)
    store.process_item(dedup_keys(copy))
    assert statements["commit"] == 1
    storage = open_storage(db_url)
    first, second = storage.articles()
    assert second.duplicate_of == first.id == copy.duplicate_of  # same text, other page
    storage.close()


def test_a_link_to_an_article_stored_under_its_canonical_key_is_not_fetched(crawler,
                                                                            statements):
    store = _pipelines(crawler)
    store.process_item(dedup_keys(article()))
    middleware = SkipStoredMiddleware(crawler)
    middleware.spider_opened()
    links = [Request(LISTED, meta={"article": True, "source": "s"}),
             Request(CANONICAL, meta={"article": True, "source": "s"})]
    links += [Request(f"https://news.example.org/a/2025/0504/{n}.html",
                      meta={"article": True, "source": "s"}) for n in range(2, 40)]
    next_page = Request("https://news.example.org/a/list_2.html", meta={"source": "s"})
    statements.update(select=0, commit=0)
    kept = list(middleware.process_spider_output(None, [*links, next_page]))
    assert statements["select"] == 1  # one query for the whole list page
    assert kept == [*links[2:], next_page]
    assert crawler.stats.get_value("monitor/s/skipped_stored") == 2
    assert middleware.storage is store.storage  # the crawl's one storage


def test_stored_url_keys(db_url):
    storage = open_storage(db_url)
    stored = article()
    stored.url_key = "news.example.org/a/2025/0504/1.html"
    storage.add_article(stored)
    assert storage.stored_url_keys(
        ["news.example.org/a/2025/0504/1.html", "news.example.org/a/2025/0504/1.html?"
         "from_list=1", "news.example.org/a/2025/0504/2.html"]
    ) == {"news.example.org/a/2025/0504/1.html", "news.example.org/a/2025/0504/1.html?"
          "from_list=1"}
    assert storage.stored_url_keys([]) == set()
    storage.close()
