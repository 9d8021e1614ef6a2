"""The institutions and the cooperation graph on `monitor serve` (issue 22): the digest links
every institution name to its page; an institution's page shows its names, partners by
relation and stories as a timeline, with merge and split forms (the page's token and origin
checks); the graph page is SVG drawn on the server, its nodes linking to institution pages;
an Atom feed per institution. Tested over HTTP and in Chromium like tests/test_web.py."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import feedparser
import pytest
import time_machine
from lxml import html
from test_institutions import DECLARED, SHORT_ONLY, TRADITIONAL
from test_web import CST, NOW, TOKEN, Server, fetch, needs_browser, offline

from monitor.article.item import Article
from monitor.config.loader import load_settings
from monitor.digest.build import build_digest
from monitor.digest.render import render_html
from monitor.judgement.dedup import dedup_keys
from monitor.ops.web import create_app
from monitor.processing import flag_article
from monitor.storage.database import Storage
from monitor.storage.migrations import open_storage

DAY = NOW.date().isoformat()


def fill(storage) -> None:
    with time_machine.travel(NOW, tick=False):
        for n, (title, body) in enumerate((SHORT_ONLY, DECLARED, TRADITIONAL), start=1):
            storage.add_article(flag_article(dedup_keys(Article(
                url=f"https://news.example.org/{n}.html", source="s", title=title, body=body,
                fetched_at=NOW, raw_html=b"<p></p>",
                published_at=NOW - timedelta(hours=4 - n)))))


@pytest.fixture
def database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.delenv("MONITOR_LANGUAGE", raising=False)
    monkeypatch.delenv("MONITOR_PUBLIC_URL", raising=False)
    storage = open_storage(url)
    fill(storage)
    storage.close()
    return url


@pytest.fixture
def site(database):
    with Server(create_app(load_settings())) as server:
        storage = Storage(database)
        server.ids = {name: storage.find_institution(name).id
                      for name in ("华西医院", "珠海市人民医院", "中山五院")}
        storage.close()
        yield server


def counts(page: str) -> tuple[str, str]:
    (span,) = html.fromstring(page).xpath("//span[@id='counts']")
    return span.get("data-partners"), span.get("data-stories")


def test_pages_over_http(site):
    huaxi = site.ids["华西医院"]
    status, headers, page = fetch(f"{site.url}/?date={DAY}")
    assert status == 200
    links = html.fromstring(page).xpath("//ul[@class='who']//a[@class='inst']")
    names = {a.text for a in links}
    assert {"四川大学华西医院", "珠海市人民医院", "中山五院"} <= names
    href = next(a.get("href") for a in links if a.text == "四川大學華西醫院")
    status, headers, _ = fetch(site.url + href)
    assert (status, headers["location"]) == (303, f"/institution/{huaxi}")
    # a name no partnership holds: the search for it
    status, headers, _ = fetch(f"{site.url}/institution?name={quote('无名医院')}")
    assert headers["location"] == "/search?q=" + quote("无名医院")

    status, headers, page = fetch(f"{site.url}/institution/{huaxi}")
    assert status == 200 and "script-src" not in headers["Content-Security-Policy"]
    tree = html.fromstring(page)
    assert tree.xpath("string(//section[@id='institution']/h2)").startswith("四川大学华西医院")
    assert tree.xpath("//ul[@id='aliases']/li/@data-alias") == ["四川大学华西医院", "华西医院"]
    assert tree.xpath("//table[@class='relation']/@data-relation") == ["对口支援", "合作协议"]
    timeline = tree.xpath("//section[@id='timeline']//li")
    assert len(timeline) == 2 and "近日，四川大學華西醫院選派醫療隊" in timeline[0].text_content()
    assert timeline[0].xpath(".//a[@class='id']/@href")[0].startswith("/story/")
    assert counts(page) == ("2", "2")
    assert fetch(f"{site.url}/institution/999")[0] == 404

    status, _, page = fetch(f"{site.url}/graph")
    svg = html.fromstring(page).xpath("//svg[@id='graph']")[0]
    assert len(svg.xpath(".//a[@class='node']")) == 4  # 中山五院 is 中山大学附属第五医院
    assert {g.get("data-relation") for g in svg.xpath(".//g[@class='edge']")} == {
        "对口支援", "合作协议"}
    assert fetch(f"{site.url}/graph")[2] == page  # a fixed layout: the same drawing
    status, _, page = fetch(f"{site.url}/graph?institution={huaxi}&relation=" + quote("对口支援"))
    svg = html.fromstring(page).xpath("//svg[@id='graph']")[0]
    assert [a.xpath("string(text)") for a in svg.xpath(".//a[@class='node']")] == [
        "四川大学华西医院", "西藏日喀則市定日縣人民醫院"]
    assert svg.xpath(".//a[@class='node']/@href")[0] == f"/institution/{huaxi}"
    assert svg.xpath(".//circle[@class='centre']/@cx") == ["450.0"]
    assert svg.xpath("string(.//text[@class='rel'])") == "对口支援"
    assert fetch(f"{site.url}/graph?relation=x")[0] == 400
    assert fetch(f"{site.url}/graph?since=nonsense")[0] == 400

    # a form from elsewhere, or without the page's token, is refused
    zhuhai = site.ids["珠海市人民医院"]
    status, _, _ = fetch(f"{site.url}/institution/{huaxi}/merge", {"other": zhuhai})
    assert status == 403
    csrf = html.fromstring(fetch(f"{site.url}/institution/{huaxi}")[2]).xpath(
        "//form[@class='merge']/input[@name='csrf']/@value")[0]
    status, _, _ = fetch(f"{site.url}/institution/{huaxi}/merge",
                         {"other": zhuhai, "csrf": csrf},
                         headers={"Origin": "https://evil.example", "Sec-Fetch-Site":
                                  "cross-site"})
    assert status == 403
    status, _, page = fetch(f"{site.url}/institution/{huaxi}/merge",
                            {"other": "无名医院", "csrf": csrf})
    assert status == 400 and "无法合并" in page
    assert counts(fetch(f"{site.url}/institution/{huaxi}")[2]) == ("2", "2")


def test_the_institution_feed(site):
    huaxi = site.ids["华西医院"]
    status, headers, body = fetch(f"{site.url}/institution/{huaxi}/feed.atom")
    assert status == 200 and headers["content-type"].startswith("application/atom+xml")
    feed = feedparser.parse(body)
    assert not feed.bozo
    assert feed.feed.title == "医疗合作新闻简报：四川大学华西医院 的合作报道"
    assert [e.title.split(" ", 1)[1] for e in feed.entries] == [TRADITIONAL[0], DECLARED[0]]
    first = feed.entries[0]
    assert first.link.startswith(f"{site.url}/story/")
    assert first.summary == "四川大学华西医院 → 西藏日喀則市定日縣人民醫院（对口支援）"
    assert "近日，四川大學華西醫院" in first.content[0].value
    assert [t.term for t in first.tags] == ["对口支援"]


def test_the_institution_feed_takes_the_token(database, monkeypatch):
    monkeypatch.setenv("MONITOR_SERVE_TOKEN", TOKEN)
    storage = Storage(database)
    feed = f"/institution/{storage.find_institution('华西医院').id}/feed.atom"
    storage.close()
    with Server(create_app(load_settings(), token=TOKEN)) as server:
        assert fetch(server.url + feed)[0] == 401
        status, _, body = fetch(f"{server.url}{feed}?token={TOKEN}")
        assert status == 200 and len(feedparser.parse(body).entries) == 2
        assert fetch(f"{server.url}{feed}?token=wrong")[0] == 401


def test_the_html_digest_links_names_when_the_web_page_is_published(database):
    storage = Storage(database)
    digest = build_digest(storage, NOW.astimezone(CST).date(), checks=[])
    storage.close()
    linked = html.fromstring(render_html(digest, "https://monitor.example.org/"))
    hrefs = linked.xpath("//ul[@class='who']//a[@class='inst']/@href")
    assert "https://monitor.example.org/institution?name=" + quote("中山五院") in hrefs
    plain = html.fromstring(render_html(digest))
    assert plain.xpath("//ul[@class='who']//a") == []
    lines = [li.text_content() for li in plain.xpath("//ul[@class='who']/li")]
    assert "中山五院 ↔ 珠海市人民医院（合作协议）" in lines  # as partner_line writes it


@needs_browser
def test_follow_a_name_merge_two_institutions_and_see_the_counts_change(site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    offline(page)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    huaxi = site.ids["华西医院"]
    page.goto(f"{site.url}/?date={DAY}")
    page.locator("ul.who a.inst", has_text="四川大学华西医院").first.click()
    page.wait_for_url(f"{site.url}/institution/{huaxi}")
    assert page.locator("#counts").get_attribute("data-partners") == "2"
    assert page.locator("#counts").get_attribute("data-stories") == "2"

    page.locator("form.merge input[name=other]").fill("珠海市人民医院")
    page.locator("form.merge button[data-action=merge]").click()
    page.wait_for_url(f"{site.url}/institution/{huaxi}")
    assert page.locator("#aliases li", has_text="珠海市人民医院").count() == 1
    assert page.locator("#counts").get_attribute("data-stories") == "3"  # 中山五院's too
    assert page.locator("#timeline li").count() == 3

    # split it off again: its own page, with its pair back
    page.locator("#aliases li", has_text="珠海市人民医院").locator(
        "button[data-action=split]").click()
    page.wait_for_load_state()
    assert page.locator("#institution h2").inner_text().startswith("珠海市人民医院")
    assert page.locator("#counts").get_attribute("data-stories") == "1"
    page.goto(f"{site.url}/institution/{huaxi}")
    assert page.locator("#counts").get_attribute("data-stories") == "2"

    # the graph: drawn without a script, its nodes lead to the institutions' pages
    page.goto(f"{site.url}/graph?institution={huaxi}")
    assert page.locator("script").count() == 0
    assert page.locator("svg#graph a.node").count() == 3
    page.locator(f"svg#graph a.node:not([data-institution-id='{huaxi}'])").first.click()
    page.wait_for_load_state()
    assert "/institution/" in page.url and not page.url.endswith(f"/{huaxi}")
    assert dialogs == []


