"""The daily digest as data: the new flagged stories of a window, as a news brief, with the
source runs, the failing health checks and the reviewers' verdicts.

One entry per story (the copies of one article on several sites), whatever its topics: its
representative article with the outlet's own name, a one-line lead, a picture, the evidence
that adds to the title, and "also reported by" the other copies' outlets. Its ID is the
story's ID, the same in every output (``monitor stories``, ``review``, ``export``, the bots'
messages, the web page, the Atom feed). ``monitor.digest.render`` turns a ``Digest`` into text,
Markdown, JSON, HTML and Atom; ``monitor.digest.delivery`` sends it; ``monitor.ops.web`` serves it.

Windows: ``--date D`` is the stories first seen on day D (Asia/Shanghai); ``--since T`` those
first seen from T to now; the default is "what is new since the last digest": from the end of
the last digest that was sent or recorded (``Storage.last_digest_end``), or from the start of
today for the first one, leaving out stories an earlier digest already carried. The stories
are chosen in SQL and read in batches, without the raw pages."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from monitor.article.dates import without_dateline
from monitor.article.text import comparison_key, repeats_title, squash
from monitor.config.sources import Watch, load_sources, load_watches
from monitor.config.zone import TZ
from monitor.digest.labels import DEFAULT_LANGUAGE, Labels
from monitor.digest.labels import language as chosen_language
from monitor.errors import ConfigError
from monitor.judgement.watch import watches_of
from monitor.storage.database import Storage
from monitor.storage.models import CrawlRun, Review, StoredArticle
from monitor.storage.reviews import StoryView

TOPICS = ("medical_aid", "sister_hospital")
LEAD_CHARS = 120  # a lead longer than this is cut with "…"
EVIDENCE_SHOWN = 2  # sentences per story
AGE_MARK_DAYS = 2  # published more than this long before it was first seen: say so


@dataclass
class Verdict:
    """A reviewer's latest verdict on a story (``monitor review``)."""

    verdict: str  # "relevant" | "irrelevant"
    topics: list[str]
    reviewer: str | None
    reviewed_at: datetime
    note: str | None
    article_id: int
    story_id: int | None = None
    title: str | None = None

    @classmethod
    def from_review(cls, review: Review, title: str | None = None) -> Verdict:
        return cls(verdict=review.verdict, topics=list(review.topics or []),
                   reviewer=review.reviewer, reviewed_at=review.reviewed_at.astimezone(TZ),
                   note=review.note, article_id=review.article_id, story_id=review.story_id,
                   title=title)

    @property
    def id(self) -> int:
        """The story's ID (the article's for a verdict older than stories)."""
        return self.story_id if self.story_id is not None else self.article_id

    def as_json(self) -> dict:
        return {"verdict": self.verdict, "topics": self.topics, "reviewer": self.reviewer,
                "reviewed_at": self.reviewed_at.isoformat(), "note": self.note,
                "story_id": self.id, "article_id": self.article_id}


@dataclass
class DigestEntry:
    id: int  # the story's ID: what `monitor review ID` takes, the same in every output
    title: str
    url: str
    outlet: str  # the outlet's own name (never a source's internal name)
    source: str
    published_at: datetime | None
    flags: list[str]
    evidence: list[dict]  # {"flags", "sentence", "terms"}: sentences adding to the title
    title_terms: list[str] = field(default_factory=list)  # flag terms found in the title
    lead: str | None = None
    lead_terms: list[str] = field(default_factory=list)  # flag terms found in the lead
    image: dict | None = None  # {"src", "caption"}
    institutions: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    # {"a", "b", "relation", "evidence"} (monitor.partners); rows stored before that hold
    # [A, B, what they did] lists: read by partner_line all the same
    partners: list[dict | list[str]] = field(default_factory=list)
    low_quality: bool = False
    also_reported_by: list[dict] = field(default_factory=list)  # {"outlet", "url"}
    first_seen_at: datetime | None = None
    first_url: str | None = None  # the story's first stored copy: a stable identity
    article_id: int | None = None  # the representative article
    review: Verdict | None = None
    watch: list[str] = field(default_factory=list)  # the watches that watch it ([[watch]])

    def who(self, words: Labels) -> list[str]:
        """"A → B（对口支援）" / "A ↔ B（合作协议）" lines, else the institutions named."""
        if self.partners:
            return [partner_line(p, words) for p in self.partners]
        return [" · ".join(self.institutions[:4])] if self.institutions else []

    @property
    def aged(self) -> bool:
        """Published more than ``AGE_MARK_DAYS`` before it was first seen."""
        return bool(self.published_at and self.first_seen_at and
                    self.first_seen_at - self.published_at > timedelta(days=AGE_MARK_DAYS))

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "outlet": self.outlet,
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "first_seen_at": self.first_seen_at.isoformat() if self.first_seen_at else None,
            "flags": self.flags,
            "lead": self.lead,
            "lead_terms": self.lead_terms,
            "image": self.image,
            "evidence": self.evidence,
            "title_terms": self.title_terms,
            "institutions": self.institutions,
            "places": self.places,
            "partners": self.partners,
            "low_quality": self.low_quality,
            "also_reported_by": self.also_reported_by,
            "source": self.source,
            "article_id": self.article_id,
            "review": self.review.as_json() if self.review else None,
            "watch": self.watch,
        }


