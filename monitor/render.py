"""A ``Digest`` as text, Markdown, JSON, HTML (one self-contained page) and an Atom feed, plus
the short Markdown message for group bots (WeCom / DingTalk). HTML and Atom come from the
Jinja2 templates in ``monitor/templates``, with everything taken from pages escaped."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, time
from functools import cache
from urllib.parse import quote, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor import health
from monitor.digest import TOPIC_SHORT, TOPICS, TZ, Digest, DigestEntry

PRODUCT = "Medical-cooperation news digest"


# ---------------------------------------------------------------- shared pieces


def segments(sentence: str, terms: list[str]) -> list[tuple[str, bool]]:
    """``sentence`` cut into (text, is a matched term) pieces, longest terms first, without
    overlaps: what the renderers highlight."""
    spans: list[tuple[int, int]] = []
    for term in sorted({t for t in terms if t}, key=len, reverse=True):
        start = sentence.find(term)
        while start >= 0:
            end = start + len(term)
            if all(end <= a or start >= b for a, b in spans):
                spans.append((start, end))
            start = sentence.find(term, end)
    pieces, position = [], 0
    for a, b in sorted(spans):
        if a > position:
            pieces.append((sentence[position:a], False))
        pieces.append((sentence[a:b], True))
        position = b
    if position < len(sentence):
        pieces.append((sentence[position:], False))
    return pieces


def when(entry: DigestEntry) -> str:
    """Publication time; a date-only page (parsed as midnight) shows its date alone."""
    if entry.published_at is None:
        return "date unknown"
    if entry.published_at.time() == time.min:
        return entry.published_at.strftime("%Y-%m-%d")
    return entry.published_at.strftime("%Y-%m-%d %H:%M")


def is_web_url(url: str | None) -> bool:
    """Only http(s) links are rendered as links (a page could carry ``javascript:``)."""
    return bool(url) and urlsplit(url).scheme in ("http", "https")


def topic_counts(digest: Digest) -> str:
    return ", ".join(f"{TOPIC_SHORT[t]} {len(items)}" for t, items in digest.by_topic().items())


def headline(digest: Digest) -> str:
    """The one-line summary: also the mail subject."""
    if not digest.entries:
        return f"{PRODUCT}, {digest.period}: nothing new"
    return (f"{PRODUCT}, {digest.period}: {len(digest.entries)} new "
            f"({topic_counts(digest)})")


def _nothing_new(digest: Digest) -> str:
    if digest.kind == "day":
        return f"Nothing new was found on {digest.day:%Y-%m-%d}."
    return f"Nothing new was found {digest.period}."


def _sources_lines(digest: Digest) -> list[str]:
    lines = []
    if not digest.sources:
        lines.append("No source ran in this period.")
    else:
        failing = [s for s in digest.sources if s.errors]
        lines.append(f"Sources run: {len(digest.sources)}, with errors: {len(failing)}.")
        lines += [f"  ! {s.source}: {s.errors} error(s); last: {s.last_error}" for s in failing]
    if digest.not_run:
        lines.append(f"Did not run in this period: {not_run_words(digest)}.")
    return lines


def not_run_words(digest: Digest) -> str:
    """The enabled sources that did not run, each with its last successful run."""
    def last(name: str) -> str:
        moment = digest.last_success.get(name)
        return f"last ran {moment:%Y-%m-%d %H:%M}" if moment else "never ran successfully"
    return ", ".join(f"{name} ({last(name)})" for name in digest.not_run)


def _verdict_words(entry_review) -> str:
    topics = ", ".join(TOPIC_SHORT.get(t, t) for t in entry_review.topics)
    who = f" by {entry_review.reviewer}" if entry_review.reviewer else ""
    return f"{entry_review.verdict}{f' ({topics})' if topics else ''}{who}"


# ---------------------------------------------------------------- text and Markdown


def render_text(digest: Digest) -> str:
    title = (f"{PRODUCT} for {digest.period}" if digest.kind == "day"
             else f"{PRODUCT}, new {digest.period}")
    lines = [f"{title} (Asia/Shanghai)", *health.render_lines(digest.health)]
    groups = digest.by_topic()
    if not digest.entries:
        lines.append(_nothing_new(digest))
    else:
        lines.append(f"{len(digest.entries)} new flagged article(s): {topic_counts(digest)}")
        lines.append("By source: " + ", ".join(f"{s} {n}" for s, n in
                                               digest.per_source().items()))
    for topic, items in groups.items():
        if not items:
            continue
        lines += ["", f"== {TOPICS[topic]}: {len(items)} =="]
        for entry in items:
            mark = " [low quality source]" if entry.low_quality else ""
            review = f" [reviewed: {_verdict_words(entry.review)}]" if entry.review else ""
            lines.append(f"* {entry.title}{mark}{review}  (#{entry.id})")
            lines.append(f"  {entry.outlet or entry.source} · {when(entry)} · {entry.url}")
            lines += [f"  {who}" for who in entry.who]
            if entry.also_reported_by:
                also = "; ".join(f"{o['outlet']} {o['url']}" for o in entry.also_reported_by)
                lines.append(f"  also reported by: {also}")
            if entry.places:
                lines.append(f"  places: {'、'.join(entry.places)}")
            for item in entry.evidence:
                if item["flag"] == topic:
                    lines.append(f"  why: “{item['sentence']}” [{', '.join(item['terms'])}]")
    if digest.reviews:
        lines += ["", f"Reviewed in this period: {len(digest.reviews)}"]
        lines += [f"  #{r.article_id} {r.title or ''}: {_verdict_words(r)}"
                  + (f" — {r.note}" if r.note else "") for r in digest.reviews]
    lines += ["", *_sources_lines(digest)]
    if digest.entries:
        lines.append("Give a verdict: monitor review ID --relevant | --irrelevant")
    return "\n".join(lines)


def _md(text: str) -> str:
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def _md_url(url: str) -> str:
    return quote(url, safe=":/?#[]@!$&'*+,;=%~") if is_web_url(url) else "#"


def _md_evidence(sentence: str, terms: list[str]) -> str:
    return "".join(f"**{_md(text)}**" if hit else _md(text)
                   for text, hit in segments(sentence, terms))


def render_markdown(digest: Digest) -> str:
    lines = [f"# {PRODUCT}, {digest.period}", "",
             *(f"    {line}" for line in health.render_lines(digest.health)), ""]
    groups = digest.by_topic()
    if not digest.entries:
        lines.append(_nothing_new(digest))
    else:
        lines += [f"**{len(digest.entries)} new flagged:** {topic_counts(digest)}  ",
                  "**By source:** " + ", ".join(f"{_md(s)} {n}"
                                                for s, n in digest.per_source().items()), ""]
    for topic, items in groups.items():
        if not items:
            continue
        lines += [f"## {TOPICS[topic]} ({len(items)})", ""]
        for entry in items:
            mark = " *(low-quality source)*" if entry.low_quality else ""
            review = f" *(reviewed: {_md(_verdict_words(entry.review))})*" if entry.review \
                else ""
            lines.append(f"- **[{_md(entry.title)}]({_md_url(entry.url)})**{mark}{review}  ")
            lines.append(f"  {_md(entry.outlet or entry.source)} · {when(entry)} · "
                         f"\\#{entry.id}  ")
            lines += [f"  {_md(who)}  " for who in entry.who]
            if entry.also_reported_by:
                also = ", ".join(f"[{_md(o['outlet'])}]({_md_url(o['url'])})"
                                 for o in entry.also_reported_by)
                lines.append(f"  also reported by: {also}  ")
            if entry.places:
                lines.append(f"  places: {_md('、'.join(entry.places))}  ")
            for item in entry.evidence:
                if item["flag"] == topic:
                    lines.append(f"  > {_md_evidence(item['sentence'], item['terms'])}")
        lines.append("")
    if digest.reviews:
        lines += [f"## Reviewed in this period ({len(digest.reviews)})", ""]
        lines += [f"- \\#{r.article_id} {_md(r.title or '')}: {_md(_verdict_words(r))}"
                  for r in digest.reviews]
        lines.append("")
    lines += ["", *(_md(line) for line in _sources_lines(digest))]
    return "\n".join(lines)


# ---------------------------------------------------------------- JSON


def digest_json(digest: Digest) -> dict:
    return {
        "date": digest.day.isoformat(),
        "window": {
            "kind": digest.kind,
            "from": digest.window_from.isoformat() if digest.window_from else None,
            "to": digest.window_to.isoformat() if digest.window_to else None,
        },
        "health": digest.health,
        "counts": {"topics": {t: len(items) for t, items in digest.by_topic().items()},
                   "sources": digest.per_source()},
        "entries": [e.as_json() for e in digest.entries],
        "sources": [vars(s) for s in digest.sources],
        "not_run": [{"source": name, "last_success": digest.last_success[name].isoformat()
                     if name in digest.last_success else None} for name in digest.not_run],
        "reviews": [r.as_json() for r in digest.reviews],
    }


def render_json(digest: Digest) -> str:
    return json.dumps(digest_json(digest), ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- HTML and Atom (templates)


@cache
def _environment() -> Environment:
    env = Environment(loader=PackageLoader("monitor", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(segments=segments, when=when, rfc3339=_rfc3339)
    env.tests["web_url"] = is_web_url
    env.globals.update(TOPICS=TOPICS, TOPIC_SHORT=TOPIC_SHORT, PRODUCT=PRODUCT,
                       verdict_words=_verdict_words, not_run_words=not_run_words)
    return env


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(TZ).isoformat(timespec="seconds")


def render_html(digest: Digest) -> str:
    """One self-contained page: inline CSS, no script, no external asset."""
    return _environment().get_template("digest.html").render(
        digest=digest, groups=digest.by_topic(), headline=headline(digest),
        nothing_new=_nothing_new(digest), generated=datetime.now(UTC).astimezone(TZ))


# characters XML 1.0 does not allow, which a scraped title can hold
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FEED_NAMESPACE = uuid.UUID("6f0e7c1e-3b1a-5d0e-9a55-6d65646f6f70")  # this product's ids


def entry_id(entry: DigestEntry) -> str:
    """A permanent Atom id for a story: from its first stored copy's URL, which never
    changes (the representative shown may)."""
    return f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, entry.first_url or entry.url)}"


def render_atom(digest: Digest, feed_url: str | None = None) -> str:
    """An Atom 1.0 feed of the digest's stories (``feed_url``: where it is published, for
    the feed's self link and id)."""
    fragment = _environment().get_template("entry.html").module
    stamps = [e.first_seen_at for e in digest.entries if e.first_seen_at]
    updated = max(stamps) if stamps else (digest.window_to or datetime.now(UTC))
    feed = _environment().get_template("digest.atom").render(
        digest=digest, feed_url=feed_url if is_web_url(feed_url) else None,
        feed_id=f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, feed_url or 'flagged-stories')}",
        updated=updated, entry_id=entry_id,
        content=lambda entry: str(fragment.entry_body(entry)))
    return NOT_XML.sub("", feed)


