from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
import time_machine

from monitor.article.dates import (
    date_from_url,
    find_dateline,
    find_page_date,
    parse_date,
    resolve_published,
    split_date,
)
from monitor.article.item import Article, DateCandidate

SH = ZoneInfo("Asia/Shanghai")
FETCHED = datetime(2025, 11, 12, 10, 0, tzinfo=SH)


def sh(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SH)


# --- parse_date: every form, fetched 2025-11-12 10:00 Shanghai ---------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # numeric forms with a year
        ("2025-11-11 16:27:00", sh(2025, 11, 11, 16, 27)),
        ("2025-11-11 16:27", sh(2025, 11, 11, 16, 27)),
        ("2025/11/11", sh(2025, 11, 11)),
        ("2025.11.11", sh(2025, 11, 11)),
        ("2024年05月13日", sh(2024, 5, 13)),
        ("2024年5月13日", sh(2024, 5, 13)),
        ("2024年5月13日 14:29", sh(2024, 5, 13, 14, 29)),
        ("2025年05月04日 14:29", sh(2025, 5, 4, 14, 29)),
        ("2019 年 10 月 30 日", sh(2019, 10, 30)),
        ("2019 年 10 月 30 日 08:05", sh(2019, 10, 30, 8, 5)),
        # full-width digits and colons, U+3000 and nbsp
        ("２０２５年０５月０４日\u3000１４：２９", sh(2025, 5, 4, 14, 29)),
        ("2025-05-04\u00a014:29", sh(2025, 5, 4, 14, 29)),
        # ISO 8601
        ("2025-11-11T16:27:00+08:00", sh(2025, 11, 11, 16, 27)),
        ("2025-11-11T08:27:00Z", sh(2025, 11, 11, 16, 27)),
        ("2025-11-11T16:27:00.000+0800", sh(2025, 11, 11, 16, 27)),
        ("2025-11-11T03:27:00-05:00", sh(2025, 11, 11, 16, 27)),
        ("2025-11-11T16:27:00", sh(2025, 11, 11, 16, 27)),
        # China Standard Time spelled out (dateparser alone reads CST as US Central)
        ("2025-05-04 14:29 CST", sh(2025, 5, 4, 14, 29)),
        ("2025-05-04 14:29 UTC+8", sh(2025, 5, 4, 14, 29)),
        # other texts with a year go to dateparser
        ("Tue, 11 Nov 2025 08:27:00 GMT", sh(2025, 11, 11, 16, 27)),
        # 12-hour clock words and Chinese clock units
        ("2025年5月4日 下午3:20", sh(2025, 5, 4, 15, 20)),
        ("2025年5月4日下午3点20分", sh(2025, 5, 4, 15, 20)),
        ("2025年5月4日 14时29分05秒", sh(2025, 5, 4, 14, 29, 5)),
        ("2025年5月4日 上午9:05", sh(2025, 5, 4, 9, 5)),
        ("2025年5月4日 上午12:05", sh(2025, 5, 4, 0, 5)),
        ("2025年5月4日 中午12:30", sh(2025, 5, 4, 12, 30)),
        ("2025年5月4日 中午1点", sh(2025, 5, 4, 13, 0)),
        ("2025年5月4日 晚上8点", sh(2025, 5, 4, 20, 0)),
        ("2025年5月4日 凌晨1:00", sh(2025, 5, 4, 1, 0)),
        ("2025年5月4日 下午15:20", sh(2025, 5, 4, 15, 20)),
        ("2025年5月4日上午", sh(2025, 5, 4)),
        # yearless: the latest year not after the fetch time
        ("11月6日", sh(2025, 11, 6)),
        ("5-4 14:38", sh(2025, 5, 4, 14, 38)),
        ("9-11", sh(2025, 9, 11)),
        ("4月20日 18:10", sh(2025, 4, 20, 18, 10)),
        ("11-12 09:30", sh(2025, 11, 12, 9, 30)),
        ("11-13 09:30", sh(2024, 11, 13, 9, 30)),  # this year's would be tomorrow
        # relative to the fetch time
        ("3小时前", sh(2025, 11, 12, 7, 0)),
        ("3 小时前", sh(2025, 11, 12, 7, 0)),
        ("三小时前", sh(2025, 11, 12, 7, 0)),
        ("十分钟前", sh(2025, 11, 12, 9, 50)),
        ("10分钟前", sh(2025, 11, 12, 9, 50)),
        ("半小时前", sh(2025, 11, 12, 9, 30)),
        ("刚刚", sh(2025, 11, 12, 10, 0)),
        ("昨天 18:10", sh(2025, 11, 11, 18, 10)),
        ("昨天下午6:10", sh(2025, 11, 11, 18, 10)),
        ("今天 08:00", sh(2025, 11, 12, 8, 0)),
        ("昨天", sh(2025, 11, 11)),
        ("前天", sh(2025, 11, 10)),
        ("2天前", sh(2025, 11, 10, 10, 0)),
        ("3 hours ago", sh(2025, 11, 12, 7, 0)),
        # labels and neighbouring fields
        ("发布时间：2025-11-11 16:27:00", sh(2025, 11, 11, 16, 27)),
        ("发布日期: 2024-05-13", sh(2024, 5, 13)),
        ("2025-10-16 20:02:18\u3000来源: 中国日报网 广东 举报", sh(2025, 10, 16, 20, 2, 18)),
        ("2025年05月04日 14:29\u3000来源：中国新闻网", sh(2025, 5, 4, 14, 29)),
        ("  发布时间:2025-11-10 19:33:05   作者:玩站小弟   我要评论", sh(2025, 11, 10, 19, 33, 5)),
        ("2024年05月13日  点击:[]", sh(2024, 5, 13)),
        ("来源: 大医一院 | 发布时间: 2018-05-17 | 浏览次数: ", sh(2018, 5, 17)),
        ("来源：新华网\u3000发布时间：2025-05-04", sh(2025, 5, 4)),
        ("【2025-05-04】", sh(2025, 5, 4)),
        ("2025-05-04 星期日 14:29", sh(2025, 5, 4, 14, 29)),
        ("时间：2025年5月4日 14:29 阅读：128", sh(2025, 5, 4, 14, 29)),
    ],
)
def test_parse_date_forms(text, expected):
    result = parse_date(text, fetched_at=FETCHED)
    assert result == expected
    assert result.utcoffset() == timedelta(hours=8)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "garbage",
        "点击:[]",
        "来源: 中国日报网",
        "2025年2月30日",  # impossible
        "2月30日",
        "2025-13-01",
        "2025-11-11 25:00",
        "1985-01-01",  # before 1990
        "2019年",  # dateparser reads this as year 6
        "2025年5月",  # no day
        "2025年5月4日 晚上12点",  # which midnight?
        "12月1日禁售旧电动车,新国标不能带娃遭质疑",  # a headline, not a date line
        "据悉,2015年,维尔茨堡大学阿莎芬堡医院妇产科主任亚历山大教授应邀来到西南医科大学附属医院",
        "3小时后",
    ],
)
def test_parse_date_garbage(text):
    assert parse_date(text, fetched_at=FETCHED) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-11-12 10:05", sh(2025, 11, 12, 10, 5)),  # within the clock-skew tolerance
        ("2025-11-12 10:15", None),
        ("2025-11-13", None),
        ("2025-12-18 19:33:05", None),
        ("2026年1月1日", None),
        ("2025-11-12T02:30:00Z", None),  # 10:30 in Shanghai
    ],
)
def test_parse_date_rejects_the_future(text, expected):
    assert parse_date(text, fetched_at=FETCHED) == expected


