"""The words of the reviewer's outputs (digest, bot messages, web page), in Chinese and
English: one home for every label. ``MONITOR_LANGUAGE`` picks one (``zh`` by default)."""

from __future__ import annotations

import os

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"

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
    },
}


def language(value: str | None = None) -> str:
    """The language asked for (``value``, else ``$MONITOR_LANGUAGE``), ``zh`` by default;
    an unknown one is an error."""
    chosen = (value or os.environ.get("MONITOR_LANGUAGE") or DEFAULT_LANGUAGE).strip().lower()
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

    def topic(self, flag: str) -> str:
        return self._words.get(f"topic.{flag}", flag)

    def topic_long(self, flag: str) -> str:
        return self._words.get(f"topic_long.{flag}", flag)

    def relation(self, relation: str) -> str:
        return self._words.get(f"relation.{relation}", relation)

    def verdict(self, verdict: str) -> str:
        return self._words.get(f"verdict.{verdict}", verdict)

    @property
    def list_sep(self) -> str:
        return "，" if self.lang == "zh" else ", "

    @property
    def colon(self) -> str:
        return "：" if self.lang == "zh" else ": "
