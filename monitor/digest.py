"""The daily digest as data: the new flagged stories of a window, grouped by topic, with their
evidence, the source runs, the failing health checks and the reviewers' verdicts.

One entry per story (the copies of one article on several sites): its representative
article, and "also reported by" the other copies. ``monitor.render`` turns a ``Digest`` into
text, Markdown, JSON, HTML and Atom; ``monitor.delivery`` sends it.

Windows: ``--date D`` is the stories first seen on day D (Asia/Shanghai); ``--since T`` those
first seen from T to now; the default is "what is new since the last digest": from the end of
the last digest that was sent or recorded (``Storage.last_digest_end``), or from the start of
today for the first one, leaving out stories an earlier digest already carried."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from monitor import health
from monitor.storage import CrawlRun, Review, Storage, StoryView

TZ = ZoneInfo("Asia/Shanghai")
TOPICS = {
    "medical_aid": "Medical aid (援疆 / 援藏 / 对口支援 / 医疗帮扶 / 援外医疗队…)",
    "sister_hospital": (
        "Sister hospitals and cooperation agreements (姊妹医院 / 战略合作 / 医联体…)"
    ),
}
TOPIC_SHORT = {"medical_aid": "medical aid", "sister_hospital": "sister hospital"}


@dataclass
class Verdict:
    """A reviewer's latest verdict on a story (``monitor review``)."""

    verdict: str  # "relevant" | "irrelevant"
    topics: list[str]
    reviewer: str | None
    reviewed_at: datetime
    note: str | None
    article_id: int
    title: str | None = None

    @classmethod
    def from_review(cls, review: Review, title: str | None = None) -> Verdict:
        return cls(verdict=review.verdict, topics=list(review.topics or []),
                   reviewer=review.reviewer, reviewed_at=review.reviewed_at.astimezone(TZ),
                   note=review.note, article_id=review.article_id, title=title)

    def as_json(self) -> dict:
        return {"verdict": self.verdict, "topics": self.topics, "reviewer": self.reviewer,
                "reviewed_at": self.reviewed_at.isoformat(), "note": self.note,
                "article_id": self.article_id}


@dataclass
class DigestEntry:
    id: int  # the representative article's id: what `monitor review ID` takes
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
    story_id: int | None = None
    first_seen_at: datetime | None = None
    first_url: str | None = None  # the story's first stored copy: a stable identity
    review: Verdict | None = None

    @property
    def who(self) -> list[str]:
        """"A ↔ B: 签订战略合作框架协议" lines, else the institutions named."""
        if self.partners:
            return [f"{a} ↔ {b}: {action}" for a, b, action in self.partners]
        return [" · ".join(self.institutions[:4])] if self.institutions else []

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "story_id": self.story_id,
            "title": self.title,
            "url": self.url,
            "outlet": self.outlet,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "first_seen_at": self.first_seen_at.isoformat() if self.first_seen_at else None,
            "flags": self.flags,
            "evidence": self.evidence,
            "institutions": self.institutions,
            "places": self.places,
            "partners": self.partners,
            "low_quality": self.low_quality,
            "also_reported_by": self.also_reported_by,
            "source": self.source,
            "review": self.review.as_json() if self.review else None,
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
    day: date  # the window's last day (Asia/Shanghai)
    entries: list[DigestEntry]
    sources: list[SourceRunSummary]  # the sources that ran in the window
    health: list[dict] = field(default_factory=list)  # failing checks (monitor.health)
    window_from: datetime | None = None
    window_to: datetime | None = None
    kind: str = "day"  # "day" (--date), "since" (--since), "new" (since the last digest)
    not_run: list[str] = field(default_factory=list)  # expected sources without a run
    last_success: dict[str, datetime] = field(default_factory=dict)  # of the not_run ones
    reviews: list[Verdict] = field(default_factory=list)  # verdicts given in the window

    def by_topic(self) -> dict[str, list[DigestEntry]]:
        return {t: [e for e in self.entries if t in e.flags] for t in TOPICS}

    def per_source(self) -> dict[str, int]:
        """Entries per source, most first."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.source] = counts.get(entry.source, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def story_ids(self) -> list[int]:
        return [e.story_id for e in self.entries if e.story_id is not None]

    @property
    def period(self) -> str:
        """The window in words: "2026-11-23", "since 2026-11-22 08:00"."""
        if self.kind == "day" or self.window_from is None:
            return f"{self.day:%Y-%m-%d}"
        return f"since {self.window_from.astimezone(TZ):%Y-%m-%d %H:%M}"


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=TZ)
    return start, start + timedelta(days=1)


def today() -> date:
    return datetime.now(TZ).date()


def parse_since(text: str) -> datetime:
    """``--since``: an ISO date or date-time; without an offset it is Asia/Shanghai time."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