def test_new_year_yearless_is_last_year():
    jan1 = sh(2026, 1, 1, 0, 10)
    assert parse_date("12-31 23:50", fetched_at=jan1) == sh(2025, 12, 31, 23, 50)
    assert parse_date("1-1 00:05", fetched_at=jan1) == sh(2026, 1, 1, 0, 5)
    assert parse_date("12月31日", fetched_at=jan1) == sh(2025, 12, 31)


def test_new_year_with_reference():
    # a dispatch dated 12月31日 published on a page (or URL) dated Jan 1
    jan2 = sh(2026, 1, 2, 9, 0)
    assert parse_date("12月31日", fetched_at=jan2, reference=date(2026, 1, 1)) == sh(2025, 12, 31)
    assert parse_date("1月1日", fetched_at=jan2, reference=date(2025, 12, 31)) == sh(2026, 1, 1)


def test_reference_gives_the_year():
    assert parse_date("5月4日", fetched_at=FETCHED, reference=date(2023, 5, 4)) == sh(2023, 5, 4)
    page_time = sh(2019, 9, 7, 9, 59)
    assert parse_date("9-7 09:59", fetched_at=FETCHED, reference=page_time) == sh(2019, 9, 7, 9, 59)


def test_leap_day_without_year():
    assert parse_date("2-29", fetched_at=sh(2025, 3, 1)) == sh(2024, 2, 29)
    assert parse_date("2-29", fetched_at=sh(2023, 3, 1)) is None


