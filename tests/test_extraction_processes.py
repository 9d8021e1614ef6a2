"""Extraction in worker processes (``MONITOR_EXTRACT_PROCESSES``): the same articles as in
the crawl process, and a worker that dies fails only the page it died on."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from monitor.config.loader import load_settings
from monitor.crawling.extraction import ExtractionCrashed, Extractor, extract_in_worker
from monitor.errors import ConfigError
from monitor.page.fetched import Page
from monitor.page.saved import iter_pages

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "seeds" / "site"


def saved_pages(count: int) -> list[Page]:
    pages = [Page.from_saved(p) for p in iter_pages(SITE) if p.expected is not None]
    return pages[:count]


def extract_all(extractor: Extractor, pages: list[Page]) -> list[dict]:
    async def run():
        return await asyncio.gather(*(extractor.extract(page, source="s") for page in pages))

    try:
        return [asdict(article) for article in asyncio.run(run())]
    finally:
        extractor.close()


def test_articles_extracted_in_worker_processes_are_those_of_the_crawl_process():
    pages = saved_pages(6)
    inline = extract_all(Extractor(0), pages)
    pooled = extract_all(Extractor(2), pages)
    assert pooled == inline
    assert all(article["raw_html"] for article in pooled)  # the raw page is put back


def dies_on_marked_pages(page: Page, options: dict):
    """A worker's function that dies (as a killed process would) on pages marked "die"."""
    if "die" in page.url:
        os._exit(1)
    return extract_in_worker(page, options)


def test_a_worker_that_dies_fails_its_page_only_and_the_next_pages_get_a_new_pool():
    [good] = saved_pages(1)
    doomed = Page(url="https://example.org/die.html", body=good.body, headers=good.headers)
    extractor = Extractor(1, target=dies_on_marked_pages)

    async def run():
        return await asyncio.gather(extractor.extract(doomed), extractor.extract(good),
                                    return_exceptions=True)

    try:
        crashed, article = asyncio.run(run())
        assert isinstance(crashed, ExtractionCrashed)
        assert "died while reading https://example.org/die.html" in str(crashed)
        assert article.url == good.url and article.body  # in flight alongside: tried again
        again = asyncio.run(extractor.extract(good))
        assert again.body == article.body
    finally:
        extractor.close()


def test_a_negative_number_of_processes_is_refused():
    with pytest.raises(ConfigError, match="-s MONITOR_EXTRACT_PROCESSES='-1' is negative"):
        load_settings(MONITOR_EXTRACT_PROCESSES="-1")


def stored(database: str) -> list[tuple]:
    engine = create_engine(database)
    try:
        with engine.connect() as connection:
            return sorted(tuple(row) for row in connection.execute(text(
                "SELECT url_key, title, body, published_at, medical_aid, sister_hospital, "
                "duplicate_of IS NOT NULL FROM articles")))
    finally:
        engine.dispose()


def test_a_crawl_with_extraction_processes_stores_what_a_crawl_without_them_stores(tmp_path):
    databases = {}
    for processes in ("0", "1"):
        data = tmp_path / processes
        databases[processes] = f"sqlite:///{data / 'monitor.db'}"
        env = {**os.environ, "MONITOR_DATA_DIR": str(data),
               "MONITOR_DATABASE_URL": databases[processes], "MONITOR_DOWNLOAD_DELAY": "0"}
        done = subprocess.run(
            [sys.executable, "-m", "monitor.cli.main", "crawl", "--replay", str(SITE),
             "-s", f"MONITOR_EXTRACT_PROCESSES={processes}"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
    inline, pooled = stored(databases["0"]), stored(databases["1"])
    assert len(inline) >= 10
    assert pooled == inline
