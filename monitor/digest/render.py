"""A ``Digest`` as text, Markdown, JSON, HTML (one self-contained page) and an Atom feed, plus
the short Markdown message for group bots. HTML and Atom come from the Jinja2 templates in
``monitor/templates``, with everything taken from pages escaped. Labels are in the digest's
language (``monitor.digest.labels``); each story shows its ID (``#12``), the same in every output,
and links to the web page (``monitor serve``) when ``public_url`` is given."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from functools import cache
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined

from monitor.article.text import PAIRED_MARKS, closed, squash, unpaired, without_unpaired
from monitor.digest import health_words
from monitor.digest.build import (
    AID_RELATIONS,
    TOPICS,
    TZ,
    Digest,
    DigestEntry,
    SourceRunSummary,
    Verdict,
)
from monitor.digest.labels import Labels

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


_INNER_QUOTES = str.maketrans("“”", "‘’")


def quoted(sentence: str) -> str:
    """An evidence sentence in quotation marks, its own marks closed: a sentence that is one
    quotation already (“以此次揭牌…新篇章”) is not quoted again, and quotes inside a quoted
    sentence become single ones (“‘组团式’医疗援疆…”), not doubled marks."""
    sentence = closed(sentence)
    if (len(sentence) > 1 and sentence[0] in "“「『"
            and sentence[-1] == PAIRED_MARKS[sentence[0]]
            and not unpaired(sentence[1:-1])):
        return sentence
    return f"“{sentence.translate(_INNER_QUOTES)}”"


def labels(digest: Digest) -> Labels:
    return Labels(digest.language)


def _stamp(moment: datetime) -> str:
    """A date-only page (parsed as midnight) shows its date alone."""
    if moment.time() == time.min:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%d %H:%M")


def when(entry: DigestEntry, words: Labels, day: date | None = None) -> str:
    """Publication time; for a story published long before it was first seen, both dates
    ("published 2025-05-04, first seen today" when it was first seen on ``day``, the
    digest's day; without a ``day``, as in the feed, read on later days: its date)."""
    if entry.published_at is None:
        return words("date_unknown")
    if not entry.aged:
        return _stamp(entry.published_at)
    seen = entry.first_seen_at.date()
    return words("published_first_seen", published=f"{entry.published_at:%Y-%m-%d}",
                 seen=words("today") if seen == day else f"{seen:%Y-%m-%d}")


def is_web_url(url: str | None) -> bool:
    """Only http(s) links are rendered as links (a page could carry ``javascript:``)."""
    return bool(url) and urlsplit(url).scheme in ("http", "https")


def story_link(public_url: str | None, story_id: int) -> str | None:
    """The story's page on the web page (``monitor serve``) published at ``public_url``."""
    if not is_web_url(public_url):
        return None
    return f"{public_url.rstrip('/')}/story/{story_id}"


def institution_link(base: str | None, name: str) -> str | None:
    """An institution's page on the web page, by any of its names: ``base`` is the web
    page's address (``MONITOR_PUBLIC_URL``), ``""`` on the web page itself; None: no link."""
    if base is None or (base and not is_web_url(base)):
        return None
    return f"{base.rstrip('/')}/institution?{urlencode({'name': name})}"


def period(digest: Digest) -> str:
    """The window in words: "2026-11-23", "new since 2026-11-22 08:00"."""
    words = labels(digest)
    if digest.kind == "day" or digest.window_from is None:
        return words("period.day", day=f"{digest.day:%Y-%m-%d}")
    return words("period.since", moment=f"{digest.window_from.astimezone(TZ):%Y-%m-%d %H:%M}")


def topic_counts(digest: Digest) -> str:
    words = labels(digest)
    return words.list_sep.join(f"{words.topic(t)} {len(items)}"
                               for t, items in digest.by_topic().items())


def outlet_counts(digest: Digest) -> str:
    words = labels(digest)
    return words.list_sep.join(f"{name} {n}" for name, n in digest.per_outlet().items())


def section_heading(name: str | None, digest: Digest) -> str:
    """The heading of a watch's stories ("关注：援疆"), or of the other stories."""
    words = labels(digest)
    return words("watch_heading", name=name) if name else words("other_stories")


def shown_sections(digest: Digest) -> list[tuple[str | None, list[DigestEntry]]]:
    """``digest.sections()`` with the heading each one shows: none at all when no watch has
    a story (the digest reads as it always did)."""
    watched = digest.watched
    return [(section_heading(name, digest) if watched else None, items)
            for name, items in digest.sections()]


def headline(digest: Digest) -> str:
    """The one-line summary: also the mail subject."""
    words = labels(digest)
    if digest.focus and digest.entries:
        return words("headline.watch", product=words("product"), name=digest.focus,
                     period=period(digest), count=len(digest.entries),
                     counts=topic_counts(digest))
    if not digest.entries:
        return words("headline.empty", product=words("product"), period=period(digest))
    return words("headline", product=words("product"), period=period(digest),
                 count=len(digest.entries), counts=topic_counts(digest))


def nothing_new(digest: Digest) -> str:
    words = labels(digest)
    if digest.kind == "day":
        return words("nothing.day", day=f"{digest.day:%Y-%m-%d}")
    return words("nothing.since", period=period(digest))


def health_lines(digest: Digest) -> list[str]:
    """The failing health checks in the digest's language, sources by their titles."""
    return health_words.failing_lines(digest.health, labels(digest), digest.source_titles)


def error_words(summary: SourceRunSummary, words: Labels) -> str:
    """A source's errors in the window by kind ("3 个错误（超时 2 次、HTTP 404 1 次）"); in
    English with the crawler's last error message too (it is in English)."""
    kinds = health_words.error_kinds(summary.error_kinds, words) if summary.error_kinds else "?"
    said = words("error_summary", count=summary.errors, kinds=kinds)
    if words.lang == "en" and summary.last_error:
        said += f"; {words('last_error')}: {summary.last_error}"
    return said


def _sources_lines(digest: Digest) -> list[str]:
    words = labels(digest)
    lines = []
    if not digest.sources:
        lines.append(words("no_source_ran"))
    else:
        failing = [s for s in digest.sources if s.errors]
        lines.append(words("sources_run", count=len(digest.sources), failing=len(failing)))
        lines += [f"  ! {digest.source_title(s.source)}{words.colon}{error_words(s, words)}"
                  for s in failing]
    if digest.missed:
        lines.append(words("not_run", names=missed_words(digest)))
    if digest.never_ran:
        lines.append(words("never_ran", names=never_ran_words(digest)))
    return lines


def missed_words(digest: Digest) -> str:
    """The enabled sources that ran before but not in this window, with their last run."""
    words = labels(digest)
    opening, closing = ("（", "）") if words.lang == "zh" else (" (", ")")
    return words.list_sep.join(
        f"{digest.source_title(name)}{opening}"
        f"{words('last_ran', moment=_stamp(digest.last_success[name]))}{closing}"
        for name in digest.missed)


def never_ran_words(digest: Digest) -> str:
    return labels(digest).list_sep.join(digest.source_title(n) for n in digest.never_ran)


def verdict_words(review: Verdict, words: Labels) -> str:
    topics = words.list_sep.join(words.topic(t) for t in review.topics)
    who = f" {words('by', who=review.reviewer)}" if review.reviewer else ""
    return f"{words.verdict(review.verdict)}{words.paren(topics) if topics else ''}{who}"


# ---------------------------------------------------------------- text and Markdown


def _entry_lines(entry: DigestEntry, digest: Digest, public_url: str | None) -> list[str]:
    words = labels(digest)
    badges = " ".join(f"[{words.topic(f)}]" for f in entry.flags)
    marks = f" [{words('low_quality')}]" if entry.low_quality else ""
    colon = words.colon
    if entry.review:
        marks += f" [{words('reviewed')}{colon}{verdict_words(entry.review, words)}]"
    lines = [f"#{entry.id} {badges} {entry.title}{marks}",
             f"    {entry.outlet} · {when(entry, words, digest.day)}"]
    if entry.lead:
        lines.append(f"    {words('lead')}{colon}{entry.lead}")
    lines += [f"    {who}" for who in entry.who(words)]
    if entry.places:
        lines.append(f"    {words('places')}{colon}{'、'.join(entry.places)}")
    for item in entry.evidence:
        terms = words.list_sep.join(without_unpaired(t) for t in item["terms"])
        lines.append(f"    {words('why')}{colon}{quoted(item['sentence'])} [{terms}]")
    if entry.also_reported_by:
        lines.append(f"    {words('also')}{colon}"
                     + words.list_sep.join(o["outlet"] for o in entry.also_reported_by))
    lines.append(f"    {entry.url}")
    link = story_link(public_url, entry.id)
    if link:
        lines.append(f"    {link}")
    return lines


def render_text(digest: Digest, public_url: str | None = None) -> str:
    words = labels(digest)
    focus = f" · {section_heading(digest.focus, digest)}" if digest.focus else ""
    lines = [f"{words('product')}{focus} · {period(digest)} · {words('timezone')}",
             *health_lines(digest)]
    if not digest.entries:
        lines.append(nothing_new(digest))
    else:
        lines.append(f"{words('count', count=len(digest.entries))}{words.colon}"
                     f"{topic_counts(digest)}")
        lines.append(f"{words('by_outlet')}{words.colon}{outlet_counts(digest)}")
    for heading, items in shown_sections(digest):
        if heading:
            lines += ["", f"== {heading} =="]
        for entry in items:
            lines += ["", *_entry_lines(entry, digest, public_url)]
    if digest.reviews:
        lines += ["", f"{words('reviewed_in_period')}{words.colon}{len(digest.reviews)}"]
        lines += [f"  #{r.id} {r.title or ''}{words.colon}{verdict_words(r, words)}"
                  + (f" — {r.note}" if r.note else "") for r in digest.reviews]
    if not digest.focus:  # a watch's own digest leaves the sources to the whole one
        lines += ["", *_sources_lines(digest)]
    if digest.entries:
        lines.append(words("give_verdict"))
    return "\n".join(lines)


def _md(text: str) -> str:
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def _md_url(url: str) -> str:
    return quote(url, safe=":/?#[]@!$&'*+,;=%~") if is_web_url(url) else "#"


def _md_evidence(sentence: str, terms: list[str]) -> str:
    return "".join(f"**{_md(text)}**" if hit else _md(text)
                   for text, hit in segments(closed(sentence), terms))


def render_markdown(digest: Digest, public_url: str | None = None) -> str:
    words = labels(digest)
    focus = f" · {_md(section_heading(digest.focus, digest))}" if digest.focus else ""
    lines = [f"# {words('product')}{focus} · {_md(period(digest))}", "",
             *(f"    {line}" for line in health_lines(digest)), ""]
    if not digest.entries:
        lines.append(nothing_new(digest))
    else:
        lines += [f"**{words('count', count=len(digest.entries))}**{words.colon}"
                  f"{topic_counts(digest)}  ",
                  f"**{words('by_outlet')}**{words.colon}{_md(outlet_counts(digest))}", ""]
    for heading, entry in _with_headings(digest):
        if heading:
            lines += [f"## {_md(heading)}", ""]
        badges = " ".join(f"`{words.topic(f)}`" for f in entry.flags)
        marks = f" *{words.paren(words('low_quality')).strip()}*" if entry.low_quality else ""
        if entry.review:
            verdict = words("reviewed") + words.colon + _md(verdict_words(entry.review, words))
            marks += f" *{words.paren(verdict).strip()}*"
        link = story_link(public_url, entry.id)
        number = f"[\\#{entry.id}]({_md_url(link)})" if link else f"\\#{entry.id}"
        lines.append(f"### {number} [{_md(entry.title)}]({_md_url(entry.url)})")
        lines.append("")
        lines.append(f"{badges}{marks}  ")
        lines.append(f"{_md(entry.outlet)} · {_md(when(entry, words, digest.day))}  ")
        if entry.lead:
            lines.append(f"{_md(entry.lead)}  ")
        lines += [f"{_md(who)}  " for who in entry.who(words)]
        if entry.places:
            lines.append(f"{words('places')}{words.colon}{_md('、'.join(entry.places))}  ")
        if entry.also_reported_by:
            also = words.list_sep.join(f"[{_md(o['outlet'])}]({_md_url(o['url'])})"
                                       for o in entry.also_reported_by)
            lines.append(f"{words('also')}{words.colon}{also}  ")
        lines.append("")
        for item in entry.evidence:
            lines += [f"> {_md_evidence(item['sentence'], item['terms'])}", ""]
    if digest.reviews:
        lines += [f"## {words('reviewed_in_period')}{words.paren(str(len(digest.reviews)))}", ""]
        lines += [f"- \\#{r.id} {_md(r.title or '')}{words.colon}{_md(verdict_words(r, words))}"
                  for r in digest.reviews]
        lines.append("")
    if not digest.focus:
        lines += ["", *(_md(line) + "  " for line in _sources_lines(digest))]
    return "\n".join(lines)


def _with_headings(digest: Digest) -> Iterator[tuple[str | None, DigestEntry]]:
    """Each entry in the order shown, with the heading to write before it (the first of
    its section's) or None."""
    for heading, items in shown_sections(digest):
        for position, entry in enumerate(items):
            yield (heading if position == 0 else None), entry


# ---------------------------------------------------------------- JSON


def digest_json(digest: Digest) -> dict:
    return {
        "date": digest.day.isoformat(),
        "language": digest.language,
        "window": {
            "kind": digest.kind,
            "from": digest.window_from.isoformat() if digest.window_from else None,
            "to": digest.window_to.isoformat() if digest.window_to else None,
        },
        "health": [{**c, "message": health_words.describe(c, labels(digest))}
                   for c in digest.health],
        "counts": {"topics": {t: len(items) for t, items in digest.by_topic().items()},
                   "outlets": digest.per_outlet(), "sources": digest.per_source()},
        "entries": [e.as_json() for e in digest.entries],
        "watches": [{"name": w.name,
                     "institutions": [{"name": i.name, "aliases": list(i.aliases)}
                                      for i in w.institutions],
                     "provinces": list(w.provinces), "relations": list(w.relations),
                     "stories": [e.id for e in digest.entries if w.name in e.watch]}
                    for w in digest.watches],
        "focus": digest.focus,
        "sources": [vars(s) for s in digest.sources],
        "not_run": [{"source": name, "last_success": digest.last_success[name].isoformat()
                     if name in digest.last_success else None} for name in digest.not_run],
        "reviews": [r.as_json() for r in digest.reviews],
    }


def render_json(digest: Digest, public_url: str | None = None) -> str:
    payload = digest_json(digest)
    if story_link(public_url, 0):
        for entry in payload["entries"]:
            entry["story_url"] = story_link(public_url, entry["id"])
    return json.dumps(payload, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------- HTML and Atom (templates)


@cache
def environment() -> Environment:
    """The Jinja2 environment of the digest and the web page (autoescaped)."""
    env = Environment(loader=PackageLoader("monitor.digest", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(segments=segments, closed=closed, rfc3339=_rfc3339, stamp=_stamp,
                       local=lambda moment: _stamp(moment.astimezone(TZ)))
    env.tests["web_url"] = is_web_url
    env.globals.update(TOPICS=TOPICS, when=when, verdict_words=verdict_words,
                       story_link=story_link, error_words=error_words,
                       institution_link=institution_link, AID_RELATIONS=AID_RELATIONS,
                       check_name=health_words.check_name, check_words=health_words.describe,
                       finish_reason=health_words.finish_reason)
    return env


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(TZ).isoformat(timespec="seconds")


def html_context(digest: Digest, public_url: str | None) -> dict:
    return dict(digest=digest, L=labels(digest), headline=headline(digest),
                sections=shown_sections(digest),
                period=period(digest), topic_counts=topic_counts(digest),
                outlet_counts=outlet_counts(digest), nothing_new=nothing_new(digest),
                missed_words=missed_words(digest), never_ran_words=never_ran_words(digest),
                public_url=public_url,
                generated=datetime.now(UTC).astimezone(TZ))


def stream_html(digest: Digest, public_url: str | None = None) -> Iterator[str]:
    """The HTML digest in pieces, as it is rendered."""
    return environment().get_template("digest.html").generate(
        **html_context(digest, public_url))


def render_html(digest: Digest, public_url: str | None = None) -> str:
    """One self-contained page: inline CSS, no script; the only outside resources are the
    stories' pictures."""
    return "".join(stream_html(digest, public_url))


# characters XML 1.0 does not allow, which a scraped title can hold
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
FEED_NAMESPACE = uuid.UUID("6f0e7c1e-3b1a-5d0e-9a55-6d65646f6f70")  # this product's ids


def entry_id(entry: DigestEntry) -> str:
    """A permanent Atom id for a story: from its first stored copy's URL, which never
    changes (the representative shown may)."""
    return f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, entry.first_url or entry.url)}"


def render_atom(digest: Digest, feed_url: str | None = None,
                public_url: str | None = None) -> str:
    """An Atom 1.0 feed of the digest's stories (``feed_url``: where it is published, for
    the feed's self link and id). Each entry's title starts with the story's ID."""
    env = environment()
    fragment = env.get_template("entry.html").module
    words = labels(digest)
    stamps = [e.first_seen_at for e in digest.entries if e.first_seen_at]
    updated = max(stamps) if stamps else (digest.window_to or datetime.now(UTC))
    feed = env.get_template("digest.atom").render(
        digest=digest, L=words, period=period(digest),
        feed_url=feed_url if is_web_url(feed_url) else None,
        feed_id=f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, feed_url or 'flagged-stories')}",
        updated=updated, entry_id=entry_id, public_url=public_url,
        # no day: a feed is read on later days, where "first seen today" would be wrong
        content=lambda entry: str(fragment.entry_body(entry, words, None, public_url)))
    return NOT_XML.sub("", feed)


