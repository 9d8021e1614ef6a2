"""The words of the reviewer's outputs (digest, bot messages, web page), in Chinese and
English: one home for every label. ``MONITOR_LANGUAGE`` picks one (``zh`` by default)."""

from __future__ import annotations

from monitor import settings as defaults

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = defaults.MONITOR_LANGUAGE

LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "product": "医疗合作新闻简报",
        "topic.medical_aid": "医疗援助",
        "topic.sister_hospital": "医院合作协议",
        "topic_long.medical_aid": "医疗援助（援疆 / 援藏 / 对口支援 / 医疗帮扶 / 援外医疗队…）",
        "topic_long.sister_hospital": "姊妹医院与合作协议（姊妹医院 / 战略合作 / 医联体…）",
        "period.day": "{day} 首次发现的报道",
        "period.since": "{moment} 以来新增",
        "timezone": "北京时间",
        "headline": "{product}，{period}：新增 {count} 条（{counts}）",
        "headline.empty": "{product}，{period}：无新增",
        "nothing.day": "{day} 没有发现新的相关报道。",
        "nothing.since": "{period}没有发现新的相关报道。",
        "count": "新增 {count} 条",
        "by_outlet": "来源",
        "date_unknown": "日期不详",
        "published_first_seen": "{published} 发布，{seen}首次发现",
        "today": "今天",
        "low_quality": "低质量转载",
        "also": "另见",
        "lead": "导语",
        "why": "依据",
        "places": "地点",
        "relation.对口支援": "对口支援",
        "relation.援外": "援外",
        "relation.合作协议": "合作协议",
        "relation.医联体": "医联体",
        "relation.姊妹医院": "姊妹医院",
        "relation.共建": "共建",
        "picture": "图片",
        "reviewed": "已审核",
        "verdict.relevant": "相关",
        "verdict.irrelevant": "不相关",
        "by": "审核人 {who}",
        "reviewed_in_period": "本期审核",
        "sources": "来源运行情况",
        "source": "来源",
        "runs": "运行次数",
        "last_run": "最近运行",
        "status": "状态",
        "new_articles": "新文章",
        "flagged": "命中",
        "errors": "错误",
        "last_error": "最近错误",
        "sources_run": "运行的来源：{count} 个，其中出错 {failing} 个。",
        "no_source_ran": "本期没有来源运行。",
        "not_run": "本期未运行：{names}。",
        "last_ran": "上次运行 {moment}",
        "never_ran": "以下来源尚未运行过（或没有保存的页面）：{names}。",
        "give_verdict": "审核：monitor review ID --relevant | --irrelevant（ID 即条目的 # 编号）",
        "health": "{count} 项健康检查未通过",
        "more": "… 另有 {count} 条（完整简报见邮件或网页）",
        "open": "打开",
        "relevant_button": "相关",
        "irrelevant_button": "不相关",
        "copies": "全部转载",
        "evidence": "依据",
        "search": "搜索",
        "search_hint": "标题、正文或机构",
        "from": "从",
        "to": "到",
        "any_flag": "全部",
        "not_flagged": "未命中",
        "results": "共 {count} 条结果",
        "results_capped": "显示前 {count} 条结果",
        "health_page": "来源健康",
        "digest_page": "简报",
        "previous_day": "前一天",
        "next_day": "后一天",
        "story": "报道",
        "history": "审核记录",
        "ok": "正常",
        "failing": "异常",
        "no_runs": "尚无运行记录",
        "made": "生成于 {moment}",
        "original": "原文",
        "representative": "代表稿：简报中展示的那一份",
        "error.400": "请求有误",
        "error.401": "需要令牌",
        "error.403": "不允许",
        "error.404": "未找到",
        "error.405": "不支持的请求方法",
        "error.500": "页面出错",
        "error.no_page": "没有这个页面：{path}",
        "error.no_story": "没有编号为 #{id} 的报道。",
        "error.bad_date": "不是日期（应为 年-月-日，如 2025-05-04）：{text}",
        "error.bad_time": "不是日期或时间：{text}",
        "error.bad_flag": "没有这个命中类别：{flag}",
        "error.bad_request": "无法处理这个请求。",
        "error.form_expired": "这个表单已过期：请刷新页面后再点一次。",
        "error.cross_site": "审核只能在本页面上提交。",
        "error.bad_verdict": "审核结果只能是“相关”或“不相关”。",
        "error.bad_review": "无法记录这条审核：表单内容有误，请刷新页面后再试。",
        "error.method": "这个地址不接受 {method} 请求。",
        "error.token": "需要令牌：请用 /?token=… 打开本页面（令牌即 MONITOR_SERVE_TOKEN）。",
        "error.bad_host": "本页面不以 {host} 这个地址提供："
                          "请用 monitor serve 启动时显示的地址打开。",
        "error.sources": "来源配置文件有误：{error}",
        "error.server": "页面出错了；详情见 monitor serve 的输出。",
        "back_to_digest": "返回简报",
        # health checks (monitor.digest.health_words): the header, a check's line, each result
        "health_header": "健康检查：{count} 项未通过",
        "check.finished": "运行结束",
        "check.time_limit": "运行时长",
        "check.new_articles": "新文章",
        "check.error_rate": "错误率",
        "check.date_coverage": "日期覆盖",
        "check.body_coverage": "正文覆盖",
        "check.on_time": "按时运行",
        "finished.ok": "上次运行正常结束",
        "finished.interrupted": "{started} 开始的运行中断了：进程在记录结束之前就已终止",
        "finished.ended": "上次运行（{started} 开始）结束于：{reason}",
        "time_limit.running": "一次抓取已运行 {took}，超过 {limit}的限制（进程 {pid}）",
        "time_limit.over": "上次运行用时 {took}，超过 {limit}的限制（{reason}）",
        "time_limit.ok": "上次运行用时 {took}",
        "new_articles.quiet": "自 {last_new} 起 {silent}没有新文章，超过其更新规律允许的 {allowed}"
                              "（通常每 {gap}有新文章）",
        "new_articles.ok": "最近一次有新文章：{last_new}（{allowed} 没有新文章才告警）",
        "error_rate.ok": "上次运行：{pages} 个页面，{errors} 个错误",
        "error_rate.high": "上次运行：{pages} 个页面，{errors} 个错误（{rate}，上限 {limit}）："
                           "{kinds}",
        "coverage.date": "有日期",
        "coverage.body": "正文超过 200 字",
        "coverage.drop": "最近 {recent_n} 篇新文章中{what}的占 {recent}，此前为 {before}："
                         "网站改版了吗？",
        "coverage.ok": "最近 {recent_n} 篇新文章中{what}的占 {recent}（此前 {before}）",
        "on_time.good": "上次成功运行：{since}",
        "on_time.none": "自 {since} 起没有成功运行",
        "on_time.late": "{what}；应在 {first} 和 {second} 进行的运行没有发生（计划“{schedule}”；"
                        "调度程序或 cron 在运行吗？）",
        "on_time.ok": "{what}；下次应在 {next}",
        "seconds": "{n} 秒",
        "minutes": "{n} 分钟",
        "hours": "{n} 小时",
        "days": "{n} 天",
        "error_count": "{kind} {count} 次",
        "error.http": "HTTP {status}",
        "error.dns": "域名无法解析",
        "error.timeout": "超时",
        "error.connection": "连接失败",
        "error.tls": "安全连接失败",
        "error.too_large": "页面过大",
        "error.redirect_loop": "重定向循环",
        "error.bad_answer": "无效的 HTTP 应答",
        "error.browser": "缺少浏览器",
        "error.storage": "数据库写入失败",
        "error.pipeline": "处理失败",
        "error.parse": "解析失败",
        "error.start": "爬取无法启动",
        "error.ignored": "请求被丢弃",
        "error.other": "其他错误",
        "reason.finished": "正常结束",
        "reason.killed: time limit": "超时被终止",
        "reason.interrupted": "中断",
        "reason.shutdown": "被停止（SIGTERM 或 Ctrl-C）",
        "reason.stopped: the scheduler shut down": "调度程序关闭时被停止",
        "reason.database error": "数据库写入失败",
        "reason.could not start": "无法启动（见爬取日志）",
        "reason.crawl error": "爬取出错（见爬取日志）",
        "reason.not queued": "未能排入队列",
        "error_summary": "{count} 个错误（{kinds}）",
        # command-line output (monitor stories, review, crawl locks)
        "stories_seen": "{day} 首次发现的报道：{count} 条",
        "copies_count": "{count} 个副本",
        "review_done": "#{id} {title}{copies}：{verdict}{topics}{by}",
        "skipped": "跳过",
        "health_summary": "{sources} 个来源中 {failing_sources} 个有未通过的检查"
                          "（未通过 {failing} 项，共检查 {checked} 项）。",
        "check_ok": "正常",
        "check_fail": "异常",
        "lock_busy": "正由进程 {pid} 抓取{since}",
        "lock_busy_unknown": "正由另一个进程抓取{since}",
        "lock_since": "（自北京时间 {moment} 起）",
        "no_saved_page": "{folder} 中没有其起始网址的保存页面",
    },
    "en": {
        "product": "Medical-cooperation news digest",
        "topic.medical_aid": "medical aid",
        "topic.sister_hospital": "sister hospital",
        "topic_long.medical_aid": "Medical aid (援疆 / 援藏 / 对口支援 / 医疗帮扶 / 援外医疗队…)",
        "topic_long.sister_hospital":
            "Sister hospitals and cooperation agreements (姊妹医院 / 战略合作 / 医联体…)",
        "period.day": "stories first seen on {day}",
        "period.since": "new since {moment}",
        "timezone": "Asia/Shanghai",
        "headline": "{product}, {period}: {count} new ({counts})",
        "headline.empty": "{product}, {period}: nothing new",
        "nothing.day": "Nothing new was found on {day}.",
        "nothing.since": "Nothing new was found {period}.",
        "count": "{count} new",
        "by_outlet": "By outlet",
        "date_unknown": "date unknown",
        "published_first_seen": "published {published}, first seen {seen}",
        "today": "today",
        "low_quality": "low-quality copy",
        "also": "also reported by",
        "lead": "lead",
        "why": "why",
        "places": "places",
        "relation.对口支援": "domestic aid",
        "relation.援外": "aid abroad",
        "relation.合作协议": "agreement",
        "relation.医联体": "alliance",
        "relation.姊妹医院": "sister hospitals",
        "relation.共建": "co-built",
        "picture": "picture",
        "reviewed": "reviewed",
        "verdict.relevant": "relevant",
        "verdict.irrelevant": "irrelevant",
        "by": "by {who}",
        "reviewed_in_period": "Reviewed in this period",
        "sources": "Sources",
        "source": "source",
        "runs": "runs",
        "last_run": "last run",
        "status": "status",
        "new_articles": "new articles",
        "flagged": "flagged",
        "errors": "errors",
        "last_error": "last error",
        "sources_run": "Sources run: {count}, with errors: {failing}.",
        "no_source_ran": "No source ran in this period.",
        "not_run": "Did not run in this period: {names}.",
        "last_ran": "last ran {moment}",
        "never_ran": "Never run yet (or no saved pages): {names}.",
        "give_verdict": "Give a verdict: monitor review ID --relevant | --irrelevant "
                        "(ID: the entry's # number)",
        "health": "{count} failing health check(s)",
        "more": "… {count} more (the full digest is in the mail or on the web page)",
        "open": "open",
        "relevant_button": "Relevant",
        "irrelevant_button": "Irrelevant",
        "copies": "Every copy",
        "evidence": "Evidence",
        "search": "Search",
        "search_hint": "title, body or institution",
        "from": "from",
        "to": "to",
        "any_flag": "any",
        "not_flagged": "not flagged",
        "results": "{count} result(s)",
        "results_capped": "the first {count} results",
        "health_page": "Sources' health",
        "digest_page": "Digest",
        "previous_day": "previous day",
        "next_day": "next day",
        "story": "Story",
        "history": "Verdicts",
        "ok": "ok",
        "failing": "failing",
        "no_runs": "no runs yet",
        "made": "made {moment}",
        "original": "original",
        "representative": "the copy the digest shows",
        "error.400": "Bad request",
        "error.401": "Token required",
        "error.403": "Forbidden",
        "error.404": "Not found",
        "error.405": "Method not allowed",
        "error.500": "Server error",
        "error.no_page": "there is no page {path}",
        "error.no_story": "there is no story #{id}",
        "error.bad_date": "not a date (YYYY-MM-DD, e.g. 2025-05-04): {text}",
        "error.bad_time": "not a date or time: {text}",
        "error.bad_flag": "no such flag: {flag}",
        "error.bad_request": "this request cannot be answered",
        "error.form_expired": "this form is out of date: reload the page and click again",
        "error.cross_site": "a verdict can only be given from this page",
        "error.bad_verdict": "a verdict is either relevant or irrelevant",
        "error.bad_review": "this verdict cannot be recorded: the form is not right; reload "
                            "the page and try again",
        "error.method": "this address does not take {method} requests",
        "error.token": "a token is required: open the page as /?token=… (the token is "
                       "MONITOR_SERVE_TOKEN)",
        "error.bad_host": "this page is not served as {host}: open it at the address "
                          "`monitor serve` printed",
        "error.sources": "the sources file is wrong: {error}",
        "error.server": "the page failed; `monitor serve`'s output says why",
        "back_to_digest": "back to the digest",
        "health_header": "HEALTH: {count} failing check(s)",
        "check.finished": "finished",
        "check.time_limit": "time_limit",
        "check.new_articles": "new_articles",
        "check.error_rate": "error_rate",
        "check.date_coverage": "date_coverage",
        "check.body_coverage": "body_coverage",
        "check.on_time": "on_time",
        "finished.ok": "the last run finished normally",
        "finished.interrupted": "the run started {started} was interrupted: its process ended "
                                "before recording an end",
        "finished.ended": "the last run (started {started}) ended: {reason}",
        "time_limit.running": "a crawl has been running for {took}, over the {limit} limit "
                              "(pid {pid})",
        "time_limit.over": "the last run took {took}, over the {limit} limit ({reason})",
        "time_limit.ok": "the last run took {took}",
        "new_articles.quiet": "no new article for {silent} since {last_new}, longer than the "
                              "{allowed} its rhythm allows (new articles usually every {gap})",
        "new_articles.ok": "last new articles {last_new} (an alarm after {allowed} without)",
        "error_rate.ok": "{errors} error(s) for {pages} page(s) in the last run",
        "error_rate.high": "the last run had {errors} error(s) for {pages} page(s) ({rate}, "
                           "limit {limit}): {kinds}",
        "coverage.date": "dates found",
        "coverage.body": "bodies over 200 characters",
        "coverage.drop": "{what} for {recent} of the last {recent_n} new articles against "
                         "{before} before: has the site's layout changed?",
        "coverage.ok": "{what} for {recent} of the last {recent_n} new articles ({before} before)",
        "on_time.good": "last successful run {since}",
        "on_time.none": "no successful run since {since}",
        "on_time.late": "{what}: runs due at {first} and {second} did not happen (schedule "
                        "'{schedule}'; is the scheduler or cron running?)",
        "on_time.ok": "{what}; next due {next}",
        "seconds": "{n} s",
        "minutes": "{n} min",
        "hours": "{n} h",
        "days": "{n} day(s)",
        "error_count": "{count}× {kind}",
        "error.http": "http {status}",
        "error.dns": "dns",
        "error.timeout": "timeout",
        "error.connection": "connection",
        "error.tls": "tls",
        "error.too_large": "too large",
        "error.redirect_loop": "redirect loop",
        "error.bad_answer": "bad answer",
        "error.browser": "browser",
        "error.storage": "storage",
        "error.pipeline": "pipeline",
        "error.parse": "parse",
        "error.start": "could not start",
        "error.ignored": "ignored",
        "error.other": "other",
        "reason.finished": "finished",
        "reason.killed: time limit": "killed: time limit",
        "reason.interrupted": "interrupted",
        "reason.shutdown": "shutdown",
        "reason.stopped: the scheduler shut down": "stopped: the scheduler shut down",
        "reason.database error": "database error",
        "reason.could not start": "could not start (see the crawl log)",
        "reason.crawl error": "crawl error (see the crawl log)",
        "reason.not queued": "not queued",
        "error_summary": "{count} error(s) ({kinds})",
        "stories_seen": "{count} {stories} first seen on {day}",
        "copies_count": "{count} copies",
        "review_done": "#{id} {title}{copies}: {verdict}{topics}{by}",
        "skipped": "skipped",
        "health_summary": "{failing_sources} of {sources} source(s) with failing checks "
                          "({failing} failing, {checked} checked).",
        "check_ok": "ok  ",
        "check_fail": "FAIL",
        "lock_busy": "already being crawled by pid {pid}{since}",
        "lock_busy_unknown": "already being crawled by another process{since}",
        "lock_since": " since {moment} Asia/Shanghai",
        "no_saved_page": "no saved page for its start URLs in {folder}",
    },
}