def test_fetched_at_in_another_timezone():
    # dateparser with an aware UTC base reads "昨天 18:10" as 18:10 UTC: the base must be local
    fetched_utc = FETCHED.astimezone(UTC)
    assert parse_date("昨天 18:10", fetched_at=fetched_utc) == sh(2025, 11, 11, 18, 10)
    assert parse_date("3小时前", fetched_at=fetched_utc) == sh(2025, 11, 12, 7, 0)
    # just after midnight in Shanghai, still the previous day in UTC
    early = sh(2025, 11, 12, 0, 30).astimezone(timezone(timedelta(hours=-5)))
    assert parse_date("11-12 00:20", fetched_at=early) == sh(2025, 11, 12, 0, 20)
    assert parse_date("昨天", fetched_at=early) == sh(2025, 11, 11)


# --- find_dateline ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中新网乌鲁木齐5月4日电 (戚亚平 林国强)各科室诊疗水平逐年提升", (5, 4)),
        ("中新网乌鲁木齐５月４日电　（戚亚平 林国强）", (5, 4)),
        ("新华社北京6月3日电（记者 王五）", (6, 3)),
        ("人民网北京10月9日电 据国家卫健委消息", (10, 9)),
        ("本报讯（记者 张三）5月12日，", (5, 12)),
        ("本报讯（记者 张三，通讯员 李四）5月12日上午，", (5, 12)),
        ("\u3000\u3000中新网5月4日电 题：", (5, 4)),
        ("晋江新闻网9月14日讯 昨日，记者走访", (9, 14)),
        ("新华社北京2月29日电", (2, 29)),
    ],
)
def test_find_dateline(text, expected):
    assert find_dateline(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # seed 000: the lead starts with the event date, not a dateline
        "11月6日,西南医科大学附属医院与维尔茨堡大学阿莎芬堡医院“姊妹医院”揭牌仪式举行。",
        "据悉，5月4日电力公司宣布",
        "这是2016年以来，在浙江大学医学院6家附属医院的帮扶下",
        "新华社北京2月30日电",
        "",
    ],
)
def test_find_dateline_rejects(text):
    assert find_dateline(text) is None


# --- date_from_url -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.chinanews.com.cn/gn/2025/05-04/10410000.shtml", date(2025, 5, 4)),
        ("https://www.chinanews.com/jk/2020/07-04/9229000.shtml", date(2020, 7, 4)),
        ("https://news.163.com/19/0907/09/EO8S1ABC00018AOR.html", date(2019, 9, 7)),
        ("https://www.example.com/news/2025/1218/123.html", date(2025, 12, 18)),
        ("https://www.example.com/20250504/a1b2.html", date(2025, 5, 4)),
        ("https://www.example.com/2025-05-04/a1b2.html", date(2025, 5, 4)),
        ("https://www.example.com/2025/05/04/a1b2.html", date(2025, 5, 4)),
        ("https://www.nhc.gov.cn/xcs/202505/t20250504_123456.html", date(2025, 5, 4)),
    ],
)
def test_date_from_url(url, expected):
    assert date_from_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.163.com/dy/article/KE5N3VQ80514R9OJ.html",
        "https://www.dmu.edu.cn/info/1021/12345.htm",
        "https://www.chinanews.com.cn/gn/2025/02-30/1.shtml",  # impossible
        "https://www.example.com/2025/1340/1.html",
        "https://www.example.com/1985/05-04/1.html",
        "https://www.example.com/a.html?date=2025-05-04",  # query, not path
        "https://other.example.com/19/0907/09/EO8S1ABC00018AOR.html",  # NetEase form elsewhere
    ],
)
def test_date_from_url_rejects(url):
    assert date_from_url(url) is None


