"""The reviewer's web page (`monitor serve`), served by uvicorn on 127.0.0.1: its pages, the
verdict buttons and their guards (CSRF, token, binding), then in real Chromium: one click
records a verdict that shows on reload and in `monitor export --reviewed`; markup a page
put in a title stays inert; screenshots at desktop and phone widths."""

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from http.cookiejar import CookieJar

import pytest
import time_machine
import uvicorn
from conftest import ARGS, BROWSER
from lxml import html

from monitor.article.item import Article, Evidence, Flag, Flags, Image
from monitor.cli.main import main
from monitor.config.loader import load_settings
from monitor.ops.web import (
    SECURITY_HEADERS,
    check_binding,
    create_app,
    host_allowed,
    served_names,
    startup_line,
)
from monitor.storage.database import Storage
from monitor.storage.migrations import open_storage

CST = timezone(timedelta(hours=8))
TOKEN = "kJ3v-Qx8_sT2wLm9pZ4r"  # 20 characters
NOW = datetime.now(CST).replace(microsecond=0) - timedelta(hours=1)
DAY = NOW.date().isoformat()
EVIL = ('<script>window.pwned = 1</script><img src="x" onerror="window.pwned = 2">'
        '<a href="javascript:window.pwned = 3">点我</a>')
BODY = ("中新网乌鲁木齐5月4日电 记者从第一师医院获悉，浙江大学医学院6家附属医院“组团式”医疗援疆，"
        "67名援疆专家持续帮扶第一师医院。\n双方签订战略合作框架协议，共建专科联盟。")


def flags(aid=False, sister=False) -> Flags:
    return Flags(
        medical_aid=Flag(aid, 3.0 if aid else 0.0,
                         [Evidence("67名援疆专家持续帮扶第一师医院。", ["援疆", "帮扶"])]
                         if aid else []),
        sister_hospital=Flag(sister, 2.0 if sister else 0.0,
                             [Evidence("双方签订战略合作框架协议，共建专科联盟。",
                                       ["战略合作框架协议", "专科联盟"])] if sister else []),
        institutions=["新疆生产建设兵团第一师医院"] if aid else [])