@dataclass
class SourceRunSummary:
    source: str
    runs: int
    new_articles: int
    errors: int
    last_error: str | None
    error_kinds: dict[str, int] = field(default_factory=dict)  # kind -> count


@dataclass
class Digest:
    day: date  # the window's last day (Asia/Shanghai)
    entries: list[DigestEntry]
    sources: list[SourceRunSummary]  # the sources that ran in the window
    health: list[dict] = field(default_factory=list)  # failing checks (monitor.ops.health)
    window_from: datetime | None = None
    window_to: datetime | None = None
    kind: str = "day"  # "day" (--date), "since" (--since), "new" (since the last digest)
    not_run: list[str] = field(default_factory=list)  # expected sources without a run
    last_success: dict[str, datetime] = field(default_factory=dict)  # of the not_run ones
    reviews: list[Verdict] = field(default_factory=list)  # verdicts given in the window
    language: str = DEFAULT_LANGUAGE  # of the labels (monitor.digest.labels)
    source_titles: dict[str, str] = field(default_factory=dict)  # name -> shown name
    watches: list[Watch] = field(default_factory=list)  # the sources file's [[watch]] entries
    focus: str | None = None  # a watch's own digest (``for_watch``): its name

    def source_title(self, name: str) -> str:
        return self.source_titles.get(name) or name

    def by_topic(self) -> dict[str, list[DigestEntry]]:
        return {t: [e for e in self.entries if t in e.flags] for t in TOPICS}

    def per_outlet(self) -> dict[str, int]:
        """Entries per outlet, most first."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.outlet] = counts.get(entry.outlet, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def per_source(self) -> dict[str, int]:
        """Entries per source, most first."""
        counts: dict[str, int] = {}
        for entry in self.entries:
            counts[entry.source] = counts.get(entry.source, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def sections(self) -> list[tuple[str | None, list[DigestEntry]]]:
        """The entries in the order they are shown: the watched stories first, under the
        first of their watches (in the sources file's order), each story once; then the
        others under ``None``. Only watches with stories have a section."""
        names = [w.name for w in self.watches]
        by_watch: dict[str | None, list[DigestEntry]] = {name: [] for name in names}
        by_watch[None] = []
        for entry in self.entries:
            first = next((name for name in entry.watch if name in by_watch), None)
            by_watch[first].append(entry)
        return [(name, items) for name, items in by_watch.items() if items and name] + \
            ([(None, by_watch[None])] if by_watch[None] else [])

    @property
    def watched(self) -> bool:
        """Whether a watch has stories here: the other stories then get a heading too."""
        return any(name for name, _ in self.sections())

    def for_watch(self, name: str) -> Digest:
        """A watch's own digest: its stories only, under its name, without the sources'
        runs, the health checks and the verdicts (those go with the whole digest)."""
        watch = next(w for w in self.watches if w.name == name)
        return replace(self, entries=[e for e in self.entries if name in e.watch],
                       sources=[], health=[], not_run=[], last_success={}, reviews=[],
                       watches=[watch], focus=name)

    @property
    def story_ids(self) -> list[int]:
        return [e.id for e in self.entries]

    @property
    def missed(self) -> list[str]:
        """Expected sources that have run before but not in this window: worth a warning."""
        return [name for name in self.not_run if name in self.last_success]

    @property
    def never_ran(self) -> list[str]:
        """Expected sources that never ran successfully (or have no saved pages): a
        footnote."""
        return [name for name in self.not_run if name not in self.last_success]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=TZ)
    return start, start + timedelta(days=1)


def today() -> date:
    return datetime.now(TZ).date()


def parse_since(text: str) -> datetime:
    """``--since``: an ISO date or date-time; without an offset it is Asia/Shanghai time."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo else moment.replace(tzinfo=TZ)


_SENTENCE_END = re.compile(r"(?<=[。！？!?])|\n")


def lead(opening: str | None, title: str) -> str | None:
    """The first body sentence that is not the title (at least 10 characters, without a
    news agency's dateline), cut to ``LEAD_CHARS``."""
    for sentence in _SENTENCE_END.split(opening or ""):
        sentence = without_dateline(squash(sentence))
        if len(comparison_key(sentence)) < 10 or repeats_title(sentence, title):
            continue
        return sentence if len(sentence) <= LEAD_CHARS else sentence[:LEAD_CHARS - 1] + "…"
    return None


AID_RELATIONS = ("对口支援", "援外")  # a gives, b receives: shown with an arrow


def partner_line(partner: dict | list, words: Labels) -> str:
    """One partner pair for a reviewer: ``A → B（对口支援）`` for aid (A gives),
    ``A ↔ B（合作协议）`` for agreements; a pair stored before relations were given
    ([A, B, what they did]) reads ``A ↔ B: what they did``."""
    if not isinstance(partner, dict):
        a, b, action = [*partner, "", "", ""][:3]
        return f"{a} ↔ {b}{words.colon}{action}" if action else f"{a} ↔ {b}"
    arrow = "→" if partner.get("relation") in AID_RELATIONS else "↔"
    relation = words.relation(partner.get("relation") or "")
    shown = (f"（{relation}）" if words.lang == "zh" else f" ({relation})") if relation else ""
    return f"{partner.get('a', '')} {arrow} {partner.get('b', '')}{shown}"


def outlet_name(article: StoredArticle, source_titles: dict[str, str]) -> str:
    """The outlet's own name: the article's 来源, else its source's ``title`` in the sources
    file, else the site's host name; never a source's internal name."""
    return (article.outlet or source_titles.get(article.source)
            or urlsplit(article.canonical_url or article.url).hostname or article.source)


def _evidence(view: StoryView, title: str, first: str | None
              ) -> tuple[list[dict], list[str], list[str]]:
    """The evidence sentences that add to the title and the lead ``first`` (each once, with
    every topic it supports), and the flag terms the title and the lead hold."""
    by_sentence: dict[str, dict] = {}
    title_terms: list[str] = []
    lead_terms: list[str] = []
    members = [view.representative, *view.others]
    for flag in view.flag_names:  # from the representative, else from the first copy flagged
        article = next(m for m in members if getattr(m, flag))
        for item in (article.flags or {}).get(flag, {}).get("evidence", []):
            terms = list(dict.fromkeys(item["terms"]))
            if repeats_title(item["sentence"], title):
                title_terms += [t for t in terms if t in title]
                continue
            if first and comparison_key(item["sentence"])[:30] == comparison_key(first)[:30]:
                lead_terms += [t for t in terms if t in first]
                continue
            known = by_sentence.setdefault(item["sentence"], {
                "flags": [], "sentence": item["sentence"], "terms": []})
            known["flags"] = list(dict.fromkeys([*known["flags"], flag]))
            known["terms"] = list(dict.fromkeys([*known["terms"], *terms]))
    return (list(by_sentence.values())[:EVIDENCE_SHOWN], list(dict.fromkeys(title_terms)),
            list(dict.fromkeys(lead_terms)))


def _picture(article: StoredArticle) -> dict | None:
    for image in article.images or []:
        src = image.get("src") or ""
        if urlsplit(src).scheme in ("http", "https"):
            return {"src": src, "caption": image.get("caption")}
    return None


def story_entry(view: StoryView, review: Review | None,
                source_titles: dict[str, str] | None = None,
                watches: list[Watch] | None = None) -> DigestEntry:
    """One story as a news-brief entry; ``watches``: the sources file's, to say which
    watch it."""
    titles = source_titles or {}
    row = view.representative
    title = row.title or "(no title)"
    outlet = outlet_name(row, titles)
    first_sentence = lead((view.openings or {}).get(row.id), title)
    evidence, title_terms, lead_terms = _evidence(view, title, first_sentence)
    flagged = next((m for m in [row, *view.others] if m.medical_aid or m.sister_hospital), row)
    first = view.members[0]
    also: dict[str, str] = {}
    for other in view.others:
        name = outlet_name(other, titles)
        if name != outlet:
            also.setdefault(name, other.canonical_url or other.url)
    return DigestEntry(
        id=view.story.id,
        title=title,
        url=row.canonical_url or row.url,
        outlet=outlet,
        source=row.source,
        published_at=row.published_at.astimezone(TZ) if row.published_at else None,
        flags=view.flag_names,
        evidence=evidence,
        title_terms=title_terms,
        lead=first_sentence,
        lead_terms=lead_terms,
        image=_picture(row),
        institutions=list((flagged.flags or {}).get("institutions", [])),
        places=list((flagged.flags or {}).get("places", [])),
        partners=list((flagged.flags or {}).get("partners", [])),
        low_quality=row.low_quality,
        also_reported_by=[{"outlet": name, "url": url} for name, url in also.items()],
        first_seen_at=view.story.first_seen_at.astimezone(TZ),
        first_url=first.canonical_url or first.url,
        article_id=row.id,
        review=Verdict.from_review(review) if review else None,
        watch=watches_of(watches, [m.flags for m in view.members]) if watches else [],
    )


def _entries(storage: Storage, views, source_titles: dict[str, str],
             watches: list[Watch]) -> list[DigestEntry]:
    """Entries of the stories of ``views`` (an iterator of batches' stories), with their
    latest verdicts, read batch by batch."""
    entries: list[DigestEntry] = []
    batch: list[StoryView] = []

    def flush():
        verdicts = storage.story_verdicts([v.story.id for v in batch])
        entries.extend(story_entry(v, verdicts.get(v.story.id), source_titles, watches)
                       for v in batch)
        batch.clear()

    for view in views:
        batch.append(view)
        if len(batch) >= 200:
            flush()
    flush()
    return entries


def _error_kinds(runs: list[CrawlRun]) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for run in runs:
        for kind, count in (run.errors or {}).items():
            kinds[kind] = kinds.get(kind, 0) + count
    return kinds


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
            error_kinds=_error_kinds(items),
        )
        for source, items in sorted(by_source.items())
    ]