# --- resolve_published ---------------------------------------------------------------------


def article(url: str, fetched_at: datetime, *candidates: tuple[str, str]) -> Article:
    return Article(
        url=url,
        source="test",
        fetched_at=fetched_at,
        date_candidates=[DateCandidate(text, origin) for origin, text in candidates],
    )


def test_seed_000_netease_displayed_time():
    item = resolve_published(
        article(
            "https://www.163.com/dy/article/KE5N3VQ80514R9OJ.html",
            sh(2025, 11, 11, 17, 0),
            ("site:div.post_info", "2025-11-11 16:27:00\u3000来源: 中国日报网"),
        )
    )
    assert item.published_at == sh(2025, 11, 11, 16, 27)
    assert item.published_at.isoformat() == "2025-11-11T16:27:00+08:00"
    assert item.published_origin == "site:div.post_info"
    assert item.notes == []


def test_seed_002_vsb_date_only():
    item = resolve_published(
        article(
            "https://www.dmu.edu.cn/info/1021/12345.htm",
            sh(2024, 5, 20, 8, 0),
            ("site:vsb.date", "2024年05月13日  点击:[]"),
        )
    )
    assert item.published_at.isoformat() == "2024-05-13T00:00:00+08:00"
    assert item.published_origin == "site:vsb.date"


def test_seed_003_chinanews_displayed_beats_dateline():
    item = resolve_published(
        article(
            "https://www.chinanews.com.cn/gn/2025/05-04/10410000.shtml",
            sh(2025, 5, 5, 9, 0),
            ("dateline", "中新网乌鲁木齐5月4日电 (戚亚平 林国强)各科室诊疗水平逐年提升"),
            ("site:div.content_left_time", "2025年05月04日 14:29\u3000来源：中国新闻网"),
        )
    )
    assert item.published_at.isoformat() == "2025-05-04T14:29:00+08:00"
    assert item.published_origin == "site:div.content_left_time"


def test_meta_completes_the_displayed_time():
    # chinanews 2020: displayed 12:10, hidden #pubtime_baidu 12:10:24
    item = resolve_published(
        article(
            "https://www.chinanews.com/gn/2020/07-04/9229000.shtml",
            sh(2020, 7, 4, 18, 0),
            ("site:div.left-t", "2020年07月04日 12:10　来源：求是网"),
            ("meta:pubtime_baidu", "2020-07-04 12:10:24"),
        )
    )
    assert item.published_at == sh(2020, 7, 4, 12, 10, 24)
    assert item.published_origin == "site:div.left-t+meta:pubtime_baidu"


def test_meta_adds_the_time_to_a_displayed_date():
    item = resolve_published(
        article(
            "https://www.dmu.edu.cn/info/1021/12345.htm",
            sh(2024, 5, 20),
            ("site:vsb.date", "发布时间: 2024-05-13"),
            ("meta:article:published_time", "2024-05-13T01:30:00Z"),
        )
    )
    assert item.published_at == sh(2024, 5, 13, 9, 30)
    assert item.published_origin == "site:vsb.date+meta:article:published_time"


def test_meta_gives_the_year_of_a_yearless_display():
    item = resolve_published(
        article(
            "https://www.example.com/news/abc.html",
            sh(2025, 11, 12),
            ("site:span.time", "5-4 14:38"),
            ("jsonld:datePublished", "2023-05-04T14:38:00+08:00"),
        )
    )
    assert item.published_at == sh(2023, 5, 4, 14, 38)