# ---------------------------------------------------------------- group bots


def _bot_text(text: str) -> str:
    """Page text in a bot's Markdown: brackets and line breaks would end a link, and tags
    are markup there (WeCom's <@all> mentions everyone)."""
    return squash(text.translate(BOT_FULL_WIDTH))


BOT_FULL_WIDTH = str.maketrans("[]<>", "［］＜＞")


def render_bot_markdown(digest: Digest, limit_bytes: int = 4000,
                        public_url: str | None = None) -> str:
    """The short Markdown of group bots: counts, failing checks, and each story's ID,
    title linked, topics and outlet (with a link to its page on the web page when
    ``public_url`` is set), cut to ``limit_bytes`` of UTF-8 (WeCom takes 4096)."""
    words = labels(digest)
    focus = f" · {_bot_text(section_heading(digest.focus, digest))}" if digest.focus else ""
    head = [f"### {words('product')}{focus}", f"**{period(digest)}**", ""]
    if digest.health:
        head.append(f"> ⚠ {words('health', count=len(digest.health))}{words.colon}"
                    + words.list_sep.join(
                        f"{_bot_text(digest.source_title(c['source']))} "
                        f"[{health_words.check_name(c['check'], words)}]"
                        for c in digest.health))
        head.append("")
    if not digest.entries:
        head.append(nothing_new(digest))
        head += [line for line in _sources_lines(digest) if not line.startswith("  ")]
        return "\n".join(head)
    head.append(f"{words('count', count=len(digest.entries))}{words.colon}{topic_counts(digest)}")
    body: list[str] = []  # a section's heading, then its entries' lines
    for heading, entry in _with_headings(digest):
        if heading:
            body.append(f"**{_bot_text(heading)}**")
        link = story_link(public_url, entry.id)
        number = f"[#{entry.id}]({_md_url(link)})" if link else f"#{entry.id}"
        topics = "/".join(words.topic(f) for f in entry.flags)
        mark = words.paren(words("low_quality")) if entry.low_quality else ""
        body.append(f"- {number} [{_bot_text(entry.title)}]({_md_url(entry.url)}) "
                    f"{_bot_text(entry.outlet)} · {topics} · "
                    f"{when(entry, words, digest.day)}{mark}")
    text = "\n".join(head + body)
    while len(text.encode("utf-8")) > limit_bytes and body:
        body.pop()
        while body and not body[-1].startswith("- "):  # no heading without its stories
            body.pop()
        shown = sum(line.startswith("- ") for line in body)
        text = "\n".join(head + body) + "\n" + words(
            "more", count=len(digest.entries) - shown)
    return text


RENDERERS = {"text": render_text, "md": render_markdown, "json": render_json,
             "html": render_html, "atom": render_atom}