def fill(storage) -> dict[str, int]:
    """Three stories: one with two copies and a picture, one with a hostile title, one not
    flagged; returns their story IDs."""
    with time_machine.travel(NOW, tick=False):
        aid = storage.add_article(Article(
            url="https://www.chinanews.com.cn/gn/2025/05-04/10410087.shtml", url_key="aid",
            source="chinanews-scroll", title="浙江大学“组团式”医疗援疆见成效", fetched_at=NOW,
            published_at=NOW - timedelta(days=200), body=BODY, flags=flags(aid=True),
            images=[Image("https://i2.chinanews.com.cn/a.jpg", "援疆专家在查房")]))
        storage.add_article(Article(
            url="http://www.jkzx365.com/yiwokan/2025/1217/58201.html", url_key="farm",
            source="jkzx-farm", title="浙江大学“组团式”医疗援疆见成效", fetched_at=NOW,
            body=BODY, flags=flags(aid=True), duplicate_of=aid, low_quality=True))
        evil = storage.add_article(Article(
            url="https://www.dmu.edu.cn/info/1142/23456.htm", url_key="evil", source="dmu-news",
            title=EVIL + "签订战略合作框架协议", fetched_at=NOW, published_at=NOW, body=BODY,
            outlet=EVIL, flags=flags(sister=True)))
        plain = storage.add_article(Article(
            url="https://www.dmu.edu.cn/info/1142/1.htm", url_key="plain", source="dmu-news",
            title="学校召开工作会议", fetched_at=NOW, published_at=NOW, body="会议正文。",
            flags=flags()))
    ids = {name: storage.articles_by_id([number])[0].story_id
           for name, number in (("aid", aid), ("evil", evil), ("plain", plain))}
    return ids


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The web page on a free port of 127.0.0.1, in a thread."""

    def __init__(self, app):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web page did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def site(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_REVIEWER", "wang")
    monkeypatch.delenv("MONITOR_LANGUAGE", raising=False)
    storage = open_storage(url)
    ids = fill(storage)
    storage.close()
    with Server(create_app(load_settings())) as server:
        server.ids = ids
        yield server


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url, data: dict | None = None, headers: dict | None = None, opener=None):
    """(status, headers, body) of a GET, or a form POST when ``data`` is given."""
    body = "&".join(f"{k}={urllib.request.quote(str(v))}" for k, v in data.items()) \
        if data is not None else None
    request = urllib.request.Request(url, data=body.encode() if body is not None else None,
                                     headers=headers or {})
    opener = opener or urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read().decode("utf-8")


def error_of(page: str) -> tuple[str, str]:
    """The heading and the message of an error page."""
    tree = html.fromstring(page)
    return (tree.xpath("string(//section[@id='error']/h2)"),
            tree.xpath("string(//section[@id='error']/p[1])"))


def form_of(page: str, story_id: int) -> dict:
    tree = html.fromstring(page)
    (form,) = tree.xpath(f"//*[@data-story-id='{story_id}']//form[@class='verdict']")
    return {i.get("name"): i.get("value") for i in form.xpath(".//input")}


# ---------------------------------------------------------------- pages over HTTP


def test_the_digest_page_story_page_search_and_health(site):
    status, headers, page = fetch(f"{site.url}/?date={DAY}")
    assert status == 200 and "script-src" not in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    tree = html.fromstring(page)
    ids = site.ids
    assert tree.xpath("//article/@data-story-id") == [str(ids["evil"]), str(ids["aid"])]
    for entry in tree.xpath("//article"):
        assert entry.xpath(".//button/@data-verdict") == ["relevant", "irrelevant"]
    aid = tree.xpath(f"//article[@data-story-id='{ids['aid']}']")[0]
    assert aid.xpath(".//h3/a/@href") == [f"/story/{ids['aid']}"]
    assert "健康资讯网" in aid.xpath("string(.//p[@class='also'])")
    assert tree.xpath("//h1")[0].text_content() == "医疗合作新闻简报"  # Chinese by default

    status, _, page = fetch(f"{site.url}/story/{ids['aid']}")
    story = html.fromstring(page)
    assert status == 200
    copies = story.xpath("//section[@id='copies']/div[@class='copy']")
    assert len(copies) == 2
    assert "67名援疆专家持续帮扶第一师医院" in copies[1].text_content()  # each copy's evidence
    assert story.xpath("//form[@class='verdict']//button/@data-verdict") == [
        "relevant", "irrelevant"]

    def found(query: str) -> list[str]:
        status, _, page = fetch(f"{site.url}/search?{query}")
        assert status == 200
        return html.fromstring(page).xpath("//ol[@id='results']/li/@data-story-id")

    institution = urllib.request.quote("新疆生产建设兵团第一师医院")  # only in the flags
    assert found(f"q={institution}") == [str(ids["aid"])]
    assert found("q=" + urllib.request.quote("工作会议")) == [str(ids["plain"])]
    assert found("flag=sister_hospital") == [str(ids["evil"])]
    assert set(found("flag=none")) == {str(ids["plain"])}
    assert found(f"from={DAY}&flag=medical_aid") == []  # published 200 days ago
    assert found(f"to={DAY}&flag=medical_aid") == [str(ids["aid"])]
    assert found("q=" + urllib.request.quote("100%_")) == []

    status, _, page = fetch(f"{site.url}/sources")
    assert status == 200 and "健康资讯网" in page and "jkzx-farm" in page

    assert fetch(f"{site.url}/story/9999")[0] == 404
    status, _, body = fetch(f"{site.url}/?date=yesterday")
    assert status == 400 and error_of(body) == (
        "400 请求有误", "不是日期（应为 年-月-日，如 2025-05-04）：yesterday")


def test_a_verdict_is_one_post_from_the_page_and_nothing_else(site, tmp_path, capsys):
    story = site.ids["aid"]
    _, _, page = fetch(f"{site.url}/?date={DAY}")
    form = form_of(page, story)
    assert form["next"] == f"/?date={DAY}"
    target = f"{site.url}/story/{story}/verdict"

    # another site's page posting to it, or a form without the page's token: refused
    assert fetch(target, {**form, "verdict": "relevant"},
                 {"Origin": "https://evil.example"})[0] == 403
    assert fetch(target, {**form, "verdict": "relevant"},
                 {"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert fetch(target, {**form, "csrf": "guess", "verdict": "relevant"})[0] == 403
    assert fetch(target, {**form, "verdict": "maybe"})[0] == 400
    assert fetch(f"{site.url}/story/9999/verdict", {**form, "verdict": "relevant"})[0] == 404
    storage = open_storage(os.environ["MONITOR_DATABASE_URL"])
    assert storage.story_reviews(story) == []

    status, headers, _ = fetch(target, {**form, "verdict": "relevant"},
                               {"Origin": site.url, "Sec-Fetch-Site": "same-origin"})
    assert status == 303 and headers["Location"] == f"/?date={DAY}#story-{story}"
    (given,) = storage.story_reviews(story)
    assert (given.verdict, given.reviewer, given.topics) == ("relevant", "wang", ["medical_aid"])
    storage.close()
    _, _, page = fetch(f"{site.url}/?date={DAY}")
    entry = html.fromstring(page).xpath(f"//article[@data-story-id='{story}']")[0]
    assert entry.xpath(".//button[@aria-pressed='true']/@data-verdict") == ["relevant"]
    # a redirect never leaves the site
    status, headers, _ = fetch(target, {**form, "verdict": "irrelevant",
                                        "next": "//evil.example/x"})
    assert status == 303 and headers["Location"] == f"/story/{story}#story-{story}"


def test_a_token_guards_every_page_when_set(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    fill_storage = open_storage(url)
    fill(fill_storage)
    fill_storage.close()
    with Server(create_app(load_settings(), token=TOKEN)) as server:
        status, _, body = fetch(f"{server.url}/?date={DAY}")
        assert status == 401 and error_of(body) == (
            "401 需要令牌", "需要令牌：请用 /?token=… 打开本页面（令牌即 MONITOR_SERVE_TOKEN）。")
        assert "data-story-id" not in body
        assert fetch(f"{server.url}/search?q=x&token=wrong")[0] == 401
        assert fetch(f"{server.url}/", headers={"Authorization": f"Bearer {TOKEN}"})[0] \
            == 200
        status, headers, _ = fetch(f"{server.url}/search?q=x&token={TOKEN}")
        assert status == 303 and headers["Location"] == "/search?q=x"  # out of the address bar
        cookie = headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        status, _, page = fetch(f"{server.url}/?date={DAY}&token={TOKEN}", opener=opener)
        assert status == 200 and "data-story-id" in page

        # a feed reader keeps no cookie: the feed answers its token itself, no redirect
        status, headers, feed = fetch(f"{server.url}/feed.atom?token={TOKEN}")
        assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
        assert "Set-Cookie" not in headers and "浙江大学“组团式”医疗援疆见成效" in feed
        assert fetch(f"{server.url}/feed.atom?token=wrong-token-of-the-same-size")[0] == 401
        assert fetch(f"{server.url}/feed.atom")[0] == 401
        assert fetch(f"{server.url}/feed.atom",
                     headers={"Authorization": f"Bearer {TOKEN}"})[0] == 200


def test_serve_refuses_another_address_without_a_token(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'monitor.db'}")
    monkeypatch.delenv("MONITOR_SERVE_TOKEN", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", str(free_port())]) == 2
    assert capsys.readouterr().err == ("monitor: error: listening on 0.0.0.0 needs a token: "
                                       "set MONITOR_SERVE_TOKEN (or listen on 127.0.0.1)\n")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (f"monitor: error: cannot listen on 127.0.0.1:{port}: "
                                       "Address already in use\n")
    check_binding("127.0.0.1", "")
    check_binding("::1", "")
    check_binding("0.0.0.0", "token")


def test_serve_refuses_a_missing_database_a_wrong_port_and_a_short_token(
        tmp_path, monkeypatch, capsys):
    missing = tmp_path / "nowhere" / "monitor.db"
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{missing}")
    monkeypatch.delenv("MONITOR_SERVE_TOKEN", raising=False)
    assert main(["digest"]) == 2
    refused = capsys.readouterr().err
    assert refused.startswith(f"monitor: error: no database at {missing}")
    assert main(["serve", "--port", str(free_port())]) == 2
    assert capsys.readouterr().err == refused  # the same check, the same line
    assert not missing.parent.exists()  # no folder, no empty database

    for port in ("99999", "65536", "0", "-1"):
        assert main(["serve", "--port", port]) == 2
        assert capsys.readouterr().err == (f"monitor: error: --port {port} is not a port "
                                           "number (1 to 65535)\n")
    assert main(["serve", "--port", "abc"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("monitor: error: argument --port")

    monkeypatch.setenv("MONITOR_SERVE_TOKEN", "abc")
    assert main(["serve", "--port", str(free_port())]) == 2
    assert capsys.readouterr().err == (
        "monitor: error: MONITOR_SERVE_TOKEN is too short (3 characters, at least 16): make "
        'one with python -c "import secrets; print(secrets.token_urlsafe(24))"\n')


def test_serve_starts_on_the_stored_database_and_says_how_to_open_it(
        tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_SERVE_TOKEN", TOKEN)
    storage = open_storage(url)
    fill(storage)
    storage.close()
    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, host, port, **_: started.update(
        app=app, host=host, port=port))
    port = free_port()
    assert main(["serve", "--port", str(port)]) == 0
    assert (started["host"], started["port"]) == ("127.0.0.1", port)
    out = capsys.readouterr().out
    # not a terminal (a log, the journal): the token's name, not the token
    assert out == (f"The reviewer's page: open http://127.0.0.1:{port}/?token="
                   "$MONITOR_SERVE_TOKEN once (the browser then keeps the token in a cookie); "
                   f"the feed: http://127.0.0.1:{port}/feed.atom?token=$MONITOR_SERVE_TOKEN "
                   "(Ctrl-C to stop)\n")
    shown = startup_line("127.0.0.1", port, TOKEN, on_terminal=True)
    assert f"open http://127.0.0.1:{port}/?token={TOKEN} once" in shown
    assert f"the feed: http://127.0.0.1:{port}/feed.atom?token={TOKEN} " in shown
    assert startup_line("::1", 8080, "", on_terminal=True) == \
        "The reviewer's page: http://[::1]:8080/ (Ctrl-C to stop)"


# ---------------------------------------------------------------- the Host check


def test_a_site_rebound_to_this_machine_gets_neither_the_page_nor_a_vote(site):
    """DNS rebinding: a page of evil.example points its name at 127.0.0.1; to the browser
    the web page is then "same origin" with it. Its requests carry Host: evil.example."""
    story = site.ids["aid"]
    _, _, page = fetch(f"{site.url}/?date={DAY}")
    form = form_of(page, story)  # even with a valid form token
    evil = f"evil.example:{site.port}"
    for path in (f"/?date={DAY}", f"/story/{story}", "/search?flag=any", "/sources",
                 "/feed.atom", "/no/such/page"):
        status, headers, body = fetch(site.url + path, headers={"Host": evil})
        assert status == 400, path
        assert error_of(body) == ("400 请求有误", f"本页面不以 {evil} 这个地址提供：请用 "
                                  "monitor serve 启动时显示的地址打开。")
        assert "data-story-id" not in body and form["csrf"] not in body and "援疆" not in body
        assert headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    target = f"{site.url}/story/{story}/verdict"
    status, _, _ = fetch(target, {**form, "verdict": "irrelevant"},
                         {"Host": evil, "Origin": f"http://{evil}",
                          "Sec-Fetch-Site": "same-origin"})
    assert status == 400
    storage = Storage(os.environ["MONITOR_DATABASE_URL"])
    assert storage.story_reviews(story) == []

    # the names it is served as
    for host in ("127.0.0.1", "localhost", "LocalHost", "[::1]"):
        assert fetch(f"{site.url}/?date={DAY}", headers={"Host": f"{host}:{site.port}"})[0] \
            == 200, host
    ours = f"localhost:{site.port}"
    status, _, _ = fetch(target, {**form, "verdict": "irrelevant"},
                         {"Host": ours, "Origin": f"http://{ours}",
                          "Sec-Fetch-Site": "same-origin"})
    assert status == 303 and storage.story_reviews(story)[0].verdict == "irrelevant"
    storage.close()


def test_the_listening_address_and_the_public_address_are_served_names(
        tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_PUBLIC_URL", "https://monitor.example.org/news/")
    open_storage(url).close()
    with Server(create_app(load_settings(), host="192.0.2.7")) as server:
        for host, status in (("monitor.example.org", 200), ("192.0.2.7:8080", 200),
                             ("127.0.0.1", 200), ("evil.example", 400), ("192.0.2.8", 400),
                             ("monitor.example.org.evil.example", 400),
                             ("127.0.0.1@evil.example", 400)):
            assert fetch(f"{server.url}/sources", headers={"Host": host})[0] == status, host

    names = served_names("192.0.2.7", "https://monitor.example.org/")
    assert names == {"localhost", "127.0.0.1", "::1", "192.0.2.7", "monitor.example.org"}
    assert host_allowed("[::1]:8080", names) and host_allowed("localhost.", names)
    assert not host_allowed("", names) and not host_allowed("[nonsense", names)
    assert not host_allowed("10.0.0.5:8080", names)
    # on every address: this machine's names, and any address (an address is not rebound)
    everywhere = served_names("0.0.0.0")
    assert socket.gethostname().lower() in everywhere
    assert host_allowed("10.0.0.5:8080", everywhere, wildcard=True)
    assert host_allowed("[fe80::1]:8080", everywhere, wildcard=True)
    assert not host_allowed("evil.example:8080", everywhere, wildcard=True)


# ---------------------------------------------------------------- error pages


def test_error_pages_are_the_sites_own_pages_in_chinese(site):
    story = site.ids["aid"]
    _, _, page = fetch(f"{site.url}/?date={DAY}")
    form = form_of(page, story)
    target = f"{site.url}/story/{story}/verdict"
    cases = [
        (fetch(f"{site.url}/no/such/page"), 404, "未找到", "没有这个页面：/no/such/page"),
        (fetch(f"{site.url}/story/999"), 404, "未找到", "没有编号为 #999 的报道。"),
        (fetch(f"{site.url}/search?flag=%3Cb%3Ex%3C/b%3E"), 400, "请求有误",
         "没有这个命中类别：<b>x</b>"),
        (fetch(f"{site.url}/?since=soon"), 400, "请求有误", "不是日期或时间：soon"),
        (fetch(target, {**form, "csrf": "guess", "verdict": "relevant"}), 403, "不允许",
         "这个表单已过期：请刷新页面后再点一次。"),
        (fetch(target, {**form, "verdict": "relevant"}, {"Sec-Fetch-Site": "cross-site"}),
         403, "不允许", "审核只能在本页面上提交。"),
        (fetch(target, {**form, "verdict": "maybe"}), 400, "请求有误",
         "审核结果只能是“相关”或“不相关”。"),
        (fetch(target), 405, "不支持的请求方法", "这个地址不接受 GET 请求。"),
        (fetch(f"{site.url}/sources", {"x": 1}), 405, "不支持的请求方法",
         "这个地址不接受 POST 请求。"),
    ]
    for (status, headers, body), code, title, message in cases:
        assert (status, error_of(body)) == (code, (f"{code} {title}", message))
        tree = html.fromstring(body)
        assert tree.get("lang") == "zh-CN" and tree.xpath("//h1")[0].text_content() == \
            "医疗合作新闻简报"
        assert tree.xpath("//nav[@class='top']/a/@href") == ["/", "/sources", "/institutions",
                                                               "/graph"]
        assert tree.xpath("//nav[@class='top']//form/@action") == ["/search"]
        assert headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
        assert headers["Content-Type"].startswith("text/html")
        assert not tree.xpath("//input[@name='csrf']") and not tree.xpath("//section//b")
    storage = Storage(os.environ["MONITOR_DATABASE_URL"])
    assert storage.story_reviews(story) == []
    storage.close()


def test_error_pages_in_english(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_LANGUAGE", "en")
    open_storage(url).close()
    with Server(create_app(load_settings(), token=TOKEN)) as server:
        bearer = {"Authorization": f"Bearer {TOKEN}"}
        for path, headers, status, heading, message in (
                ("/story/999", bearer, 404, "404 Not found", "there is no story #999"),
                ("/nothing", bearer, 404, "404 Not found", "there is no page /nothing"),
                ("/", {}, 401, "401 Token required",
                 "a token is required: open the page as /?token=… (the token is "
                 "MONITOR_SERVE_TOKEN)")):
            got, _, body = fetch(server.url + path, headers=headers)
            assert (got, error_of(body)) == (status, (heading, message))
            assert html.fromstring(body).get("lang") == "en"


def test_one_search_box_on_the_search_page_and_the_star_explained(site):
    for path, boxes in (("/search?q=x", 1), ("/search", 1), (f"/?date={DAY}", 1)):
        _, _, page = fetch(site.url + path)
        assert len(html.fromstring(page).xpath("//input[@name='q']")) == boxes, path
    _, _, page = fetch(f"{site.url}/search")
    assert html.fromstring(page).xpath("//nav[@class='top']/a[@class='here']/@href") == \
        ["/search"]
    _, _, page = fetch(f"{site.url}/story/{site.ids['aid']}")
    story = html.fromstring(page)
    (star,) = story.xpath("//div[@class='copy']//span[@class='star']")
    assert star.text == "★" and star.get("title") == "代表稿：简报中展示的那一份"
    assert "健康资讯网" not in star.getparent().text_content()  # not the low-quality repost
    assert story.xpath("string(//p[@id='legend'])") == "★ 代表稿：简报中展示的那一份"


# ---------------------------------------------------------------- in Chromium

needs_browser = pytest.mark.skipif(not BROWSER, reason="no chromium on this machine "
                                   "(`make test` installs Debian's; or set MONITOR_BROWSER)")




def offline(page):
    """Pictures from other sites are answered with a local PNG: no test touches the
    internet."""
    from test_render_browser import png

    page.route(lambda url: not url.startswith("http://127.0.0.1"),
               lambda route: route.fulfill(status=200, content_type="image/png", body=png()))


@needs_browser
def test_one_click_records_a_verdict_that_shows_on_reload_and_in_the_export(
        site, browser, capsys):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    offline(page)
    page.goto(f"{site.url}/?date={DAY}")
    story = site.ids["aid"]
    entry = page.locator(f"[data-story-id='{story}']")
    entry.locator("[data-verdict='relevant']").click()  # one click
    page.wait_for_load_state()
    assert page.url == f"{site.url}/?date={DAY}#story-{story}"
    page.reload()
    entry = page.locator(f"[data-story-id='{story}']")
    assert entry.locator("[data-verdict='relevant']").get_attribute("aria-pressed") == "true"
    assert entry.locator("[data-verdict='irrelevant']").get_attribute("aria-pressed") == "false"
    assert "已审核：相关（医疗援助） 审核人 wang" in entry.inner_text()

    # changed mind, from the story's own page
    entry.locator("h3 a").click()
    page.wait_for_url(f"{site.url}/story/{story}")
    page.locator("[data-verdict='irrelevant']").click()
    page.wait_for_url(f"{site.url}/story/{story}#story-{story}")
    page.reload()
    assert page.locator("[data-verdict='irrelevant']").get_attribute("aria-pressed") == "true"
    assert page.locator("#history li").count() == 2
    # a plain badge saying 不相关, not struck through as if the verdict were cancelled
    badge = page.locator(".badge.review.irrelevant")
    assert badge.inner_text() == "已审核：不相关 审核人 wang"
    assert badge.evaluate("b => getComputedStyle(b).textDecorationLine") == "none"

    assert main(["export", "--reviewed"]) == 0
    (row,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (row["story_id"], row["verdict"], row["reviewer"]) == (story, "irrelevant", "wang")


@needs_browser
def test_markup_in_stored_pages_stays_inert(site, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    offline(page)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    story = site.ids["evil"]
    for path in (f"/?date={DAY}", f"/story/{story}", "/search?flag=any"):
        page.goto(site.url + path)
        assert page.evaluate("typeof window.pwned") == "undefined", path
        assert page.locator("script").count() == 0
        assert page.locator("a[href^='javascript']").count() == 0
        assert page.locator("img[src='x']").count() == 0
        assert EVIL in page.locator("body").inner_text(), path
    page.goto(f"{site.url}/story/{story}")
    assert page.locator("h3").first.inner_text().startswith(EVIL)
    assert dialogs == []


@needs_browser
@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_the_web_page(site, browser, tmp_path, width):
    page = browser.new_page(viewport={"width": width, "height": 900})
    offline(page)
    for name, path in (("digest", f"/?date={DAY}"), ("story", f"/story/{site.ids['aid']}"),
                       ("search", "/search?flag=any"), ("sources", "/sources"),
                       ("error", "/story/999")):
        page.goto(site.url + path)
        page.wait_for_load_state("load")
        # nothing sticks out sideways, not even the long hostile title
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        buttons = page.locator("form.verdict button")
        for index in range(buttons.count()):  # big enough to hit with a thumb
            assert buttons.nth(index).bounding_box()["height"] >= 36
        page.screenshot(path=tmp_path / f"web-{name}-{width}.png", full_page=True)
        assert (tmp_path / f"web-{name}-{width}.png").stat().st_size > 10_000


@needs_browser
def test_a_rebound_name_in_chromium_gets_the_refusal_page(site):
    """The browser resolves evil.example to 127.0.0.1, as after DNS rebinding."""
    from playwright.sync_api import sync_playwright

    rule = "--host-resolver-rules=MAP evil.example 127.0.0.1"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=BROWSER, args=[*ARGS, rule])
        try:
            page = chromium.new_page()
            response = page.goto(f"http://evil.example:{site.port}/?date={DAY}")
            assert response.status == 400
            assert page.locator("[data-story-id]").count() == 0
            assert page.locator("input[name=csrf]").count() == 0
            assert f"evil.example:{site.port}" in page.locator("#error").inner_text()
            assert page.goto(f"{site.url}/?date={DAY}").status == 200
            assert page.locator("[data-story-id]").count() == 2
        finally:
            chromium.close()


def test_behind_a_proxy_the_public_address_is_the_pages_origin():
    from starlette.requests import Request

    from monitor.ops.web import BadRequest, _same_origin

    def request(origin: str) -> Request:
        return Request({"type": "http", "method": "POST", "path": "/", "headers": [
            (b"host", b"127.0.0.1:8080"), (b"origin", origin.encode())]})

    _same_origin(request("https://monitor.example.org"), "https://monitor.example.org/")
    _same_origin(request("http://127.0.0.1:8080"), "")
    with pytest.raises(BadRequest):
        _same_origin(request("https://evil.example"), "https://monitor.example.org/")
