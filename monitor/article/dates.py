"""Publication dates: date texts found on pages → timezone-aware datetimes in Asia/Shanghai.

Pure: "now" is always the article's fetch time, passed in; the clock is never read.

``parse_date`` normalises the text first (full-width digits and colons, U+3000 / nbsp,
spaces inside ``2019 年 10 月 30 日``, 上午/下午/晚上 → 24-hour clock, ``14点29分``),
drops labels and neighbouring fields (``发布时间：``, ``来源: xxx``, ``点击:``, ``|``), then
reads the exact numeric forms with a regex (``2025-11-11 16:27:00``, ``2024年5月13日 14:29``,
ISO 8601 with offset or Z, yearless ``11月6日`` / ``5-4 14:38``) and hands only relative texts
(``3小时前``, ``昨天 18:10``) and other texts carrying a 4-digit year to dateparser, with the
fetch time as ``RELATIVE_BASE``. Yearless texts get their year from ``reference`` (the
page or URL date: the year putting the date closest to it), else from the fetch time (the
latest year not after it, so ``12-31 23:50`` listed on Jan 1 is last year). A text
without a time of day gives midnight (``昨天`` too; ``2天前`` counts back from the fetch
time). Results after the fetch time (+ ``FUTURE_TOLERANCE`` for clock skew), before
``EARLIEST_YEAR``, impossible (2月30日) or unreadable are ``None``.

``resolve_published`` policy (only ``article.date_candidates`` and the URL are ever read;
the body is never scanned, so dates mentioned in the text cannot become the publication
time):

1. The displayed time (origin ``site:*``) wins: it is what the page tells readers.
2. Machine-readable times (``meta:*``, ``jsonld:*`` and any other origin) complete it: when
   one agrees with the displayed time at the displayed precision (same day for a date,
   same minute for HH:MM, within a day for a relative text) and is more precise, it is
   used and the origin reads ``"<site origin>+<meta origin>"``; a yearless displayed time
   takes its year from them. When they disagree the displayed time is kept and a note
   says so. Without a readable displayed time, the first readable machine time is used.
3. ``listed``: the date shown next to the link on a list page (year from the URL date,
   else the fetch time).
4. ``dateline`` (``中新网乌鲁木齐5月4日电``): month/day, year from the URL date, else the
   fetch time; midnight.
5. The URL date (``/2025/05-04/``), midnight: the last resort.

When nothing gives a date, ``published_at`` stays ``None`` and a note lists the candidates
tried and why each failed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import lru_cache
from urllib.parse import urlsplit

from monitor.article.item import Article, DateCandidate
from monitor.article.text import squash
from monitor.config.zone import TZ, ZONE_NAME

FUTURE_TOLERANCE = timedelta(minutes=10)  # clock skew between the site and us
EARLIEST_YEAR = 1990
MAX_DATE_TEXT = 60  # characters left after noise removal; longer is prose, not a date label

# --- noise around a date text -------------------------------------------------------------

# Where one field of a date line ends and the next starts: "来源: X | 发布时间: 2018-05-17 |
# 浏览次数:" (VSB), "来源：新华网　发布时间：2025-05-04" (government / hospital CMSs).
_FIELD_SEPARATORS = re.compile(
    r"[|丨]|(?=(?:发布|发表|更新|上传|录入|发稿)(?:时间|日期)\s*:)"
    r"|(?<![布表新传入稿])(?=(?:时间|日期)\s*:)"
)
# A label in front of the date: "发布时间:", "发布日期：", "时间:", "发表于", "Posted on".
_LEADING_LABEL = re.compile(
    r"^[\s\[【(]*(?:(?:发布|发表|更新|上传|录入|创建|发稿|成文)?(?:时间|日期)|发布于|发表于|发布"
    r"|posted(?:\s+on)?|published(?:\s+on)?|date)\s*:?\s*",
    re.IGNORECASE,
)
# Fields that follow the date on the same line; everything from them on is dropped:
# NetEase "2025-10-16 20:02:18　来源: 中国日报网 广东 举报", content farms
# "发布时间:… 作者:… 我要评论", VSB "2024年05月13日  点击:[]".
_TRAILING_FIELDS = re.compile(
    r"(?:文章来源|信息来源|来源|稿源|出处|作者|责任编辑|编辑|记者|通讯员|供稿|摄影|审核|点击|浏览"
    r"|阅读|字号|我要评论|评论|举报|分享|打印|关闭|收藏).*$",
    re.DOTALL,
)
_WEEKDAY = re.compile(r"(?:星期|周)[一二三四五六日天]|北京时间")
# China's offset written as a zone name: "CST" on Chinese sites is China Standard Time (dateparser
# reads it as US Central), "UTC+8", "GMT+08:00".
_CHINA_ZONE = re.compile(
    r"\s*(?:(?<![a-z])CST(?![a-z])|(?:UTC|GMT)\s*\+\s*0?8(?::?00)?)", re.IGNORECASE
)
_EDGE_PUNCTUATION = " \t\r\n[]【】()<>《》:,;、"  # after NFKC

# --- Chinese clock forms -----------------------------------------------------------------

_SPACES_AROUND_YMD = re.compile(r"\s*([年月日])\s*")
# "14点29分", "14时29分05秒", "下午3点" → "14:29", "14:29:05", "下午3:00"
_CHINESE_CLOCK = re.compile(
    r"(?<!\d)(\d{1,2})\s*[点时]\s*(?:(\d{1,2})\s*分\s*(?:(\d{1,2})\s*秒)?)?"
)
_MERIDIEM = re.compile(
    r"(凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|晚间|夜间)\s*(\d{1,2})((?::\d{2}){0,2})"
)
_MORNING = frozenset({"凌晨", "早上", "早晨", "上午"})
_EVENING = frozenset({"晚上", "晚间", "夜间"})
_LEFTOVER_MERIDIEM = re.compile(r"凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|晚间|夜间")

# --- exact numeric forms (after normalisation; matched against the whole text) ------------

_CLOCK = (
    r"(?:\s*T?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?"
)
# 2025-11-11 16:27:00, 2025/11/11, 2025.11.11, 2024年5月13日 14:29, 2025-11-11T16:27:00+08:00
_WITH_YEAR = re.compile(
    r"(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?" + _CLOCK,
    re.IGNORECASE,
)
# 11月6日, 5-4 14:38, 9-11, 4/20 (list pages, datelines)
_YEARLESS = re.compile(
    r"(?P<m>\d{1,2})\s*[-/月]\s*(?P<d>\d{1,2})\s*日?" + _CLOCK,
    re.IGNORECASE,
)

# --- relative forms (dateparser) ---------------------------------------------------------

_RELATIVE = re.compile(r"前|刚刚|刚才|昨|今天|今日|ago|yesterday|today|just now", re.IGNORECASE)
_DAY_NAME_ONLY = re.compile(r"今天|今日|昨天|昨日|前天|today|yesterday", re.IGNORECASE)
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_CHINESE_COUNT = re.compile(
    r"([一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"
    r"(?=\s*个?(?:秒|分钟|小时|天|周|星期|月|年)前)"
)
_CHINESE_DIGITS = dict(zip("一二三四五六七八九", range(1, 10), strict=True)) | {"两": 2}

_PRECISION = {"relative": 0, "day": 1, "minute": 2, "second": 3}


@dataclass(frozen=True)
class _Parsed:
    dt: datetime
    precision: str  # "relative", "day", "minute" or "second"


class _Unreadable(Exception):
    """A date text that gives no date; the message says why (kept in the article's notes)."""


# --- public API --------------------------------------------------------------------------


def parse_date(
    text: str, *, fetched_at: datetime, reference: date | None = None
) -> datetime | None:
    """The moment a date text denotes, in Asia/Shanghai; None when unreadable or in the future.

    ``reference`` (a datetime or date, e.g. the page's own date or the URL date) gives the
    year of yearless texts; without it the fetch time does.
    """
    try:
        return _parse(text, _local(fetched_at), reference).dt
    except _Unreadable:
        return None


# A news dateline at the start of a body. After NFKC, full-width brackets are ASCII.
_DATELINE_START = r"^[\s\[【]*据?"
# 中新网乌鲁木齐5月4日电, 新华社北京6月3日电, 人民网北京10月9日电, 晋江新闻网9月14日讯
_DATED_DATELINE = (r"[^\d\n,.。;:!?]{2,24}?(?:\d{4}年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
                   r"\s*(?:电|讯|消息)")
_DATELINES = (
    re.compile(_DATELINE_START + _DATED_DATELINE),
    # 本报讯（记者 X）5月12日, 本网讯 5月12日
    re.compile(
        r"^[\s\[【]*(?:本报|本网|本台|本刊)[^\d\n。]{0,8}讯[^\d\n。]{0,40}?(?:\d{4}年)?"
        r"(?P<m>\d{1,2})月(?P<d>\d{1,2})日"
    ),
)


# The same dateline as it opens a paragraph in any copy, with or without a date, and the
# byline after it: 新华社万象11月22日电(记者X), 西部网讯(记者 X), 荆楚网(湖北日报网)讯(通讯员 X),
# 据新华社电 (记者 X), 本报讯. What ``dateline_end`` measures (``monitor.judgement.stories``
# drops it: copies keep, drop or rewrite it), ``without_dateline`` cuts (the digest's lead)
# and ``opening_dateline`` reads (China News' reporters). After NFKC, full-width brackets
# are ASCII.
_DATELINE_OPENING = re.compile(
    _DATELINE_START + r"(?:" + _DATED_DATELINE
    + r"|[^\d\n,.。;:!?()]{0,12}?(?:社|网|报|台|刊|闻|线|端)(?:\([^()\n]{0,12}\))?\s*(?:电|讯))"
    r"\s*(?:\((?P<who>[^()\n]{0,30})\))?"
)


def dateline_end(text: str) -> int:
    """Where the news dateline opening ``text`` (already NFKC) ends, its byline included;
    0 when ``text`` opens with none."""
    found = _DATELINE_OPENING.match(text)
    return found.end() if found else 0


def opening_dateline(text: str) -> tuple[str, str | None] | None:
    """(the dateline, its byline's text) opening ``text``, e.g. (``中新网北京5月4日电``,
    ``记者 张三``), else None. Brackets come back as ASCII (the text is NFKC)."""
    found = _DATELINE_OPENING.match(unicodedata.normalize("NFKC", text))
    if not found:
        return None
    whole = found.group(0)
    if found["who"] is not None:
        whole = whole[:whole.rindex("(")]
    return whole.strip(), found["who"]


def without_dateline(text: str) -> str:
    """``text`` without the news dateline (and byline) opening it."""
    folded = unicodedata.normalize("NFKC", text)
    end = dateline_end(folded)
    if not end:
        return text
    # NFKC maps the characters of a dateline one to one (full-width to ASCII): cut the original
    return (text if len(folded) == len(text) else folded)[end:].lstrip()


def find_dateline(text: str) -> tuple[int, int] | None:
    """(month, day) of the dateline opening a body (``中新网乌鲁木齐5月4日电``), else None.

    A lead sentence that merely starts with a date (``11月6日，…揭牌仪式举行``) is no dateline.
    """
    head = unicodedata.normalize("NFKC", text[:120])
    for pattern in _DATELINES:
        found = pattern.match(head)
        if found:
            month, day = int(found["m"]), int(found["d"])
            try:
                date(2000, month, day)  # a leap year: 2月29日 is a possible dateline
            except ValueError:
                return None
            return month, day
    return None


# A shown date with a year, and its time of day when printed right after it, inside a longer
# line: "2024年05月17日08:59  来源：", "2005.08.26 05:39", "发布时间：2024-05-13 06:16:00".
_SHOWN_DATE = re.compile(
    r"(?<!\d)(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)\s*日?"
    r"(?:\s*(?:星期|周)[一二三四五六日天])?"
    r"(?P<clock>\s*T?\s*(?:(?:凌晨|早上|早晨|上午|中午|下午|傍晚|晚上|晚间|夜间)\s*)?"
    r"(?:\d{1,2}\s*[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?(?!\d)"
    r"|\d{1,2}\s*[时点]\s*\d{1,2}\s*分(?:\s*\d{1,2}\s*秒)?))?"
)


def find_shown_date(text: str) -> tuple[str, bool] | None:
    """The first date printed in ``text`` with its time of day if any, and whether it has one.

    Sites pass whole date lines; this says where the date is in them (``parse_date`` reads it).
    """
    found = _SHOWN_DATE.search(text)
    if not found:
        return None
    return squash(found.group(0)), found.group("clock") is not None


# Labels of the page's own date line ("发布时间：", "发布日期：", "日期：", "时间：") and of a
# quoted outlet's field ("来源：健康报 2025-02-20", "转载自…", "原文发表于…"): the own line wins.
_OWN_DATE_LABEL = re.compile(
    r"(?:发布|发表|更新|上传|录入|发稿|成文|创建)?(?:时间|日期)\s*[:：]|发布于|发表于")
_OUTLET_LABEL = re.compile(r"(?:文章|信息|稿件|新闻)?来源\s*[:：]|稿源|出处|转载自|转自|原文|原载")
# Where one field of a date line ends: a bar, a run of spaces, another label
_FIELD_END = re.compile(r"[|丨｜]|\s{2,}|\u3000|(?:作者|编辑|浏览|点击|阅读)\S{0,2}\s*[:：]")


def find_page_date(text: str) -> tuple[str, bool] | None:
    """The page's own date in a date line (see ``find_shown_date``): the date after a date
    label (``发布时间：``) first; else the first date that is not in a quoted outlet's field
    (``来源：健康报 2025-02-20``); else the first date."""
    for label in _OWN_DATE_LABEL.finditer(text):
        value = text[label.end():]
        found = _SHOWN_DATE.match(text, len(text) - len(value.lstrip()))
        if found:
            return squash(found.group(0)), found.group("clock") is not None
    for found in _SHOWN_DATE.finditer(text):
        outlet = max(_OUTLET_LABEL.finditer(text, 0, found.start()), default=None,
                     key=lambda label: label.start())
        if outlet is None or _FIELD_END.search(text, outlet.end(), found.start()):
            return squash(found.group(0)), found.group("clock") is not None
    return find_shown_date(text)


# A date shown split over two elements ("<span>07</span><p>2025-03</p>", "2025.03 | 07",
# "03-07 2025"), read from the parts' texts joined by spaces: the whole text is the date.
_SPLIT_DATES = (
    re.compile(r"(?P<d>\d{1,2})\s*日?\s+(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?"),
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?\s+(?P<d>\d{1,2})\s*日?"),
    re.compile(r"(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?\s+(?P<y>(?:19|20)\d{2})\s*年?"),
    re.compile(r"(?P<y>(?:19|20)\d{2})\s*年?\s+(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"),
)
# One part of a split date: a year and month, a month and day, a day, a year.
SPLIT_DATE_PART = re.compile(
    r"\s*(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*月?|\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?"
    r"|\d{1,2}\s*日?|(?:19|20)\d{2}\s*年?)\s*")


def split_date(text: str) -> str | None:
    """``"07 2025-03"`` (the parts of a date shown in separate elements, joined by a space)
    → ``"2025-03-07"``; None unless the whole text is such a date and a possible day."""
    text = unicodedata.normalize("NFKC", text).strip()
    for pattern in _SPLIT_DATES:
        found = pattern.fullmatch(text)
        if found:
            day = _valid_day(int(found["y"]), int(found["m"]), int(found["d"]))
            return day.isoformat() if day else None
    return None


def find_shown_dates(text: str) -> list[tuple[str, bool]]:
    """Every date printed in ``text`` (see ``find_shown_date``), in order."""
    return [(squash(m.group(0)), m.group("clock") is not None)
            for m in _SHOWN_DATE.finditer(text)]


# The time a list shows next to a link: relative ("30分钟前", "1天前", "刚刚", "昨天 18:10"),
# yearless ("07-15 18:00", "7月15日") or full ("2024-07-15 18:00").
_LISTED_TIME = re.compile(
    r"\d+\s*(?:秒|分钟|分鐘|小时|小時|天|日|周|週|个月|個月)前|刚刚|剛剛"
    r"|(?:昨天|前天|今天)\s*(?:\d{1,2}:\d{2})?"
    r"|(?<![\d.])(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?!\d)\s*日?"
    r"|\d{1,2}-\d{1,2}(?![\d.])|\d{1,2}月\d{1,2}日|\d{1,2}/\d{1,2}(?=\s+\d{1,2}:\d{2}))"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
)


# A date a list prints in two elements, the day apart from the year and month ("15" over
# "2024-05", "2024.05" beside "15"), their texts joined by a space: university, hospital and
# government CMS templates.
_SPLIT_DAY = re.compile(
    r"(?<![\d.:/-])(?P<d>\d{1,2})\s+(?P<y>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m>\d{1,2})\s*月?"
    r"(?![\d:]|\s*[-/.日]\s*\d)"
    r"|(?<![\d.:/-])(?P<y2>(?:19|20)\d{2})\s*[-/.年]\s*(?P<m2>\d{1,2})\s*月?\s+(?P<d2>\d{1,2})"
    r"(?![\d:.\-/])"
)


def find_listed_time(text: str) -> str | None:
    """The time shown in a list entry's text (raw, for ``parse_date``), else None; a day
    shown apart from its year and month comes back as ``YYYY-MM-DD``."""
    found = _LISTED_TIME.search(text)
    if found:
        return squash(found.group(0))
    split = _SPLIT_DAY.search(text)
    if split:
        year, month, day = (int(split[name] or split[name + "2"]) for name in ("y", "m", "d"))
        if _valid_day(year, month, day):
            return f"{year:04d}-{month:02d}-{day:02d}"
    return None


# Dates in article URL paths, most specific first.
_URL_DATES = (
    # chinanews: /gn/2025/05-04/10410000.shtml
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{2})-(?P<d>\d{2})/"),
    # /2025-05-04/...
    re.compile(r"/(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})/"),
    # /2025/1218/... (NetEase channels, many news CMSs)
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{2})(?P<d>\d{2})/"),
    # /2025/05/04/...
    re.compile(r"/(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"),
    # /20250504/...
    re.compile(r"/(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})/"),
    # TRS CMS (government and hospital sites): /202505/t20250504_123456.html
    re.compile(r"/t(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})_\d+"),
)
# NetEase 2019–2020: news.163.com/19/0907/09/<16-char ID>.html (YY/MMDD/HH)
_NETEASE_OLD_URL = re.compile(r"^/(?P<yy>\d{2})/(?P<m>\d{2})(?P<d>\d{2})/\d{2}/[A-Z0-9]{16}\.html")


