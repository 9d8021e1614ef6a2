import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import quote

import pytest

from monitor.page.replay import ReplayIndex, ReplayServer
from monitor.page.saved import SavedPage, iter_pages, load_page, save_page

GBK_BODY = '<html><meta charset="gbk"><p>对口支援</p></html>'.encode("gbk")


@pytest.fixture
def saved(tmp_path):
    page = SavedPage(
        url="https://www.chinanews.com/sh/2020/07-04/9229876.shtml",
        body=GBK_BODY,
        headers={"Content-Type": "text/html; charset=gb2312", "Content-Length": "999",
                 "Content-Encoding": "gzip", "Date": "Sat, 04 Jul 2020 06:00:00 GMT"},
        fetched_at=datetime(2020, 7, 4, 6, 0, tzinfo=UTC),
    )
    save_page(page, tmp_path)
    return tmp_path


def fetch(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, dict(response.headers.items()), response.read()


def test_saved_page_round_trips_bytes_url_and_time(saved):
    (page,) = list(iter_pages(saved))
    assert page.body == GBK_BODY
    assert page.url == "https://www.chinanews.com/sh/2020/07-04/9229876.shtml"
    assert page.fetched_at == datetime(2020, 7, 4, 6, 0, tzinfo=UTC)
    folder = page.folder.relative_to(saved).as_posix()
    assert folder == "www.chinanews.com/sh-2020-07-04-9229876.shtml"


def test_replay_serves_raw_bytes_over_http_with_original_headers(saved):
    with ReplayServer(ReplayIndex.from_dir(saved)) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        url = server.url_for("https://www.chinanews.com/sh/2020/07-04/9229876.shtml")
        status, headers, body = fetch(url)
    assert status == 200 and body == GBK_BODY
    assert headers["Content-Type"] == "text/html; charset=gb2312"
    assert headers["Content-Length"] == str(len(GBK_BODY))  # ours, not the saved transfer's
    assert "Content-Encoding" not in headers


def test_replay_answers_other_forms_of_the_url_and_404_for_unknown(saved):
    with ReplayServer(ReplayIndex.from_dir(saved)) as server:
        for other_form in ("http://www.chinanews.com/sh/2020/07-04/9229876.shtml#x",
                           "https://www.chinanews.com.cn/sh/2020/07-04/9229876.shtml"):
            status, _, body = fetch(server.url_for(other_form))
            assert status == 200 and body == GBK_BODY
        with pytest.raises(urllib.error.HTTPError) as error:
            fetch(server.url_for("https://www.chinanews.com/nope.shtml"))
    assert error.value.code == 404


def test_missing_folder_and_broken_meta_are_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        ReplayIndex.from_dir(tmp_path / "nope")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "meta.json").write_text("{not json")
    with pytest.raises(ValueError, match="unreadable"):
        load_page(tmp_path / "x")


def test_record_saves_a_live_page_in_the_same_format(saved, tmp_path):
    from monitor.cli.main import main

    with ReplayServer(ReplayIndex.from_dir(saved)) as server:
        url = server.url_for("https://www.chinanews.com/sh/2020/07-04/9229876.shtml")
        assert main(["record", url, "--to", str(tmp_path / "rec")]) == 0
    (page,) = list(iter_pages(tmp_path / "rec"))
    assert page.url == url and page.body == GBK_BODY
    assert page.header("content-type") == "text/html; charset=gb2312"
    assert quote("https://www.chinanews.com", safe="") in page.url
