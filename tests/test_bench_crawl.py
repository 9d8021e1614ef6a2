"""The crawl benchmark's site (bench/crawl.py): every copy of a real page is a new article
for the crawler, the list pages lead to every copy through the project's own list
discovery, and the server answers by original URL."""

from __future__ import annotations

import multiprocessing
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from bench import crawl
from monitor.config.sources import load_sources
from monitor.extraction.registry import family_for_kind
from monitor.judgement.dedup import dedup_keys
from monitor.judgement.stories import Signature, band_keys, best_match
from monitor.page.fetched import Page
from monitor.page.urls import url_key
from monitor.processing import process_page

SAVED = crawl.saved_templates()  # small pages: quick to extract; no need of ../shared


def _body(response: bytes) -> bytes:
    return response.split(b"\r\n\r\n", 1)[1]


@pytest.fixture(scope="module")
def site():
    return crawl.build_site(2 * len(SAVED), SAVED)


def test_every_copy_is_a_new_article_for_dedup(site):
    bands: dict[int, list[tuple]] = {}  # the story_bands table, in memory
    stored = 0
    fingerprints, keys = set(), set()
    for number, (url, template) in enumerate(site.copies):
        key = url_key(url)
        page = Page(url=url, body=_body(site.responses[key]),
                    headers={"Content-Type": template.content_type or ""})
        article = dedup_keys(process_page(page, kind=template.kind))
        assert article.url_key not in keys, f"{key}: same URL key as another copy"
        assert article.fingerprint not in fingerprints, f"{key}: same text as another copy"
        signature = Signature.from_bytes(article.story_signature)
        candidates = {row for band in band_keys(signature) for row in bands.get(band, [])}
        assert best_match(signature, candidates) is None, f"{key}: same story as another copy"
        for band in band_keys(signature):
            bands.setdefault(band, []).append((number, article.story_signature, None))
        keys.add(article.url_key)
        fingerprints.add(article.fingerprint)
        stored += 1
    assert stored == site.articles == 2 * len(SAVED)


def test_list_pages_lead_to_every_copy_through_the_sources_list_rules(site, tmp_path):
    path = tmp_path / "sources.toml"
    path.write_text(crawl.sources_toml(site), "utf-8")
    found = set()
    for source in load_sources(path):
        url, pages = source.start_urls[0], 0
        while url:
            page = Page(url=url, body=_body(site.responses[url_key(url)]),
                        headers={"Content-Type": "text/html; charset=utf-8"})
            listing = family_for_kind(source.kind, page).parse_list(page, dict(source.selectors))
            found.update(url_key(link.url) for link in listing.articles)
            url = listing.next_pages[0] if listing.next_pages else None
            pages += 1
        assert pages == site.list_pages[source.kind] <= source.max_list_pages
    assert found == {key for key, kind in site.kinds.items() if kind == "article"}


def test_server_answers_by_original_url_and_counts(site):
    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    server = context.Process(target=crawl.serve, args=(site, send), daemon=True)
    server.start()
    try:
        port = receive.recv()
        url = site.copies[0][0]
        fetch = f"http://127.0.0.1:{port}/fetch?url="
        with urllib.request.urlopen(fetch + quote(url, safe=""), timeout=10) as response:
            assert response.read() == _body(site.responses[url_key(url)])
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(fetch + quote("https://nowhere.example/robots.txt"),
                                   timeout=10)
        assert missing.value.code == 404
        stats = crawl.server_stats(port)
        assert (stats["article"], stats["robots.txt"]) == (1, 1)
        assert crawl.server_stats(port).get("article", 0) == 0  # counts restart
    finally:
        server.terminate()
        server.join()