def date_from_url(url: str) -> date | None:
    """The publication date written in an article URL's path, else None."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host == "163.com" or host.endswith(".163.com"):
        found = _NETEASE_OLD_URL.match(parts.path)
        if found:
            return _valid_day(2000 + int(found["yy"]), int(found["m"]), int(found["d"]))
    for pattern in _URL_DATES:
        found = pattern.search(parts.path)
        if found:
            day = _valid_day(int(found["y"]), int(found["m"]), int(found["d"]))
            if day:
                return day
    return None


# Candidate origin prefix → tier; unknown prefixes count as machine-readable.
_DISPLAYED, _MACHINE, _LISTED, _DATELINE, _URL = range(5)
_TIER_OF_PREFIX = {"site": _DISPLAYED, "listed": _LISTED, "dateline": _DATELINE, "url": _URL}


def resolve_published(article: Article) -> Article:
    """Fill ``published_at`` / ``published_origin`` from the date candidates (policy above)."""
    now = _local(article.fetched_at)
    url_day = date_from_url(article.url)
    by_tier: dict[int, list[DateCandidate]] = {tier: [] for tier in range(5)}
    for candidate in article.date_candidates:
        tier = _TIER_OF_PREFIX.get(candidate.origin.split(":", 1)[0], _MACHINE)
        by_tier[tier].append(candidate)
    by_tier[_URL].append(DateCandidate(article.url, "url"))
    failures: list[str] = []

    def first(tier: int, reference: date | None) -> tuple[_Parsed, str] | None:
        for candidate in by_tier[tier]:
            try:
                if tier == _DATELINE:
                    parsed = _parse_dateline(candidate.text, now, reference)
                elif tier == _URL:
                    parsed = _parse_url(candidate.text, now)
                else:
                    parsed = _parse(candidate.text, now, reference)
            except _Unreadable as why:
                failures.append(f"{candidate.origin} {candidate.text.strip()[:60]!r} ({why})")
                continue
            return parsed, candidate.origin
        return None

    machine = first(_MACHINE, url_day)
    displayed = first(_DISPLAYED, machine[0].dt if machine else url_day)
    if displayed and machine:
        chosen = _complete(displayed, machine, article.notes)
    else:
        chosen = (
            displayed
            or machine
            or first(_LISTED, url_day)
            or first(_DATELINE, url_day)
            or first(_URL, None)
        )

    if chosen is None:
        article.published_at = article.published_origin = None
        article.notes.append("dates: no publication time; tried " + "; ".join(failures))
        return article
    if failures:
        article.notes.append("dates: unreadable candidates: " + "; ".join(failures))
    article.published_at, article.published_origin = chosen[0].dt, chosen[1]
    return article


# --- internals ---------------------------------------------------------------------------


def _complete(
    displayed: tuple[_Parsed, str], machine: tuple[_Parsed, str], notes: list[str]
) -> tuple[_Parsed, str]:
    """The displayed time, replaced by the machine time when that agrees and is more precise."""
    shown, shown_origin = displayed
    exact, exact_origin = machine
    if _agree(shown, exact.dt):
        if _PRECISION[exact.precision] > _PRECISION[shown.precision]:
            return exact, f"{shown_origin}+{exact_origin}"
        return displayed
    notes.append(
        f"dates: displayed {shown.dt.isoformat()} ({shown_origin}) disagrees with "
        f"{exact.dt.isoformat()} ({exact_origin}); kept the displayed time"
    )
    return displayed


def _agree(shown: _Parsed, other: datetime) -> bool:
    if shown.precision == "relative":
        return abs(other - shown.dt) < timedelta(days=1)
    if shown.precision == "day":
        return other.date() == shown.dt.date()
    if shown.precision == "minute":
        return other.replace(second=0, microsecond=0) == shown.dt
    return other == shown.dt


def _parse(text: str, now: datetime, reference: date | None) -> _Parsed:
    """Parse one candidate text; raises _Unreadable with the reason."""
    reasons = []
    for segment in _FIELD_SEPARATORS.split(unicodedata.normalize("NFKC", text)):
        try:
            cleaned = _clean(segment)
            if not cleaned:
                continue
            parsed = _parse_clean(cleaned, now, reference)
        except _Unreadable as why:
            reasons.append(str(why))
            continue
        if parsed.dt > now + FUTURE_TOLERANCE:
            reasons.append("after fetch time")
            continue
        if parsed.dt.year < EARLIEST_YEAR:
            reasons.append(f"before {EARLIEST_YEAR}")
            continue
        return parsed
    raise _Unreadable(", ".join(dict.fromkeys(reasons)) or "empty")


def _clean(segment: str) -> str:
    """One field of a date line without labels, neighbouring fields or Chinese clock words."""
    text = _LEADING_LABEL.sub("", segment.strip())
    text = _TRAILING_FIELDS.sub("", text)
    text = _WEEKDAY.sub(" ", text)
    text = _CHINA_ZONE.sub("+08:00", text)
    text = _SPACES_AROUND_YMD.sub(r"\1", text)
    text = _CHINESE_CLOCK.sub(_clock_to_colons, text)
    text = _MERIDIEM.sub(_to_24_hours, text)
    text = _LEFTOVER_MERIDIEM.sub(" ", text)
    return squash(text).strip(_EDGE_PUNCTUATION)


def _clock_to_colons(found: re.Match) -> str:
    hour, minute, second = found.group(1), found.group(2) or "0", found.group(3)
    return f"{hour}:{int(minute):02d}" + (f":{int(second):02d}" if second else "")


def _to_24_hours(found: re.Match) -> str:
    word, hour, rest = found.group(1), int(found.group(2)), found.group(3) or ":00"
    if hour > 12:
        return f"{hour}{rest}"  # already a 24-hour clock
    if word in _MORNING:
        hour %= 12
    elif word == "中午":
        hour = hour if hour >= 11 else hour + 12
    elif word in _EVENING and hour == 12:
        raise _Unreadable("晚上12点 is ambiguous")
    elif hour < 12:
        hour += 12
    return f"{hour}{rest}"


def _parse_clean(text: str, now: datetime, reference: date | None) -> _Parsed:
    if len(text) > MAX_DATE_TEXT:
        raise _Unreadable("too long for a date")
    found = _WITH_YEAR.fullmatch(text)
    if found:
        return _build(int(found["y"]), found)
    found = _YEARLESS.fullmatch(text)
    if found:
        return _build(_year_for(found, now, reference), found)
    if _RELATIVE.search(text) or _HAS_YEAR.search(text):
        return _dateparse(text, now)
    raise _Unreadable("not a date")


def _build(year: int, found: re.Match) -> _Parsed:
    """The datetime of a regex match, in Asia/Shanghai; raises on impossible dates."""
    hour, minute, second = found["H"], found["M"], found["S"]
    tz = TZ if not found["tz"] else _offset(found["tz"])
    try:
        moment = datetime(
            year,
            int(found["m"]),
            int(found["d"]),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            tzinfo=tz,
        )
    except ValueError as error:
        raise _Unreadable("impossible date") from error
    precision = "second" if second else "minute" if hour else "day"
    return _Parsed(moment.astimezone(TZ), precision)


def _offset(text: str) -> timezone:
    if text.upper() == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(-delta if text[0] == "-" else delta)


def _year_for(found: re.Match, now: datetime, reference: date | None) -> int:
    """The year of a yearless date: closest to ``reference``, else the latest not after now."""

    def moment(year: int) -> datetime | None:
        try:
            return _build(year, found).dt
        except _Unreadable:
            return None

    limit = now + FUTURE_TOLERANCE
    if reference is not None:
        anchor = _local(reference) if isinstance(reference, datetime) else _midnight(reference)
        options = [
            (y, m)
            for y in range(reference.year - 1, reference.year + 2)
            if (m := moment(y)) is not None and m <= limit
        ]
        if options:
            return min(options, key=lambda option: abs(option[1] - anchor))[0]
    for year in (now.year, now.year - 1):
        candidate = moment(year)
        if candidate is not None and candidate <= limit:
            return year
    raise _Unreadable("impossible date")


def _dateparse(text: str, now: datetime) -> _Parsed:
    """Relative and other free-form texts, with the fetch time as RELATIVE_BASE."""
    text = _CHINESE_COUNT.sub(lambda found: str(_chinese_number(found.group(1))), text)
    result = _parser(now.replace(tzinfo=None)).get_date_data(text).date_obj
    if result is None:
        raise _Unreadable("not a date")
    moment = result.astimezone(TZ)
    if _RELATIVE.search(text):
        if _DAY_NAME_ONLY.fullmatch(text):
            return _Parsed(_midnight(moment.date()), "day")
        return _Parsed(moment, "relative")
    precision = (
        "second"
        if re.search(r"\d:\d\d:\d\d", text)
        else ("minute" if re.search(r"\d:\d\d", text) else "day")
    )
    return _Parsed(moment, precision)


@lru_cache(maxsize=32)
def _parser(relative_base: datetime):
    """A dateparser instance per fetch time. The base must be naive Shanghai time: with an
    aware UTC base, dateparser reads "昨天 18:10" as 18:10 UTC."""
    # start-up: dateparser takes 0.2 s to import; the digest and the web page read the
    # dateline rules of this module and never parse a date with it
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["zh", "en"],
        settings={
            "TIMEZONE": ZONE_NAME,
            "TO_TIMEZONE": ZONE_NAME,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": relative_base,
            "REQUIRE_PARTS": ["day", "month", "year"],  # "2025年5月" is no publication day
        },
    )


def _chinese_number(text: str) -> int:
    """一 … 九十九 as an int (counts in relative times such as 三小时前)."""
    if "十" not in text:
        return _CHINESE_DIGITS[text]
    tens, _, units = text.partition("十")
    return _CHINESE_DIGITS.get(tens, 1) * 10 + _CHINESE_DIGITS.get(units, 0)


def _parse_dateline(text: str, now: datetime, reference: date | None) -> _Parsed:
    """A dateline candidate: the body's opening dateline, or a bare month/day text."""
    month_day = find_dateline(text)
    if month_day is None:
        return _parse(text, now, reference)
    return _parse(f"{month_day[0]}月{month_day[1]}日", now, reference)


def _parse_url(url: str, now: datetime) -> _Parsed:
    day = date_from_url(url)
    if day is None:
        raise _Unreadable("no date in URL")
    if _midnight(day) > now + FUTURE_TOLERANCE:
        raise _Unreadable("after fetch time")
    return _Parsed(_midnight(day), "day")


def _valid_day(year: int, month: int, day: int) -> date | None:
    if year < EARLIEST_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


def _local(moment: datetime) -> datetime:
    """A fetch time in Asia/Shanghai; a naive one is taken as Shanghai time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=TZ)
    return moment.astimezone(TZ)