def test_less_precise_meta_keeps_the_display():
    item = resolve_published(
        article(
            "https://www.example.com/news/abc.html",
            sh(2025, 11, 12),
            ("site:span.time", "2025-11-11 16:27"),
            ("meta:pubdate", "2025-11-11"),
        )
    )
    assert item.published_at == sh(2025, 11, 11, 16, 27)
    assert item.published_origin == "site:span.time"


def test_disagreeing_meta_keeps_the_display_with_a_note():
    item = resolve_published(
        article(
            "https://www.example.com/news/abc.html",
            sh(2025, 11, 12),
            ("site:span.time", "2025-11-11 16:27"),
            ("meta:article:published_time", "2025-11-10T08:00:00+08:00"),
        )
    )
    assert item.published_at == sh(2025, 11, 11, 16, 27)
    assert item.published_origin == "site:span.time"
    assert any("disagrees" in note and "meta:article:published_time" in note for note in item.notes)


def test_relative_display_completed_by_meta():
    item = resolve_published(
        article(
            "https://m.163.com/news/article/KE5N3VQ80514R9OJ.html",
            sh(2025, 11, 12, 10, 0),
            ("site:span.time", "3小时前"),
            ("meta:article:published_time", "2025-11-12T06:41:13+08:00"),
        )
    )
    assert item.published_at == sh(2025, 11, 12, 6, 41, 13)


def test_meta_when_display_unreadable():
    item = resolve_published(
        article(
            "https://www.example.com/news/abc.html",
            sh(2025, 11, 12),
            ("site:div.info", "来源: 中国日报网"),
            ("meta:article:published_time", "2025-11-11T16:27:00+08:00"),
        )
    )
    assert item.published_at == sh(2025, 11, 11, 16, 27)
    assert item.published_origin == "meta:article:published_time"
    assert any("site:div.info" in note for note in item.notes)


def test_future_display_falls_back_to_meta():
    # content farms stamp their own time; a displayed time after the fetch is rejected
    item = resolve_published(
        article(
            "https://spam.example.com/a/1.html",
            sh(2025, 11, 12, 10, 0),
            ("site:div.info", "发布时间:2025-12-18 19:33:05"),
            ("meta:pubdate", "2025-11-10 08:00:00"),
        )
    )
    assert item.published_at == sh(2025, 11, 10, 8, 0)
    assert "after fetch time" in " ".join(item.notes)


def test_listed_date_with_year_from_url():
    item = resolve_published(
        article(
            "https://www.chinanews.com.cn/sh/2024/12-31/1.shtml",
            sh(2026, 1, 1, 0, 10),
            ("listed", "12-31 23:50"),
        )
    )
    assert item.published_at == sh(2024, 12, 31, 23, 50)
    assert item.published_origin == "listed"


def test_dateline_with_year_from_url():
    item = resolve_published(
        article(
            "https://www.chinanews.com.cn/gn/2023/05-04/1.shtml",
            sh(2025, 11, 12),
            ("dateline", "中新网乌鲁木齐5月4日电 (戚亚平 林国强)"),
        )
    )
    assert item.published_at == sh(2023, 5, 4)
    assert item.published_origin == "dateline"


def test_dateline_with_year_from_fetch_time():
    item = resolve_published(
        article(
            "https://www.example.com/news/abc.html",
            sh(2026, 1, 2),
            ("dateline", "新华社北京12月31日电"),
        )
    )
    assert item.published_at == sh(2025, 12, 31)


def test_dateline_beats_url():
    item = resolve_published(
        article(
            "https://www.example.com/2025/0505/abc.html",
            sh(2025, 11, 12),
            ("dateline", "新华社北京5月4日电"),
        )
    )
    assert item.published_at == sh(2025, 5, 4)
    assert item.published_origin == "dateline"


