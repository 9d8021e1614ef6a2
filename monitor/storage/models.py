"""The database schema: one model class per table. Times are stored in UTC and come back
timezone-aware (``UTCDateTime``). Changing a model wants a migration (``migrations/``)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out, whatever the backend keeps."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class CrawlRun(Base):
    """One crawl of one source: when, how it ended, and its counts."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    spider: Mapped[str] = mapped_column(String(50))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finish_reason: Mapped[str | None] = mapped_column(String(100))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new_articles: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[dict] = mapped_column(JSON, default=dict)  # kind -> count
    stats: Mapped[dict] = mapped_column(JSON, default=dict)  # everything else, incl. coverage


class Story(Base):
    """Articles telling one story (reposts of one piece); each stored article has one."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    # the member shown in the digest, chosen by monitor.judgement.stories.choose_representative
    representative_id: Mapped[int | None] = mapped_column(Integer)
    earliest_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    members: Mapped[int] = mapped_column(Integer, default=1)


class StoredArticle(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    url_key: Mapped[str] = mapped_column(String(500), unique=True)
    # the URL key of the address the page was fetched from, when it differs from url_key
    # (its canonical page's): a listed link is known as stored by either
    fetched_key: Mapped[str | None] = mapped_column(String(500), index=True)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100), index=True)
    site: Mapped[str | None] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(Text)
    outlet: Mapped[str | None] = mapped_column(String(200))
    author: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    images: Mapped[list] = mapped_column(JSON, default=list)
    extractor: Mapped[str | None] = mapped_column(String(100))
    field_origins: Mapped[dict] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    published_origin: Mapped[str | None] = mapped_column(String(100))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    raw_html: Mapped[bytes] = mapped_column(LargeBinary)
    encoding: Mapped[str | None] = mapped_column(String(40))
    low_quality: Mapped[bool] = mapped_column(Boolean, default=False)
    quality_reasons: Mapped[list] = mapped_column(JSON, default=list)
    fingerprint: Mapped[str | None] = mapped_column(String(64), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id"))
    medical_aid: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    sister_hospital: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    flags: Mapped[dict] = mapped_column(JSON, default=dict)  # scores, evidence, institutions
    notes: Mapped[list] = mapped_column(JSON, default=list)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    story_signature: Mapped[bytes | None] = mapped_column(LargeBinary)

    @property
    def flag_names(self) -> list[str]:
        return [n for n in ("medical_aid", "sister_hospital") if getattr(self, n)]


class StoryBand(Base):
    """The story index: one row per LSH band of an article's story signature
    (``monitor.judgement.stories.band_keys``). A new article's candidates are the articles sharing a
    band key with it; nothing is held in memory or rebuilt when a process starts."""

    __tablename__ = "story_bands"

    band: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            primary_key=True, index=True)


# --- digest and review (issue 7): what each digest covered and whether it was delivered,
# and the reviewers' verdicts on flagged stories


class DigestRecord(Base):
    """One digest that was sent (or recorded as read): its window and delivery outcome."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    window_from: Mapped[datetime] = mapped_column(UTCDateTime)
    window_to: Mapped[datetime] = mapped_column(UTCDateTime)
    # "sent": every channel delivered; "recorded": printed or written and marked as read;
    # "failed": some channel failed, so its stories are not counted as sent
    status: Mapped[str] = mapped_column(String(20), index=True)
    channels: Mapped[dict] = mapped_column(JSON, default=dict)  # channel -> "ok" or the error
    entries: Mapped[int] = mapped_column(Integer, default=0)


class DigestStory(Base):
    """A story that a digest carried."""

    __tablename__ = "digest_stories"

    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"),
                                           primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), primary_key=True,
                                          index=True)


class Review(Base):
    """A reviewer's verdict on a flagged story, given through one of its articles; the
    latest review of a story is its verdict."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    verdict: Mapped[str] = mapped_column(String(20))  # "relevant" | "irrelevant"
    topics: Mapped[list] = mapped_column(JSON, default=list)  # topics that apply, if relevant
    reviewer: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    note: Mapped[str | None] = mapped_column(Text)


# --- distributed mode (issue 14): what must hold across machines lives in PostgreSQL


class SourceClaim(Base):
    """A source's latest claim by a dispatcher: ``monitor dispatch`` on any machine claims a
    due source by moving ``claimed_at`` forward, once (see ``Storage.claim_sources``)."""

    __tablename__ = "source_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(100), unique=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    cycle: Mapped[str | None] = mapped_column(String(100))
    run_id: Mapped[int | None] = mapped_column(Integer)


class DailyJob(Base):
    """A job done once a day for the whole cluster (the digest), whoever ran it."""

    __tablename__ = "daily_jobs"

    job: Mapped[str] = mapped_column(String(50), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
    node: Mapped[str | None] = mapped_column(String(200))


# --- institutions and their partnerships (issue 22): one row per institution whatever the
# articles call it, the names it goes by, and the partner pairs of flagged articles


class Institution(Base):
    """An institution (or a region as a party of aid), the same across articles."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))  # the canonical name, as first written
    # hospital | university | health_authority | government | other (judgement.institutions)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    place: Mapped[str | None] = mapped_column(String(100))  # the province or city it starts with
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class InstitutionAlias(Base):
    """A name an institution goes by, normalised (``judgement.institutions.normalise``): one
    institution per normalised name."""

    __tablename__ = "institution_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))  # as a text first wrote it
    # name (a partner's name) | text (a short form a text resolved) | merge | split (reviewer)
    origin: Mapped[str] = mapped_column(String(20))


class Partnership(Base):
    """One partner pair of a flagged article (``Flags.partners``), between institutions."""

    __tablename__ = "partnerships"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"),
                                            index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)
    a_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    b_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    a_name: Mapped[str] = mapped_column(String(200))  # the names as the article wrote them
    b_name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(20), index=True)
    evidence: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
