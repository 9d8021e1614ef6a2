"""The daily digest: the day's new flagged stories, grouped by topic, with their evidence.

One entry per story (the copies of one article on several sites): its representative
article, and "also reported by" the other copies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor import health
from monitor.storage import CrawlRun, Storage, StoryView

TZ = ZoneInfo("Asia/Shanghai")
TOPICS = {
    "medical_aid": "Medical aid (援疆 / 援藏 / 对口支援 / 医疗帮扶 / 援外医疗队…)",
    "sister_hospital": (
        "Sister hospitals and cooperation agreements (姊妹医院 / 战略合作 / 医联体…)"
    ),
}


@dataclass
class DigestEntry:
    id: int
    title: str
    url: str
    outlet: str | None
    source: str
    published_at: datetime | None
    flags: list[str]
    evidence: list[dict]  # {"flag", "sentence", "terms"}
    institutions: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    partners: list[list[str]] = field(default_factory=list)  # [A, B, what they did]
    low_quality: bool = False
    also_reported_by: list[dict] = field(default_factory=list)  # {"outlet", "url"}

    @property
    def who(self) -> list[str]:
        """"A ↔ B: 签订战略合作框架协议" lines, else the institutions named."""
        if self.partners:
            return [f"{a} ↔ {b}: {action}" for a, b, action in self.partners]
        return [" · ".join(self.institutions[:4])] if self.institutions else []

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "url": self.url,
            "outlet": self.outlet,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "flags": self.flags,
            "evidence": self.evidence,
            "institutions": self.institutions,
            "places": self.places,
            "partners": self.partners,
            "low_quality": self.low_quality,
            "also_reported_by": self.also_reported_by,
            "source": self.source,
        }


@dataclass
class SourceRunSummary:
    source: str
    runs: int
    new_articles: int
    errors: int
    last_error: str | None


@dataclass
class Digest:
    day: date
    entries: list[DigestEntry]
    sources: list[SourceRunSummary]
    health: list[dict] = field(default_factory=list)  # failing checks (monitor.health)

    def by_topic(self) -> dict[str, list[DigestEntry]]:
        return {t: [e for e in self.entries if t in e.flags] for t in TOPICS}


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=TZ)
    return start, start + timedelta(days=1)


def today() -> date:
    return datetime.now(TZ).date()


def _entry(view: StoryView) -> DigestEntry:
    row = view.representative
    flags = view.flag_names
    evidence = []
    for flag in flags:  # from the representative, else from the first copy flagged
        source_row = next(m for m in [row, *view.others] if getattr(m, flag))
        for item in source_row.flags.get(flag, {}).get("evidence", [])[:2]:
            evidence.append({"flag": flag, "sentence": item["sentence"], "terms": item["terms"]})
    flagged = next((m for m in [row, *view.others] if m.flag_names), row)
    return DigestEntry(
        id=row.id,
        title=row.title or "(no title)",
        url=row.canonical_url or row.url,
        outlet=row.outlet,
        source=row.source,
        published_at=row.published_at.astimezone(TZ) if row.published_at else None,
        flags=flags,
        evidence=evidence,
        institutions=list(flagged.flags.get("institutions", [])),
        places=list(flagged.flags.get("places", [])),
        partners=list(flagged.flags.get("partners", [])),
        low_quality=row.low_quality,
        also_reported_by=[{"outlet": m.outlet or m.source, "url": m.canonical_url or m.url}
                          for m in view.others],
    )


def _summaries(runs: list[CrawlRun]) -> list[SourceRunSummary]:
    by_source: dict[str, list[CrawlRun]] = {}
    for run in runs:
        by_source.setdefault(run.source, []).append(run)
    return [
        SourceRunSummary(
            source=source,
            runs=len(items),
            new_articles=sum(r.new_articles for r in items),
            errors=sum(sum(r.errors.values()) for r in items),
            last_error=next((r.stats.get("last_error") for r in reversed(items)
                             if r.stats.get("last_error")), None),
        )
        for source, items in sorted(by_source.items())
    ]


def build_digest(storage: Storage, day: date) -> Digest:
    """Flagged stories first seen on ``day`` (Asia/Shanghai), newest publication first.
    A new copy of a story seen on an earlier day does not bring the story back."""
    start, end = day_bounds(day)
    views = storage.stories(first_seen_from=start, first_seen_to=end, flagged_only=True)
    oldest = datetime.min.replace(tzinfo=TZ)
    entries = sorted((_entry(v) for v in views),
                     key=lambda e: e.published_at or oldest, reverse=True)
    runs = [r for r in storage.runs(since=start) if r.started_at < end]
    return Digest(day=day, entries=entries, sources=_summaries(runs),
                  health=health.failing_checks(storage))


def _when(entry: DigestEntry) -> str:
    """Publication time; a date-only page (parsed as midnight) shows its date alone."""
    if entry.published_at is None:
        return "date unknown"
    if entry.published_at.time() == time.min:
        return entry.published_at.strftime("%Y-%m-%d")
    return entry.published_at.strftime("%Y-%m-%d %H:%M")


def _sources_line(digest: Digest) -> str:
    if not digest.sources:
        return "No source ran on this day."
    failing = [s for s in digest.sources if s.errors]
    line = f"Sources run: {len(digest.sources)}, with errors: {len(failing)}."
    for summary in failing:
        line += f"\n  ! {summary.source}: {summary.errors} error(s); last: {summary.last_error}"
    return line


def render_text(digest: Digest) -> str:
    lines = [f"Medical-cooperation news digest for {digest.day:%Y-%m-%d} (Asia/Shanghai)",
             *health.render_lines(digest.health)]
    groups = digest.by_topic()
    if not digest.entries:
        lines.append("Nothing new was flagged on this day.")
    else:
        counts = ", ".join(f"{topic.replace('_', ' ')} {len(items)}"
                           for topic, items in groups.items())
        lines.append(f"{len(digest.entries)} new flagged article(s): {counts}")
    for topic, items in groups.items():
        if not items:
            continue
        lines += ["", f"== {TOPICS[topic]}: {len(items)} =="]
        for entry in items:
            mark = " [low quality source]" if entry.low_quality else ""
            lines.append(f"* {entry.title}{mark}")
            lines.append(f"  {entry.outlet or entry.source} · {_when(entry)} · {entry.url}")
            lines += [f"  {who}" for who in entry.who]
            if entry.also_reported_by:
                also = "; ".join(f"{o['outlet']} {o['url']}" for o in entry.also_reported_by)
                lines.append(f"  also reported by: {also}")
            if entry.places:
                lines.append(f"  places: {'、'.join(entry.places)}")
            for item in entry.evidence:
                if item["flag"] == topic:
                    lines.append(f"  why: “{item['sentence']}” [{', '.join(item['terms'])}]")
    lines += ["", _sources_line(digest)]
    return "\n".join(lines)


def render_markdown(digest: Digest) -> str:
    lines = [f"# Medical-cooperation news digest, {digest.day:%Y-%m-%d}", "",
             *(f"    {line}" for line in health.render_lines(digest.health)), ""]
    groups = digest.by_topic()
    if not digest.entries:
        lines.append("Nothing new was flagged on this day.")
    for topic, items in groups.items():
        if not items:
            continue
        lines += [f"## {TOPICS[topic]} ({len(items)})", ""]
        for entry in items:
            mark = " *(low-quality source)*" if entry.low_quality else ""
            lines.append(f"- **[{_md(entry.title)}]({entry.url})**{mark}  ")
            lines.append(f"  {_md(entry.outlet or entry.source)} · {_when(entry)}  ")
            lines += [f"  {_md(who)}  " for who in entry.who]
            if entry.also_reported_by:
                also = ", ".join(f"[{_md(o['outlet'])}]({o['url']})"
                                 for o in entry.also_reported_by)
                lines.append(f"  also reported by: {also}  ")
            for item in entry.evidence:
                if item["flag"] == topic:
                    lines.append(f"  > {_md(item['sentence'])} — *{', '.join(item['terms'])}*")
        lines.append("")
    lines += ["", _sources_line(digest)]
    return "\n".join(lines)


def _md(text: str) -> str:
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def render_json(digest: Digest) -> str:
    payload = {
        "date": digest.day.isoformat(),
        "health": digest.health,
        "entries": [e.as_json() for e in digest.entries],
        "sources": [vars(s) for s in digest.sources],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


RENDERERS = {"text": render_text, "md": render_markdown, "json": render_json}