def _entry(view: StoryView, review: Review | None) -> DigestEntry:
    row = view.representative
    flags = view.flag_names
    evidence = []
    for flag in flags:  # from the representative, else from the first copy flagged
        source_row = next(m for m in [row, *view.others] if getattr(m, flag))
        for item in source_row.flags.get(flag, {}).get("evidence", [])[:2]:
            evidence.append({"flag": flag, "sentence": item["sentence"],
                             "terms": list(dict.fromkeys(item["terms"]))})
    flagged = next((m for m in [row, *view.others] if m.flag_names), row)
    first = view.members[0]
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
        story_id=view.story.id,
        first_seen_at=view.story.first_seen_at.astimezone(TZ),
        first_url=first.canonical_url or first.url,
        review=Verdict.from_review(review) if review else None,
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


def build_digest(storage: Storage, day: date | None = None, *, since: datetime | None = None,
                 now: datetime | None = None, expected_sources: list[str] | None = None,
                 checks: list[dict] | None = None) -> Digest:
    """The digest of ``day`` (stories first seen that day), of the stories first seen
    ``since`` a moment, or by default of what is new since the last digest; flagged stories
    only, newest publication first. A new copy of a story seen before the window does not
    bring the story back. ``expected_sources``: the enabled sources, to say which did not
    run; ``checks``: the failing health checks (default: ``monitor.health.failing_checks``).
    """
    now = now or datetime.now(UTC)
    if day is not None:  # up to now: a later digest's window starts where this one ended
        kind, (start, end) = "day", day_bounds(day)
        end = min(end, now)
    elif since is not None:
        kind, start, end = "since", since, now
    else:
        last = storage.last_digest_end()
        kind, start, end = "new", last or day_bounds(now.astimezone(TZ).date())[0], now
    # a window ending now includes this very moment; the next one starts at it (and leaves
    # out the stories sent already)
    until = end + timedelta(microseconds=1) if end == now else end
    views = storage.stories(first_seen_from=start, first_seen_to=until, flagged_only=True)
    if kind == "new":
        sent = storage.sent_story_ids([v.story.id for v in views])
        views = [v for v in views if v.story.id not in sent]
    verdicts = storage.story_verdicts([v.story.id for v in views])
    oldest = datetime.min.replace(tzinfo=TZ)
    entries = sorted((_entry(v, verdicts.get(v.story.id)) for v in views),
                     key=lambda e: e.published_at or oldest, reverse=True)
    runs = [r for r in storage.runs(since=start) if r.started_at < until]
    summaries = _summaries(runs)
    ran = {s.source for s in summaries}
    not_run = [name for name in expected_sources or [] if name not in ran]
    return Digest(
        day=day or end.astimezone(TZ).date(),
        entries=entries,
        sources=summaries,
        health=health.failing_checks(storage) if checks is None else checks,
        window_from=start.astimezone(TZ),
        window_to=end.astimezone(TZ),
        kind=kind,
        not_run=not_run,
        last_success={name: started.astimezone(TZ) for name, started in
                      storage.last_successful_starts().items() if name in not_run}
        if not_run else {},
        reviews=[Verdict.from_review(review, article.title)
                 for review, article in storage.reviews(since=start, until=until)],
    )