def digest_options(settings) -> dict:
    """What ``build_digest`` takes from the settings and the sources file: the enabled
    sources (to say which did not run), the sources' titles (outlet names), the watches
    and the language. A sources file that cannot be read leaves the first two out; one
    whose ``[[watch]]`` entries are wrong is an error (``ConfigError``): a watch must not
    be dropped without a word."""
    path = settings.get("MONITOR_SOURCES")
    try:
        sources = load_sources(path)
    except ConfigError:
        sources = []
    watches = load_watches(path) if path and Path(path).is_file() else []
    return {"expected_sources": [s.name for s in sources if s.enabled] or None,
            "source_titles": source_titles(sources), "watches": watches,
            "language": chosen_language(settings.get("MONITOR_LANGUAGE"))}


def source_titles(sources) -> dict[str, str]:
    """Source name -> the name shown for it: its ``title`` in the sources file."""
    return {s.name: s.title for s in sources if s.title}


def build_digest(storage: Storage, day: date | None = None, *, checks: list[dict],
                 since: datetime | None = None, now: datetime | None = None,
                 expected_sources: list[str] | None = None,
                 source_titles: dict[str, str] | None = None,
                 language: str | None = None, watches: list[Watch] | None = None) -> Digest:
    """The digest of ``day`` (stories first seen that day), of the stories first seen
    ``since`` a moment, or by default of what is new since the last digest; flagged stories
    only, newest publication first. A new copy of a story seen before the window does not
    bring the story back. ``expected_sources``: the enabled sources, to say which did not
    run; ``checks``: the failing health checks, from the caller (``monitor.ops.digests``);
    ``source_titles``: the names shown for sources whose articles name no outlet;
    ``watches``: the ``[[watch]]`` entries, whose stories come first.
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
    views = storage.flagged_stories(first_seen_from=start, first_seen_to=until,
                                    unsent_only=kind == "new")
    entries = _entries(storage, views, source_titles or {}, list(watches or []))
    runs = [r for r in storage.runs(since=start) if r.started_at < until]
    summaries = _summaries(runs)
    ran = {s.source for s in summaries}
    not_run = [name for name in expected_sources or [] if name not in ran]
    digest = Digest(
        day=day or end.astimezone(TZ).date(),
        entries=entries,
        sources=summaries,
        health=checks,
        window_from=start.astimezone(TZ),
        window_to=end.astimezone(TZ),
        kind=kind,
        not_run=not_run,
        last_success={name: started.astimezone(TZ) for name, started in
                      storage.last_successful_starts().items() if name in not_run}
        if not_run else {},
        reviews=[Verdict.from_review(review, article.title)
                 for review, article in storage.reviews(since=start, until=until)],
        language=chosen_language(language),
        source_titles=dict(source_titles or {}),
        watches=list(watches or []),
    )
    digest.entries = [entry for _, items in digest.sections() for entry in items]
    return digest
