"""The health checks' results in words: a check carries a kind and numbers
(``monitor.ops.health``); its sentence is made here, at render time, from the labels of the
reader's language (``monitor.digest.labels``). Times are Asia/Shanghai."""

from __future__ import annotations

from datetime import datetime
from unicodedata import east_asian_width

from monitor.config.zone import TZ
from monitor.digest.labels import Labels, language


def _words(words: Labels | None) -> Labels:
    return words if words is not None else Labels(language(None))


def moment(value: str | datetime | None) -> str:
    """A stored time (ISO text or datetime) as ``YYYY-MM-DD HH:MM`` in Asia/Shanghai."""
    if value is None:
        return "?"
    when = datetime.fromisoformat(value) if isinstance(value, str) else value
    return when.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def duration(seconds: float, words: Labels) -> str:
    if seconds < 120:
        return words("seconds", n=f"{seconds:.0f}")
    if seconds < 7200:
        return words("minutes", n=f"{seconds / 60:.0f}")
    return words("hours", n=f"{seconds / 3600:.1f}")


def days(count: float, words: Labels) -> str:
    return words("days", n=f"{count:.1f}".removesuffix(".0"))


def error_kind(kind: str, words: Labels) -> str:
    """``http_404`` → "HTTP 404"; a kind without a label keeps its name, in plain words."""
    if kind.startswith("http_"):
        return words("error.http", status=kind[5:])
    key = f"error.{kind}"
    return words(key) if words.has(key) else kind.replace("_", " ")


def error_kinds(kinds: dict[str, int], words: Labels) -> str:
    sep = "、" if words.lang == "zh" else ", "
    return sep.join(words("error_count", kind=error_kind(kind, words), count=n)
                    for kind, n in sorted(kinds.items()))


def finish_reason(reason: str | None, words: Labels) -> str:
    """How a run ended (``finished``, ``killed: time limit``…) in words."""
    if not reason:
        return "…"
    key = f"reason.{reason}"
    return words(key) if words.has(key) else reason


def check_name(check: str, words: Labels | None = None) -> str:
    words = _words(words)
    key = f"check.{check}"
    return words(key) if words.has(key) else check


def padded(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (a Chinese character
    takes two)."""
    used = sum(2 if east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - used, 0)


def describe(check, words: Labels | None = None) -> str:
    """The sentence of one check's result (a ``health.Check`` or its dict)."""
    words = _words(words)
    data = check if isinstance(check, dict) else check.as_dict()
    kind, v = data.get("kind"), data.get("values") or {}
    if not kind:  # a result stored before checks carried a kind
        return str(data.get("message") or "")
    if kind == "finished.ok":
        return words(kind)
    if kind == "finished.interrupted":
        return words(kind, started=moment(v["started"]))
    if kind == "finished.ended":
        return words(kind, started=moment(v["started"]),
                     reason=finish_reason(v.get("reason"), words))
    if kind == "time_limit.running":
        return words(kind, took=duration(v["seconds"], words),
                     limit=duration(v["limit"], words), pid=v.get("pid"))
    if kind == "time_limit.over":
        return words(kind, took=duration(v["seconds"], words),
                     limit=duration(v["limit"], words),
                     reason=finish_reason(v.get("reason"), words))
    if kind == "time_limit.ok":
        return words(kind, took=duration(v["seconds"], words))
    if kind in ("new_articles.quiet", "new_articles.ok"):
        return words(kind, last_new=moment(v["last_new"]),
                     silent=days(v["silent_days"], words),
                     allowed=days(v["allowed_days"], words), gap=days(v["gap_days"], words))
    if kind in ("error_rate.ok", "error_rate.high"):
        return words(kind, errors=v["errors"], pages=v["pages"],
                     rate=f"{v.get('rate', 0):.0%}", limit=f"{v.get('limit', 0):.0%}",
                     kinds=error_kinds(v.get("kinds") or {}, words))
    if kind in ("coverage.drop", "coverage.ok"):
        return words(kind, what=words(f"coverage.{v['field']}"), recent=f"{v['recent']:.0%}",
                     recent_n=v["recent_n"], before=f"{v['before']:.0%}")
    if kind in ("on_time.late", "on_time.ok"):
        what = words("on_time.good" if v.get("good") else "on_time.none",
                     since=moment(v["since"]))
        if kind == "on_time.ok" and not v.get("next"):
            return what
        return words(kind, what=what, first=moment(v.get("first")),
                     second=moment(v.get("second")), next=moment(v.get("next")),
                     schedule=v.get("schedule"))
    return str(data.get("message") or kind)


def failing_lines(failing: list[dict], words: Labels | None = None,
                  titles: dict[str, str] | None = None) -> list[str]:
    """Plain-text lines for the failing checks (none when all is well): a header, then
    ``  ! <source's title> [<check>]: <sentence>``."""
    if not failing:
        return []
    words = _words(words)
    titles = titles or {}
    lines = [words("health_header", count=len(failing))]
    lines += [f"  ! {titles.get(c['source']) or c['source']} [{check_name(c['check'], words)}]"
              f"{words.colon}{describe(c, words)}" for c in failing]
    return lines
