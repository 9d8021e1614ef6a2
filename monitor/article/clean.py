"""Cleaning an extracted article: boilerplate and ad lines out, whitespace normalised,
content-farm pages marked ``low_quality``.

Pure: only the article is read. Nothing is dropped silently: every removed line or
fragment is listed in ``Article.notes`` (``clean: ...``), and every reason a page looks
like a content farm is in ``Article.quality_reasons``.

Content farms (seed 001) repost a real article and inject short fragments of its title
into sentences (``…连接区域民心的医看院持医疗重要纽带``, ``…注入持续动力。地区``). A
fragment is removed only where that is certain:

* at the end of a paragraph, after a sentence-final ``。`` (``…动力。地区``);
* between a sentence end and a photo credit (``…手术。帮扶朱文 摄``);
* inside a sentence, after ``，、；：的`` and before more text (so the sentence reads on
  without it), on a page that already shows farm evidence, when the fragment is never
  used elsewhere in the text except inside a longer quote of the title;
* or, for fragments that are also ordinary words (``中山``, ``南疆``), when the farm's
  injection cycle shows it: farms insert a fixed list of fragments in the same order again
  and again, so the spots that line up with a confirmed repetition of that order are
  injected too, and spots that break the order are the article's own words.

Other suspicious spots stay in the text and are only reported in the notes.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from monitor.article.dates import parse_date
from monitor.article.item import Article
from monitor.article.signature import signature_start
from monitor.article.text import CJK, normalise_line, normalise_text

__all__ = ["clean_article", "normalise_line", "normalise_text"]

# Trailing link lines (the "close" boilerplate below)
LINK_LINES = (
    "关闭", "关闭窗口", "关闭本页", "打印", "打印本页", "打印此文", "打印文章", "返回", "返回顶部",
    "返回首页", "返回列表", "返回上页", "返回上一页", "收藏", "收藏本文", "加入收藏", "我要纠错",
    "纠错", "阅读原文", "点击阅读原文", "点此阅读原文", "点击这里阅读原文", "查看原文",
    "点击查看原文",
)
# An attachment's download counter, cut wherever it is: （下载次数：12）, (已下载 3 次)
DOWNLOAD_COUNTER = (r"\s*[（(\[【]\s*(?:下载次数|下载量|已下载|下载)\s*[:：]?\s*\d+\s*次?"
                    r"\s*[)）\]】]|\s*(?:下载次数|下载量)\s*[:：]\s*\d+\s*次?")

# --- boilerplate lines: a body line matching one of these whole is dropped ----------------
# (name, pattern), matched against the line after whitespace normalisation.
BOILERPLATE_LINES: tuple[tuple[str, str], ...] = (
    # NetEase 2020+ share bar and its counter ("0" / "分享至"), chinanews 分享到 (seed 000)
    ("share", r"(?:分享至|分享到|分享)[:：]?\s*(?:微信|微博|朋友圈|QQ空间|QQ|豆瓣|\s)*"),
    ("counter", r"\d{1,4}"),
    # NetEase 网易号 statement and its English twin (seed 000)
    ("statement", r"特别声明[:：].{0,300}"),
    ("statement", r"Notice: The content above.{0,400}"),
    # platform disclaimers and rights notices printed under the text (real pages: portals,
    # self-media platforms, health sites): 免责声明：…, 本作品为…原创，转载时务请注明出处。
    ("statement", r"(?:免责声明|平台声明|版权声明)[:：].{0,300}"),
    ("statement", r".{0,60}(?:原创|专稿|独家稿件|版权所有).{0,30}(?:转载|授权|摘编|复制|出处)"
                  r".{0,60}"),
    ("statement", r".{0,40}未经.{0,12}(?:授权|许可|同意).{0,30}(?:转载|使用|复制|摘编|镜像)"
                  r".{0,60}"),
    # related / recommended / comment blocks: headings (the list under them is a trailer)
    ("related", r"(?:[-•·]\s*)?(?:相关推荐|热点推荐|热门推荐|相关文章|相关阅读|相关新闻|延伸阅读"
                r"|推荐阅读|猜你喜欢|往期回顾.{0,8}|最近发表|随机阅读|热门文章|热点新闻"
                r"|精彩推荐|大家都在看|新闻排行|热门排行|图片新闻)\s*[-:：]?"),
    ("comments", r"我要评论|最新评论|发表评论|网友评论|查看评论|(?:已有)?\d*\s*(?:条评论|人参与)"
                 r"|(?:\d+\s*)?(?:跟贴|跟帖)\s*\d*\s*(?:条|人参与)?"),
    # VSB article footer (seed 002): 上一条 / 下一条, 关闭, the empty click counter
    ("prev-next", r"(?:上一[条篇]|下一[条篇]|上一页|下一页)[:：].{0,120}"),
    # trailing link lines of institution and portal pages, alone or in a row: 【打印本页】
    # 【关闭窗口】, 返回顶部, 点击阅读原文 (a repost's link to its source)
    # (each item atomic, longest words first: no backtracking on long lines)
    ("close", r"(?:(?>[【\[(（]?\s*(?:" + "|".join(sorted(LINK_LINES, key=len, reverse=True))
              + r")\s*[】\])）]?\s*[>》»]*\s*[|｜/·]?\s*))+"),
    # attachment links and their download counters: 附件：名单.pdf（下载次数：12）, 2.申报表.docx
    ("attachment", r"(?:附件\s*\d*\s*[:：]?\s*)?(?:\d{1,2}\s*[.、．]\s*)?[^。；;]{1,80}?"
                   r"\.(?:pdf|docx?|xlsx?|pptx?|wps|et|ofd|zip|rar|7z|txt)\s*(?:"
                   + DOWNLOAD_COUNTER + ")?"),
    ("attachment", DOWNLOAD_COUNTER),
    ("clicks", r"(?:\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?)?\s*"
               r"(?:点击|浏览|阅读)(?:次数|量|数)?\s*[:：]\s*[\[【(]?\s*\d*\s*[\]】)]?\s*次?"),
    # breadcrumbs: "您现在的位置是: 首页 >> …" (seed 002), "网易首页 > 网易号 > 正文" (seed 000)
    ("breadcrumb", r"(?:您现在的位置|当前位置|您的位置|所在位置|现在位置)\s*(?:是)?\s*"
                   r"[:：].{0,120}"),
    ("breadcrumb", r"\S{0,8}首页\s*(?:>>|>|»|＞|→|/).{0,100}"),
    # editor / reviewer credits: 责任编辑：X, 【编辑:王琴】 (chinanews), (编辑 X)
    ("editor", r"[【\[(（]?\s*(?:责任编辑|编辑|责编|审核|审校|校对|初审|复审|终审|值班编辑)"
               r"\s*[:：/\s]\s*[^【】\[\]()（）]{1,30}[】\])）]?"),
    # source lines inside the body: 本文来源：X, 原标题：X (NetEase p.otitle), 图片来源：X
    ("source", r"(?:本文来源|文章来源|稿件来源|信息来源|原标题|图片来源)\s*[:：].{0,80}"),
    ("tags", r"[•·]?\s*(?:Tag|TAG|Tags|标签|关键词|关键字)\s*[:：].{0,80}"),
    # NetEase page furniture (seed 000)
    ("furniture", r"举报|申请入驻|无障碍浏览.{0,12}|进入关怀版|扫一扫.{0,20}|手机看"
                  r"|字号[:：]?.{0,8}"),
    # a line that is only a date or a date and time (list items, page furniture)
    ("date", r"\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2}\s*日?"
             r"(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?"),
)
# Trailer credits of hospital / university pages (供稿：X 摄影：Y 编辑：Z, any order), one
# role per match; a line made only of these is dropped. The first role of AUTHOR_ROLES
# found gives the author when extraction found none.
CREDIT = re.compile(
    r"[（(]?\s*(?P<role>供稿|撰稿|文字|文|图|摄影|图片|摄像|视频|编辑|责编|审核|审校|初审|复审"
    r"|终审|校对|来源|作者)\s*[:：/|丨]\s*(?P<name>[^:：/|丨()（）]{1,20}?)\s*[|丨]?\s*[）)]?"
    r"(?=\s*(?:供稿|撰稿|文字|文|图|摄影|图片|摄像|视频|编辑|责编|审核|审校|初审|复审|终审|校对"
    r"|来源|作者)\s*[:：/|丨]|\s*$)"
)
AUTHOR_ROLES = ("作者", "撰稿", "文字", "文", "供稿")
# Image captions with a photo credit: "…提供咨询。 林晓 摄", "(资料图) 第一师医院供图",
# "图为…" (chinanews); at most CAPTION_MAX characters.
CAPTION_LINES = (
    r".*[\u4e00-\u9fff]{2,4} 摄",
    r".*[(（](?:记者|通讯员)?\s*[\u4e00-\u9fff]{2,4}\s*摄[)）]",
    r".*(?:供图|图片由.{1,20}提供)",
    r".*[(（]资料图[)）]",
    r"图为.*",
)
CAPTION_MAX = 100
# A page's own byline caught in the body: "发布时间:… 作者:… 我要评论" (seed 001). A short
# line with two or more of these labels is dropped.
BYLINE_LABELS = re.compile(
    r"(?:发布时间|发布日期|发表时间|更新时间|来源|作者|点击|浏览|阅读|编辑|字号)(?:次数|量)?\s*[:：]"
)
BYLINE_MAX = 120
# Headings after which the rest of the body is a link list (when it looks like one).
TRAILER_HEADINGS = frozenset({"related", "comments"})
TRAILER_SHORT_LINE = 40  # a line of a link list: at most this long, or without 。
TRAILER_LIST_SHARE = 0.5  # share of list-like lines below a heading that makes it a trailer

# --- ad lines (content farms put them at the top): forex, casinos, loans, 开户 -----------
# Searched only in lines of at most AD_LINE_MAX characters.
AD_PATTERNS: tuple[tuple[str, str], ...] = (
    ("forex", r"EXNESS|IC\s*Markets|FXTM|XM外汇|嘉盛|福汇|外汇(?:交易|平台|开户|官网)"
              r"|(?:黄金|贵金属|原油)(?:外汇|期货)?交易(?:平台)?"),
    ("casino", r"娱乐城|博彩|百家乐|真人娱乐|体育投注|彩票平台|澳门.{0,4}(?:赌场|娱乐|葡京)"
               r"|老虎机|棋牌(?:游戏|平台)|网上赌"),
    ("loan", r"(?:网贷|贷款|借款|小额贷)\S{0,8}(?:秒批|秒到|下款|口子|无抵押|不看征信)"
             r"|信用卡套现"),
    ("signup", r"(?:快速|立即|免费|在线)(?:注册|开户)|(?:注册|开户)(?:送|即送|就送)|全球官网"
               r"|加(?:微信|VX|vx|QQ)\s*[:：]?\s*\w+"),
)
AD_LINE_MAX = 120

# --- content-farm signals ------------------------------------------------------------------
# Author names that are a site account, not a person (seed 001: 玩站小弟).
GENERIC_AUTHORS = frozenset({
    "玩站小弟", "小编", "admin", "administrator", "管理员", "超级管理员", "网站编辑", "本站编辑",
    "网站管理员", "站长", "佚名", "匿名", "未知", "webmaster", "editor", "root", "system",
    "本站", "网络", "互联网", "网友", "转载", "编辑部",
})
SCRAPE_TIME_TOLERANCE = timedelta(minutes=2)  # publish time "equal" to the fetch time
SAME_DAY_RELATED_MIN = 3  # dated related items, all on the page's own day (a farm's scrape day)
FRAGMENT_MIN, FRAGMENT_MAX = 2, 6  # length of an injected title fragment
FRAGMENT_SCAN_CHARS = 30_000  # farms inject near the top; longer bodies are scanned this far
CYCLE_SLACK = 1.5  # a later injection cycle spans at most this times the first (characters)
MAX_CYCLE_SPOTS, MAX_CYCLES = 60, 10  # farms cycle through a short list, a few times
# After these a fragment sits inside a sentence. A 。 starts a new sentence, whose subject
# is often a title word: fragments there are never removed (except at paragraph end).
_MID_SENTENCE_LEFT = frozenset("，,、；;：:的")
_SENTENCE_END = frozenset("。！？!?")
_FRAGMENT_LEFT = re.compile(f"[{re.escape(''.join(sorted(_SENTENCE_END | _MID_SENTENCE_LEFT)))}]")
_PHOTO_CREDIT = re.compile(r"(?!记者|通讯员)[\u4e00-\u9fff]{2,3}\s*摄")

_CJK_CHAR = re.compile(rf"[{CJK}]")
_ENDS_SENTENCE = re.compile(r"[。！？!?][”’」』)）]*$")
_DATE_LINE = re.compile(r"(\d{4})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_BOILERPLATE = tuple((name, re.compile(pattern, re.IGNORECASE if name == "attachment" else 0))
                     for name, pattern in BOILERPLATE_LINES)
_DOWNLOAD_COUNTER = re.compile(DOWNLOAD_COUNTER)
_CAPTIONS = tuple(re.compile(pattern) for pattern in CAPTION_LINES)
_ADS = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in AD_PATTERNS)


def clean_article(article: Article) -> Article:
    """Boilerplate and ads out of the body, whitespace normalised, farm pages marked."""
    notes = article.notes
    if article.title:
        article.title = normalise_line(article.title)
    lines = normalise_text(article.body).split("\n") if article.body else []
    lines, trailer = _drop_boilerplate(lines, notes)
    lines = _drop_credits(lines, article)
    lines, ads = _drop_ads(lines, notes)
    signals = _farm_signals(article, ads, trailer)
    if article.title and lines:
        scanned = _head(lines, FRAGMENT_SCAN_CHARS)
        if len(scanned) < len(lines):
            notes.append(f"clean: title fragments looked for in the first {len(scanned)} "
                         f"paragraphs only (body over {FRAGMENT_SCAN_CHARS} characters)")
        lines = _title_fragments(scanned, article.title, signals, notes) + lines[len(scanned):]
    lines = _drop_captions(lines, notes)

    if signals.low_quality:
        article.low_quality = True
        article.quality_reasons.extend(signals.strong + signals.weak)
    elif signals.weak:
        notes.append("clean: one weak content-farm signal only: " + "; ".join(signals.weak))
    article.body = "\n".join(lines) if lines else None
    if not lines and article.extractor:
        notes.append("clean: nothing left of the body")
    return article


def _farm_signals(article: Article, ads: list[str], trailer: list[str]) -> _Signals:
    """Content-farm evidence outside the text itself: ads, author, times, related list."""
    signals = _Signals(strong=[f"ad line: {ad}" for ad in ads])
    author = normalise_line(article.author or "")
    if author.lower() in GENERIC_AUTHORS:
        signals.weak.append(f"generic author account: {author}")
        article.notes.append(f"clean: author {author!r} is a site account, not a person; "
                             "removed")
        article.author = None
        article.field_origins.pop("author", None)
    shown = _shown_times(article)
    scraped = [moment for moment in shown if moment.time() != time()  # a bare date: no clue
               and abs(moment - article.fetched_at) <= SCRAPE_TIME_TOLERANCE]
    if scraped:
        signals.weak.append(f"publish time {scraped[0]:%Y-%m-%d %H:%M:%S} equals the fetch time")
    related = [day for line in trailer if (day := _date_of(line))]
    if len(related) >= SAME_DAY_RELATED_MIN and len(set(related)) == 1 and \
            related[0] in {moment.date() for moment in shown}:
        signals.weak.append(f"all {len(related)} related items are dated {related[0]}, the "
                            "page's own day (the day the farm copied them)")
    return signals


# --- boilerplate, credits, captions and ads ------------------------------------------------


def _kind_of(line: str) -> str | None:
    for name, pattern in _BOILERPLATE:
        if pattern.fullmatch(line):
            return name
    if len(line) <= BYLINE_MAX and len(BYLINE_LABELS.findall(line)) >= 2:
        return "byline"
    return None


def _list_like(line: str) -> bool:
    return len(line) <= TRAILER_SHORT_LINE or not _ENDS_SENTENCE.search(line)


def _drop_boilerplate(lines: list[str], notes: list[str]) -> tuple[list[str], list[str]]:
    """(kept lines, the trailer block removed: heading and link list, possibly empty)."""
    kept: list[str] = []
    dropped: list[str] = []
    trailer: list[str] = []
    lines = _cut_counters(lines, notes)
    # a notice's issuer and date (above the trailing link lines): text, not furniture
    end = len(lines)
    while end > 0 and _kind_of(lines[end - 1]) not in (None, "date"):
        end -= 1
    signature = signature_start(lines[:end])
    for index, line in enumerate(lines):
        kind = None if signature is not None and signature <= index < end else _kind_of(line)
        if kind is None:
            kept.append(line)
            continue
        rest = lines[index + 1 :]
        if kind in TRAILER_HEADINGS and kept and rest and (
            sum(map(_list_like, rest)) >= TRAILER_LIST_SHARE * len(rest)
        ):
            trailer = lines[index:]
            notes.append(f"clean: removed trailer block from {line!r}: {len(trailer)} lines "
                         f"({_preview(rest)})")
            break
        dropped.append(line)
    deduplicated = [line for i, line in enumerate(kept) if i == 0 or line != kept[i - 1]]
    if len(deduplicated) < len(kept):
        notes.append(f"clean: removed {len(kept) - len(deduplicated)} repeated line(s)")
    if dropped:
        notes.append(f"clean: removed {len(dropped)} boilerplate line(s): {_preview(dropped)}")
    return deduplicated, trailer


def _cut_counters(lines: list[str], notes: list[str]) -> list[str]:
    """Attachment download counters cut out of the lines that name the attachment."""
    kept, cut = [], []
    for line in lines:
        short = _DOWNLOAD_COUNTER.sub("", line).strip()
        if short and short != line:
            cut.append(line)
        kept.append(short or line)
    if cut:
        notes.append(f"clean: cut {len(cut)} download counter(s): {_preview(cut)}")
    return kept


def _drop_credits(lines: list[str], article: Article) -> list[str]:
    """Drop 供稿 / 摄影 / 编辑 trailer lines; the writer credited becomes the author if none."""
    kept = []
    for line in lines:
        credits = list(CREDIT.finditer(line))
        if not credits or "".join(m.group(0) for m in credits).replace(" ", "") != \
                line.replace(" ", ""):
            kept.append(line)
            continue
        article.notes.append(f"clean: removed credits line {line!r}")
        names = {m["role"]: m["name"].strip() for m in credits}
        writer = next((names[role] for role in AUTHOR_ROLES if names.get(role)), None)
        if writer and not article.author:
            article.author = writer
            article.field_origins["author"] = "clean:credits"
    return kept


def _drop_captions(lines: list[str], notes: list[str]) -> list[str]:
    kept, captions = [], []
    for line in lines:
        if len(line) <= CAPTION_MAX and any(p.fullmatch(line) for p in _CAPTIONS):
            captions.append(line)
        else:
            kept.append(line)
    if captions:
        notes.append(f"clean: removed {len(captions)} image caption(s): {_preview(captions)}")
    return kept


def _drop_ads(lines: list[str], notes: list[str]) -> tuple[list[str], list[str]]:
    kept, ads = [], []
    for line in lines:
        if len(line) <= AD_LINE_MAX and any(pattern.search(line) for _, pattern in _ADS):
            ads.append(line)
        else:
            kept.append(line)
    if ads:
        notes.append(f"clean: removed {len(ads)} ad line(s): {_preview(ads)}")
    return kept, ads


def _preview(lines: list[str], count: int = 5, width: int = 40) -> str:
    shown = " | ".join(line[:width] + ("…" if len(line) > width else "") for line in lines[:count])
    return shown + (f" | … {len(lines) - count} more" if len(lines) > count else "")


def _shown_times(article: Article) -> list[datetime]:
    """The publication times the page shows (site, meta, JSON-LD), as datetimes."""
    if article.published_at:
        return [article.published_at]
    found = (parse_date(candidate.text, fetched_at=article.fetched_at)
             for candidate in article.date_candidates
             if candidate.origin.split(":", 1)[0] in ("site", "meta", "jsonld"))
    return [moment for moment in found if moment is not None]


def _head(lines: list[str], limit: int) -> list[str]:
    """The first lines whose total length stays within ``limit`` (at least one line)."""
    total = 0
    for count, line in enumerate(lines):
        total += len(line)
        if total > limit:
            return lines[: max(count, 1)]
    return lines


def _date_of(line: str) -> date | None:
    found = _DATE_LINE.fullmatch(line.strip())
    if not found:
        return None
    try:
        return date(*map(int, found.groups()))
    except ValueError:
        return None


# --- injected title fragments ------------------------------------------------------------


@dataclass
class _Signals:
    strong: list[str] = field(default_factory=list)  # one is enough to mark the page
    weak: list[str] = field(default_factory=list)  # two are needed

    @property
    def low_quality(self) -> bool:
        return bool(self.strong) or len(self.weak) >= 2


@dataclass(frozen=True)
class _Spot:
    """A place where a title fragment may have been injected: ``lines[line][start:end]``."""

    line: int
    start: int
    end: int
    text: str
    where: str  # "paragraph end", "photo credit", "sentence"


class _Title:
    """Which strings count as title material."""

    def __init__(self, title: str) -> None:
        runs = re.findall(rf"[{CJK}]+", title)
        self.chars = set("".join(runs))
        self.pieces = {run[i:j] for run in runs for i in range(len(run))
                       for j in range(i + 2, len(run) + 1)}
        self.longest = max((len(run) for run in runs), default=0)
        self._used: dict[str, bool] = {}  # fragment -> used elsewhere (for one set of spots)

    def segment_at(self, text: str, start: int) -> int:
        """Length of the longest title substring (≥ 2 characters) starting at ``start``."""
        for end in range(min(len(text), start + self.longest), start + 1, -1):
            if text[start:end] in self.pieces:
                return end - start
        return 0

    def prefixes(self, text: str, start: int) -> list[str]:
        """Fragments starting at ``start``: whole title segments and stray title characters
        (``医看院持医疗``), 2–6 characters, at least half inside title segments; shortest first."""
        found, position, covered = [], start, 0
        while position < len(text) and text[position] in self.chars:
            length = self.segment_at(text, position)
            if length > FRAGMENT_MAX:
                break
            covered += length
            position += length or 1
            size = position - start
            if size > FRAGMENT_MAX:
                break
            if size >= FRAGMENT_MIN and covered and covered * 2 >= size:
                found.append(text[start:position])
        return found

    def used_elsewhere(self, fragment: str, lines: list[str], spots: set) -> bool:
        """True when ``fragment`` occurs outside the spots and not inside a longer quote of
        the title (``化对`` inside ``持续深化对南疆地区`` is the title, not a use of ``化对``)."""
        if fragment not in self._used:
            self._used[fragment] = self._find_use(fragment, lines, spots)
        return self._used[fragment]

    def _find_use(self, fragment: str, lines: list[str], spots: set) -> bool:
        size = len(fragment)
        for number, line in enumerate(lines):
            start = line.find(fragment)
            while start >= 0:  # each occurrence, not overlapping
                at, start = start, line.find(fragment, start + size)
                if (number, at) in spots:
                    continue
                if not any(
                    line[a:b] in self.pieces
                    for a in range(max(0, at - self.longest), at + 1)
                    for b in range(at + size, min(len(line), a + self.longest) + 1)
                    if b - a > size
                ):
                    return True
        return False


def _find_spots(lines: list[str], material: _Title) -> tuple[list[_Spot], dict]:
    """(certain spots, {(line, start): fitting mid-sentence fragments, shortest first})."""
    certain: list[_Spot] = []
    sites: dict[tuple[int, int], list[str]] = {}
    if not material.chars:
        return certain, sites
    for number, line in enumerate(lines):
        # a fragment starts with a title character after a sentence end or a mid-sentence
        # mark: only those marks are looked at, found by one search
        for mark in _FRAGMENT_LEFT.finditer(line, 0, len(line) - 1):
            start = mark.end()
            if line[start] not in material.chars:
                continue
            left = line[start - 1]
            if left in _SENTENCE_END:
                for fragment in material.prefixes(line, start):
                    rest = line[start + len(fragment) :]
                    if not rest:
                        certain.append(_Spot(number, start, len(line), fragment, "paragraph end"))
                    elif fragment in material.pieces and _PHOTO_CREDIT.fullmatch(rest):
                        certain.append(_Spot(number, start, start + len(fragment), fragment,
                                             "photo credit"))
            elif left in _MID_SENTENCE_LEFT:
                fitting = [fragment for fragment in material.prefixes(line, start)
                           if _CJK_CHAR.match(line, start + len(fragment))]
                if fitting:
                    sites[(number, start)] = fitting
    return certain, sites


def _title_fragments(
    lines: list[str], title: str, signals: _Signals, notes: list[str]
) -> list[str]:
    material = _Title(title)
    certain, sites = _find_spots(lines, material)
    at = {(spot.line, spot.start) for spot in certain} | set(sites)
    # each mid-sentence site's fragment: the longest never used elsewhere, else the longest
    sentence: list[_Spot] = []
    confirmed: set[_Spot] = set()
    for (number, start), fitting in sites.items():
        unused = [f for f in fitting if not material.used_elsewhere(f, lines, at)]
        text = (unused or fitting)[-1]
        spot = _Spot(number, start, start + len(text), text, "sentence")
        sentence.append(spot)
        if unused:
            confirmed.add(spot)
    ordered = sorted(certain + sentence, key=lambda spot: (spot.line, spot.start))
    confirmed |= _injection_cycle(ordered, confirmed | set(certain), lines)
    injected = [spot for spot in sentence if spot in confirmed]
    if certain:
        signals.strong.append("title fragments at " + _describe(certain))
    if len(injected) >= 2:
        signals.weak.append("title fragments inside sentences: " + _describe(injected))
    if not signals.low_quality:
        return lines
    kept = [spot for spot in sentence if spot not in confirmed]
    if kept:
        notes.append("clean: title words kept inside sentences (used as words elsewhere): "
                     + _describe(kept))
    return _remove(lines, certain + injected, notes)


def _injection_cycle(
    spots: list[_Spot], confirmed: set[_Spot], lines: list[str]
) -> set[_Spot]:
    """Spots that line up with the farm's injection order.

    The cycle starts at the first confirmed fragment that is confirmed again later. Every
    later cycle (as long as the first, in characters, with some slack) is aligned with the
    first one (longest common subsequence of fragments): aligned spots on both sides are
    injected. Past the last aligned spot of the first cycle (later cycles may stop early),
    a spot between two injected ones is injected too.
    """
    order = [i for i, spot in enumerate(spots) if spot in confirmed]
    starts = next(
        ([i, *(j for j in order if j > i and spots[j].text == spots[i].text)]
         for i in order if any(j > i and spots[j].text == spots[i].text for j in order)),
        None,
    )
    if starts is None or starts[1] - starts[0] > MAX_CYCLE_SPOTS:
        return set()
    starts = starts[: MAX_CYCLES + 1]
    line_starts = [0]
    for line in lines:
        line_starts.append(line_starts[-1] + len(line) + 1)
    offset = [line_starts[spot.line] + spot.start for spot in spots]
    span = CYCLE_SLACK * (offset[starts[1]] - offset[starts[0]])
    found = set(confirmed)
    first = spots[starts[0] : starts[1]]
    last_aligned = -1
    for number, begin in enumerate(starts[1:], start=1):
        end = starts[number + 1] if number + 1 < len(starts) else len(spots)
        cycle = [spots[k] for k in range(begin, end) if offset[k] - offset[begin] <= span]
        for a, b in _lcs([s.text for s in first], [s.text for s in cycle]):
            found.update((first[a], cycle[b]))
            last_aligned = max(last_aligned, a)
    for index in range(last_aligned + 1, len(first)):
        before = spots[starts[0] + index - 1] if index else None
        after = spots[starts[0] + index + 1]
        if before in found and after in found:
            found.add(first[index])
    return found - confirmed


def _lcs(left: list[str], right: list[str]) -> list[tuple[int, int]]:
    """Index pairs of a longest common subsequence of two lists."""
    table = [[0] * (len(right) + 1) for _ in range(len(left) + 1)]
    for i in range(len(left) - 1, -1, -1):
        for j in range(len(right) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if left[i] == right[j] \
                else max(table[i + 1][j], table[i][j + 1])
    pairs, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        if left[i] == right[j]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return pairs


def _describe(spots: list[_Spot]) -> str:
    counts = Counter((spot.text, spot.where) for spot in spots)
    return ", ".join(f"{text!r} ({where}{f' ×{n}' if n > 1 else ''})"
                     for (text, where), n in counts.items())


def _remove(lines: list[str], spots: list[_Spot], notes: list[str]) -> list[str]:
    lines = list(lines)
    for number in sorted({spot.line for spot in spots}):
        line, pieces, position = lines[number], [], 0
        for spot in sorted({s for s in spots if s.line == number}, key=lambda s: s.start):
            context = f"{line[max(0, spot.start - 8) : spot.start]}[{spot.text}]" \
                f"{line[spot.end : spot.end + 8]}"
            notes.append(f"clean: removed title fragment {spot.text!r} ({spot.where}): "
                         f"…{context}…")
            pieces.append(line[position : spot.start])
            position = spot.end
        pieces.append(line[position:])
        lines[number] = normalise_line("".join(pieces))
    return [line for line in lines if line]