# ---------------------------------------------------------------- group bots


def _bot_text(text: str) -> str:
    """Page text in a bot's Markdown: brackets and line breaks would end a link, and tags
    are markup there (WeCom's <@all> mentions everyone)."""
    return " ".join(text.translate(BOT_FULL_WIDTH).split())


BOT_FULL_WIDTH = str.maketrans("[]<>", "［］＜＞")


def render_bot_markdown(digest: Digest, limit_bytes: int = 4000) -> str:
    """The short Markdown of WeCom / DingTalk group bots: counts, failing checks, and the
    titles linked, cut to ``limit_bytes`` of UTF-8 (WeCom takes 4096)."""
    head = [f"### {PRODUCT}", f"**{digest.period}**", ""]
    if digest.health:
        head.append(f"> ⚠ {len(digest.health)} failing health check(s): " + "; ".join(
            f"{c['source']} [{c['check']}]" for c in digest.health))
        head.append("")
    if not digest.entries:
        head.append(_nothing_new(digest))
        head += [line for line in _sources_lines(digest) if not line.startswith("  ")]
        return "\n".join(head)
    head.append(f"{len(digest.entries)} new flagged: {topic_counts(digest)}")
    body: list[str] = []
    for topic, items in digest.by_topic().items():
        if items:
            body += ["", f"**{TOPIC_SHORT[topic]} ({len(items)})**"]
            for entry in items:
                mark = " (low quality)" if entry.low_quality else ""
                body.append(f"- [{_bot_text(entry.title)}]({_md_url(entry.url)}) "
                            f"{_bot_text(entry.outlet or entry.source)} · "
                            f"{when(entry)}{mark}")
    text = "\n".join(head + body)
    while len(text.encode("utf-8")) > limit_bytes and body:
        body.pop()
        shown = sum(1 for line in body if line.startswith("- "))
        more = f"\n… {sum(len(v) for v in digest.by_topic().values()) - shown} more " \
               "(the full digest is in the mail)"
        text = "\n".join(head + body) + more
    return text


RENDERERS = {"text": render_text, "md": render_markdown, "json": render_json,
             "html": render_html, "atom": render_atom}