def language(value: str | None) -> str:
    """The language asked for (``MONITOR_LANGUAGE``), ``zh`` by default; an unknown one is
    an error."""
    chosen = (value or DEFAULT_LANGUAGE).strip().lower()
    chosen = {"zh-cn": "zh", "zh_cn": "zh", "cn": "zh", "en-us": "en", "en-gb": "en"}.get(
        chosen, chosen)
    if chosen not in LANGUAGES:
        raise ValueError(f"MONITOR_LANGUAGE must be one of {', '.join(LANGUAGES)}, "
                         f"not {chosen!r}")
    return chosen


class Labels:
    """The labels of one language: ``labels("why")``, ``labels("count", count=3)``."""

    def __init__(self, lang: str):
        self.lang = lang
        self._words = LABELS[lang]

    def __call__(self, key: str, **values) -> str:
        return self._words[key].format(**values) if values else self._words[key]

    def has(self, key: str) -> bool:
        return key in self._words

    def topic(self, flag: str) -> str:
        return self._words.get(f"topic.{flag}", flag)

    def topic_long(self, flag: str) -> str:
        return self._words.get(f"topic_long.{flag}", flag)

    def relation(self, relation: str) -> str:
        return self._words.get(f"relation.{relation}", relation)

    def verdict(self, verdict: str) -> str:
        return self._words.get(f"verdict.{verdict}", verdict)

    def paren(self, text: str) -> str:
        """``text`` in brackets after a word: "（…）" in Chinese, " (…)" in English."""
        return f"（{text}）" if self.lang == "zh" else f" ({text})"

    @property
    def list_sep(self) -> str:
        return "，" if self.lang == "zh" else ", "

    @property
    def colon(self) -> str:
        return "：" if self.lang == "zh" else ": "