def test_url_date_as_last_resort():
    item = resolve_published(
        article(
            "https://www.chinanews.com.cn/gn/2025/05-04/10410000.shtml",
            sh(2025, 11, 12),
            ("site:div.content_left_time", "来源：中国新闻网"),
        )
    )
    assert item.published_at == sh(2025, 5, 4)
    assert item.published_origin == "url"


def test_future_url_date_rejected():
    item = resolve_published(
        article("https://www.example.com/2025/1218/abc.html", sh(2025, 11, 12))
    )
    assert item.published_at is None
    assert "after fetch time" in item.notes[-1]


def test_nothing_parses():
    item = article(
        "https://www.163.com/dy/article/KE5N3VQ80514R9OJ.html",
        sh(2025, 11, 12),
        ("site:div.post_info", "来源: 中国日报网 举报"),
        ("meta:article:published_time", "not a date"),
    )
    item.body = (
        "11月6日，西南医科大学附属医院与维尔茨堡大学阿莎芬堡医院揭牌。2015年，双方开始合作。"
    )
    resolve_published(item)
    assert item.published_at is None
    assert item.published_origin is None
    note = item.notes[-1]
    assert note.startswith("dates: no publication time")
    assert "site:div.post_info" in note
    assert "meta:article:published_time" in note
    assert "no date in URL" in note


@pytest.mark.parametrize(
    "travel_to", [datetime(2001, 1, 1, tzinfo=UTC), datetime(2040, 6, 1, tzinfo=UTC)]
)
def test_resolve_published_never_reads_the_clock(travel_to):
    def build() -> Article:
        return article(
            "https://www.chinanews.com.cn/gn/2025/05-04/10410000.shtml",
            sh(2025, 5, 5, 9, 0),
            ("site:span.time", "昨天 14:29"),
            ("listed", "5-4 14:38"),
            ("dateline", "中新网乌鲁木齐5月4日电"),
        )

    expected = resolve_published(build())
    with time_machine.travel(travel_to, tick=False):
        moved = resolve_published(build())
    assert expected.published_at == sh(2025, 5, 4, 14, 29)
    assert (moved.published_at, moved.published_origin) == (
        expected.published_at,
        expected.published_origin,
    )
    assert moved.notes == expected.notes


# --- date lines of institution pages ------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("07 2025-03", "2025-03-07"), ("7 2025年3月", "2025-03-07"), ("2025.03 07", "2025-03-07"),
    ("2025-03 07日", "2025-03-07"), ("03-07 2025", "2025-03-07"), ("2025 03/07", "2025-03-07"),
    ("31 2025-02", None), ("07 2025-03 10:30", None), ("2025-03-07", None), ("7 12", None),
])
def test_split_date(text, expected):
    assert split_date(text) == expected


@pytest.mark.parametrize(("line", "expected"), [
    ("来源：健康报 2025-02-20　发布时间：2025-03-07 10:30　浏览次数：123", "2025-03-07 10:30"),
    ("原文刊于2025年2月20日《健康报》 发布日期： 2025年3月7日", "2025年3月7日"),
    ("来源：健康报 2025-02-20　2025-03-07", "2025-03-07"),
    ("作者：张三 来源：宣传部  2025-03-07", "2025-03-07"),  # the field ended: the page's own
    ("来源：健康报 2025-02-20", "2025-02-20"),  # the only date shown
    ("发布时间：2025年03月07日 10时30分 来源：院办", "2025年03月07日 10时30分"),
    ("2025年3月7日 下午3:30 来源：院办", "2025年3月7日 下午3:30"),
])
def test_find_page_date_prefers_the_pages_own_date_line(line, expected):
    assert find_page_date(line)[0] == expected


def test_a_chinese_clock_after_the_date_is_read():
    fetched = datetime(2025, 6, 1, tzinfo=SH)
    assert parse_date(find_page_date("发布时间：2025年03月07日 10时30分")[0],
                      fetched_at=fetched) == datetime(2025, 3, 7, 10, 30, tzinfo=SH)
    assert parse_date(find_page_date("2025年3月7日 下午3:30")[0],
                      fetched_at=fetched) == datetime(2025, 3, 7, 15, 30, tzinfo=SH)
