"""The HTML digest as a reader sees it: rendered by headless Chromium (the system browser) at a
phone's and a desktop's width and for print, with screenshots kept in the test's temporary
folder (`pytest --basetemp=DIR` keeps them where you can look at them)."""

import struct
import zlib
from datetime import date, datetime, timedelta, timezone

import pytest
from conftest import ARGS, BROWSER

from monitor.digest.build import Digest, DigestEntry, SourceRunSummary
from monitor.digest.render import headline, render_html

pytestmark = pytest.mark.skipif(not BROWSER, reason="no chromium on this machine "
                                "(`make test` installs Debian's; or set MONITOR_BROWSER)")
CST = timezone(timedelta(hours=8))
EVIL = '<script>window.pwned = 1</script><img src="https://tracker.example/x.png">'


PICTURE = "https://i2.chinanews.com.cn/simg/cmshd/2025/05/04/9a4f3c2e.jpg"


def png(width: int = 160, height: int = 110, rgb=(94, 129, 172)) -> bytes:
    """A plain PNG, served in place of a story's picture (no test touches the internet)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                               8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def sample(language: str = "en") -> Digest:
    aid = DigestEntry(
        id=5, article_id=8, title="浙江大学“组团式”医疗援疆见成效:50余项技术填补当地空白",
        url="https://www.chinanews.com.cn/gn/2025/05-04/10410087.shtml", outlet="中国新闻网",
        source="chinanews-scroll", published_at=datetime(2025, 5, 4, 14, 29, tzinfo=CST),
        first_seen_at=datetime(2026, 11, 23, 7, 0, tzinfo=CST),
        flags=["medical_aid"], title_terms=["组团式", "援疆"],
        lead="各科室诊疗水平逐年提升，实现新生儿科、急诊外科2个学科从无到有的突破。",
        image={"src": PICTURE, "caption": "援疆专家结合当地实际开展诊疗"},
        evidence=[{"flags": ["medical_aid"], "terms": ["组团式", "援疆"],
                   "sentence": "记者从第一师医院获悉,“组团式”医疗援疆工作开展以来,"
                               "目前已有5批次67名援疆专家对20个学科进行持续定向帮扶。"}],
        institutions=["浙江大学医学院", "新疆生产建设兵团第一师医院"], places=["新疆", "阿克苏"],
        also_reported_by=[{"outlet": "健康资讯网",
                           "url": "http://www.jkzx365.com/yiwokan/2025/1217/58201.html"}])
    evil = DigestEntry(
        id=6, article_id=9, title=EVIL + "签订战略合作框架协议" + "很长的标题" * 12,
        url="https://www.dmu.edu.cn/info/1142/23456.htm", outlet="大连医科大学",
        source="dmu-news", published_at=None, flags=["medical_aid", "sister_hospital"],
        evidence=[{"flags": ["sister_hospital"], "terms": ["战略合作框架协议"],
                   "sentence": "双方签订战略合作框架协议。"}], lead=EVIL,
        partners=[["大连医科大学附属第一医院", "复旦大学附属中山医院", "签订战略合作框架协议"]],
        low_quality=True)
    return Digest(day=date(2026, 11, 23), entries=[aid, evil], kind="new", language=language,
                  sources=[SourceRunSummary("chinanews-scroll", 1, 3, 0, None),
                           SourceRunSummary("dmu-news", 1, 4, 2, "HTTP 503 on the list page",
                                            {"http_503": 2})],
                  health=[{"source": "dmu-news", "check": "error_rate", "ok": False,
                           "kind": "error_rate.high", "run_id": 2,
                           "values": {"errors": 2, "pages": 5, "rate": 0.4, "limit": 0.3,
                                      "kinds": {"http_503": 2}}}],
                  window_from=datetime(2026, 11, 22, 8, 0, tzinfo=CST),
                  window_to=datetime(2026, 11, 23, 8, 0, tzinfo=CST), not_run=["pumch-news"],
                  source_titles={"pumch-news": "北京协和医院"})


@pytest.mark.parametrize("width", [390, 1280])  # a phone, a desktop
def test_the_digest_page_in_headless_chromium(tmp_path, width):
    from playwright.sync_api import sync_playwright

    digest = sample()
    page_file = tmp_path / "digest.html"
    page_file.write_text(render_html(digest), "utf-8")
    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 844})
            page.route(lambda url: url.startswith("https://"), lambda route: route.fulfill(
                status=200, content_type="image/png", body=png()))
            page.on("request", lambda request: requested.append(request.url))
            page.goto(page_file.as_uri())
            page.wait_for_load_state("load")

            assert page.title() == headline(digest)
            assert "1 failing health check(s)" in page.locator("#health").inner_text()
            assert " ".join(page.locator("#counts").inner_text().split()) == \
                "2 new medical aid 2 sister hospital 1"
            aid = page.locator("[data-story-id='5']")
            link = aid.locator("h3 a")
            assert link.inner_text() == digest.entries[0].title
            assert link.get_attribute("href") == digest.entries[0].url
            assert aid.locator("mark").all_inner_texts() == ["组团式", "援疆", "援疆"]
            assert aid.locator("img").evaluate(
                "img => img.decode().then(() => img.naturalWidth)") == 160
            evil = page.locator("[data-story-id='6']")
            assert evil.locator("h3").inner_text().startswith(EVIL)  # shown as text
            assert evil.locator(".lead").inner_text() == EVIL
            assert "low-quality copy" in evil.inner_text()
            assert "大连医科大学附属第一医院 ↔ 复旦大学附属中山医院" in evil.inner_text()
            assert page.evaluate("typeof window.pwned") == "undefined"
            assert page.locator("script").count() == 0 and page.locator("img").count() == 1
            assert page.locator("#never-ran").inner_text() == \
                "Never run yet (or no saved pages): 北京协和医院."
            # the evidence is not squeezed beside the picture on a phone
            quote = aid.locator("blockquote").bounding_box()["width"]
            assert quote > (0.8 * page.locator("main").bounding_box()["width"] if width < 500
                            else 100)
            # nothing sticks out sideways, not even the long title or URLs
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=tmp_path / f"digest-{width}.png", full_page=True)

            page.emulate_media(media="print")
            assert page.locator("footer").is_hidden()
            assert page.evaluate("getComputedStyle(document.querySelector('mark'))"
                                 ".backgroundColor") == "rgba(0, 0, 0, 0)"
            page.screenshot(path=tmp_path / "digest-print.png", full_page=True)
        finally:
            browser.close()
    assert requested == [page_file.as_uri(), PICTURE]  # nothing but the picture was fetched
    assert (tmp_path / f"digest-{width}.png").stat().st_size > 10_000


def test_table_headers_stay_readable_on_a_phone(tmp_path):
    """The sources' table of a Chinese digest with the long outlet names of sources.toml:
    at 390 px its headers wrapped one character a line (新/文/章); now each stays on one
    line and the names beside them wrap instead."""
    from playwright.sync_api import sync_playwright

    digest = sample("zh")
    names = {"zs5h-news": "中山大学附属第五医院", "swmuh-news": "西南医科大学附属医院",
             "zs-hospital-news": "复旦大学附属中山医院", "chinanews-health": "中国新闻网",
             "wchscu-news": "四川大学华西医院"}
    digest.source_titles.update(names)
    digest.sources = [SourceRunSummary(name, 12, 103, 14, "HTTP 503 on the list page")
                      for name in names]
    page_file = tmp_path / "digest.html"
    page_file.write_text(render_html(digest), "utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=BROWSER, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.route(lambda url: url.startswith("https://"), lambda route: route.fulfill(
                status=200, content_type="image/png", body=png()))
            page.goto(page_file.as_uri())
            lines = page.evaluate("""() => [...document.querySelectorAll(
                    '#sources th, #sources td.n')]
                .filter(cell => cell.offsetParent !== null)
                .map(cell => { const range = document.createRange();
                               range.selectNodeContents(cell);
                               return [cell.innerText, range.getClientRects().length]; })""")
            assert [text for text, _ in lines][:4] == ["来源", "新文章", "命中", "错误"]
            assert all(count == 1 for _, count in lines), lines
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.locator("#sources").screenshot(path=tmp_path / "sources-390.png")
        finally:
            browser.close()
    assert (tmp_path / "sources-390.png").stat().st_size > 5_000
