"""All database access: the schema and every query, behind one ``Storage`` object.

SQLite by default (WAL, busy timeout, one short transaction per write); any
SQLAlchemy URL works (``MONITOR_DATABASE_URL``). Times are stored in UTC and come
back timezone-aware.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DateTime,
    String,
    Text,
    bindparam,
    cast,
    column,
    delete,
    exists,
    func,
    or_,
    select,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    IntegrityError,
    OperationalError,
)
from sqlalchemy.orm import (
    Session,
    aliased,
    defer,
    sessionmaker,
)

from monitor.article.item import Article
from monitor.page.urls import url_key
from monitor.storage.engine import StorageError, cannot_write, make_engine
from monitor.storage.models import (
    CrawlRun,
    DailyJob,
    DigestRecord,
    DigestStory,
    Review,
    SourceClaim,
    StoredArticle,
    Story,
    StoryBand,
    UTCDateTime,
)

if TYPE_CHECKING:
    from monitor.judgement.stories import Signature

# start-up: monitor.judgement.stories is imported where an article is stored: it pulls in
# datasketch and scipy, a second that the readers of the database (digest, web page) skip

logger = logging.getLogger(__name__)

# digest statuses whose stories count as sent (see DigestRecord)
DELIVERED = ("sent", "recorded")
# pg_advisory_xact_lock keys (distributed mode): story grouping, once-a-day jobs
STORY_LOCK_KEY = 0x6D6F6E73
DAILY_LOCK_KEY = 0x6D6F6E64



class Storage:
    """The monitor's database. Create one per process (or per crawl), ``close()`` it after."""

    retry_attempts = 5
    retry_delay = 0.2  # seconds, doubled after each busy attempt

    def __init__(self, database_url: str, *, busy_timeout_ms: int = 15_000):
        """Opens nothing but the engine: the schema is the migrations' job
        (``migrations.upgrade``, or ``migrations.open_storage`` for a new database)."""
        self.database_url = database_url
        self.engine = make_engine(database_url, busy_timeout_ms)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings) -> Storage:
        return cls(settings.get("MONITOR_DATABASE_URL"))

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ plumbing

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions() as session, session.begin():
            yield session

    def retrying(self, work, what: str):
        """Run ``work`` again when the database is locked or briefly unreachable."""
        attempts = self.retry_attempts
        for attempt in range(1, attempts + 1):
            try:
                return work()
            except OperationalError as exc:
                if cannot_write(exc):  # trying again cannot help
                    raise StorageError(
                        f"could not {what} in {make_url(self.database_url).render_as_string()}"
                        f": {exc.orig}") from exc
                if attempt == attempts:
                    raise StorageError(
                        f"could not {what} in {make_url(self.database_url).render_as_string()}"
                        f" after {attempts} tries: {exc.orig}"
                    ) from exc
                logger.warning("database busy while trying to %s (%s); retrying", what, exc.orig)
                time.sleep(self.retry_delay * 2 ** (attempt - 1))
        return None

    # ------------------------------------------------------------------ articles

    def has_url_key(self, key: str) -> bool:
        return bool(self.stored_url_keys([key]))

    def stored_url_keys(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` under which an article is stored (as its page's key or as the
        key of the address it was fetched from), in one query per 500 keys."""
        wanted = sorted(set(keys))

        def work():
            found: set[str] = set()
            with self.session() as s:
                for start in range(0, len(wanted), 500):
                    chunk = wanted[start:start + 500]
                    rows = s.execute(select(StoredArticle.url_key, StoredArticle.fetched_key)
                                     .where(StoredArticle.url_key.in_(chunk)
                                            | StoredArticle.fetched_key.in_(chunk)))
                    found.update(key for row in rows for key in row)
            return found & set(wanted)
        return self.retrying(work, "look up URLs") if wanted else set()

    def article_id_by_fingerprint(self, fingerprint: str) -> int | None:
        def work():
            with self.session() as s:
                return s.scalar(
                    select(StoredArticle.id)
                    .where(StoredArticle.fingerprint == fingerprint)
                    .order_by(StoredArticle.id)
                    .limit(1)
                )
        return self.retrying(work, "look up a text fingerprint")

    def add_article(self, article: Article, *, run_id: int | None = None) -> int | None:
        """Store ``article`` and put it in its story (``group_story``), in one transaction;
        returns its id, or None when its URL is already stored. An article with the text
        of a stored one gets ``duplicate_of`` (the first such); ``article.story_of`` is set
        to the stored article it was grouped with, if any, ``article.story_id`` to its
        story. Core statements, not the ORM's
        unit of work: this runs once per crawled article."""
        def work():
            row = _article_values(article, run_id=run_id)
            try:
                with self.session() as s:
                    connection = s.connection()
                    if connection.dialect.name == "postgresql":
                        # processes on several machines may store copies of one story at
                        # once: grouping and indexing are serialised (held to the commit)
                        connection.execute(select(func.pg_advisory_xact_lock(STORY_LOCK_KEY)))
                    if _known_url(connection, row):
                        return None
                    article.duplicate_of = row["duplicate_of"]
                    return group_story(connection, row, article)
            except IntegrityError:
                return None
        return self.retrying(work, f"store {article.url}")

    def find_story(self, signature: bytes) -> int | None:
        """The stored article whose story an article with this signature belongs to."""
        def work():
            with self.session() as s:
                from monitor.judgement.stories import Signature  # start-up: see above

                return match_story(s, Signature.from_bytes(signature))
        return self.retrying(work, "look up a story")

    def stories(self, *, first_seen_from: datetime, first_seen_to: datetime,
                flagged_only: bool = True) -> list[StoryView]:
        """Stories first seen in [from, to) with their members (oldest story first)."""
        with self.session() as s:
            stories = list(s.scalars(
                select(Story).where(Story.first_seen_at >= first_seen_from,
                                    Story.first_seen_at < first_seen_to).order_by(Story.id)
            ))
            members = list(s.scalars(
                select(StoredArticle).where(StoredArticle.story_id.in_([x.id for x in stories]))
                .order_by(StoredArticle.id)
            )) if stories else []
        by_story: dict[int, list[StoredArticle]] = {}
        for member in members:
            by_story.setdefault(member.story_id, []).append(member)
        views = []
        for story in stories:
            group = by_story.get(story.id, [])
            if flagged_only and not any(m.medical_aid or m.sister_hospital for m in group):
                continue
            representative = next((m for m in group if m.id == story.representative_id),
                                  group[0])
            views.append(StoryView(story, representative, group))
        return views

    def articles(self, *, first_seen_from: datetime | None = None,
                 first_seen_to: datetime | None = None, flagged_only: bool = False,
                 include_duplicates: bool = True) -> list[StoredArticle]:
        query = select(StoredArticle).order_by(StoredArticle.id)
        if first_seen_from is not None:
            query = query.where(StoredArticle.first_seen_at >= first_seen_from)
        if first_seen_to is not None:
            query = query.where(StoredArticle.first_seen_at < first_seen_to)
        if flagged_only:
            query = query.where(StoredArticle.medical_aid | StoredArticle.sister_hospital)
        if not include_duplicates:
            query = query.where(StoredArticle.duplicate_of.is_(None))

        def work():
            with self.session() as s:
                return list(s.scalars(query))
        return self.retrying(work, "read articles")

    def article_ids(self) -> list[int]:
        with self.session() as s:
            return list(s.scalars(select(StoredArticle.id).order_by(StoredArticle.id)))

    def articles_by_id(self, ids: list[int]) -> list[StoredArticle]:
        with self.session() as s:
            return list(s.scalars(
                select(StoredArticle).where(StoredArticle.id.in_(ids)).order_by(StoredArticle.id)
            ))

    def replace_processed(self, article_id: int, article: Article) -> None:
        """Overwrite what processing derived from the raw page (keeps identity and history:
        URL key, first-seen time, run, raw bytes)."""
        fresh = _article_values(article, run_id=None)
        derived = ("canonical_url", "site", "title", "outlet", "author", "body", "images",
                   "extractor", "field_origins", "published_at", "published_origin",
                   "low_quality", "quality_reasons", "fingerprint", "medical_aid",
                   "sister_hospital", "flags", "notes", "story_signature")

        from monitor.judgement.storyevents import article_event  # start-up: see above

        def work():
            with self.session() as s:
                row = s.get(StoredArticle, article_id)
                for name in derived:
                    setattr(row, name, fresh[name])
                s.execute(delete(StoryBand).where(StoryBand.article_id == article_id))
                add_story_bands(s, article_id, row.story_signature, article_event(article))
        self.retrying(work, f"update article {article_id}")

    def count_articles(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count(StoredArticle.id))) or 0

    # ------------------------------------------------------------------ runs

    def start_run(self, source: str, spider: str, started_at: datetime | None = None) -> int:
        def work():
            with self.session() as s:
                run = CrawlRun(source=source, spider=spider,
                               started_at=started_at or datetime.now(UTC), errors={}, stats={})
                s.add(run)
                s.flush()
                return run.id
        return self.retrying(work, f"record the start of a run of {source}")

    def finish_run(self, run_id: int, *, reason: str, pages: int, new_articles: int,
                   errors: dict[str, int], stats: dict[str, Any],
                   finished_at: datetime | None = None) -> None:
        def work():
            with self.session() as s:
                run = s.get(CrawlRun, run_id)
                run.finished_at = finished_at or datetime.now(UTC)
                run.finish_reason = reason
                run.pages = pages
                run.new_articles = new_articles
                run.errors = errors
                run.stats = stats
        self.retrying(work, f"record the end of run {run_id}")

    def runs(self, *, source: str | None = None, since: datetime | None = None) -> list[CrawlRun]:
        query = select(CrawlRun).order_by(CrawlRun.id)
        if source is not None:
            query = query.where(CrawlRun.source == source)
        if since is not None:
            query = query.where(CrawlRun.started_at >= since)
        with self.session() as s:
            return list(s.scalars(query))

    def last_successful_run(self, source: str) -> CrawlRun | None:
        with self.session() as s:
            return s.scalar(
                select(CrawlRun)
                .where(CrawlRun.source == source, CrawlRun.finish_reason == "finished")
                .order_by(CrawlRun.started_at.desc())
                .limit(1)
            )

    def run_coverage(self, run_id: int) -> dict[str, float]:
        """Share of the run's new articles with a date, an outlet, a body over 200 chars."""
        with self.session() as s:
            rows = list(s.execute(
                select(StoredArticle.published_at, StoredArticle.outlet, StoredArticle.body)
                .where(StoredArticle.run_id == run_id)
            ))
        if not rows:
            return {}
        total = len(rows)
        return {
            "date": sum(r.published_at is not None for r in rows) / total,
            "outlet": sum(bool(r.outlet) for r in rows) / total,
            "body": sum(len(r.body or "") > 200 for r in rows) / total,
        }

    # ------------------------------------------------------------------ operations
    # (issue 6) run history for the scheduler and the health checks; closing the run
    # records that a killed crawl left open

    def recent_runs(self, source: str, limit: int = 30) -> list[CrawlRun]:
        """The source's last ``limit`` runs, newest first."""
        with self.session() as s:
            return list(s.scalars(
                select(CrawlRun).where(CrawlRun.source == source)
                .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(limit)
            ))

    def new_article_starts(self, source: str, limit: int = 5000) -> list[datetime]:
        """Start times of the source's last ``limit`` runs that stored new articles, newest
        first: its rhythm, for the health checks."""
        with self.session() as s:
            return list(s.scalars(
                select(CrawlRun.started_at)
                .where(CrawlRun.source == source, CrawlRun.new_articles > 0)
                .order_by(CrawlRun.started_at.desc()).limit(limit)
            ))

    def run_sources(self) -> list[str]:
        """The sources that have run records."""
        with self.session() as s:
            return list(s.scalars(select(CrawlRun.source).distinct().order_by(CrawlRun.source)))

    def last_successful_starts(self) -> dict[str, datetime]:
        """Each source's start time of its last run that finished normally."""
        with self.session() as s:
            rows = s.execute(
                select(CrawlRun.source, func.max(CrawlRun.started_at))
                .where(CrawlRun.finish_reason == "finished").group_by(CrawlRun.source)
            )
            return {source: started for source, started in rows}

    def end_unfinished_runs(self, source: str, reason: str, *,
                            started_after: datetime | None = None,
                            overriding: tuple[str, ...] = ()) -> list[int]:
        """Close the source's runs left without an end by a killed crawl: finished now with
        ``reason``, with the count and coverage of the articles they stored. Runs that did
        end with a reason in ``overriding`` (a crawl that stopped cleanly in its grace time
        after a time limit) get ``reason`` too. Call it holding the source's lock."""
        def work():
            with self.session() as s:
                query = select(CrawlRun).where(
                    CrawlRun.source == source,
                    CrawlRun.finished_at.is_(None) | CrawlRun.finish_reason.in_(overriding),
                )
                if started_after is not None:
                    query = query.where(CrawlRun.started_at >= started_after)
                runs = list(s.scalars(query))
                for run in runs:
                    stored = s.scalar(select(func.count(StoredArticle.id))
                                      .where(StoredArticle.run_id == run.id)) or 0
                    run.finished_at = run.finished_at or datetime.now(UTC)
                    run.finish_reason = reason
                    run.new_articles = max(run.new_articles or 0, stored)
                    run.stats = {**(run.stats or {}), "ended_by": "end_unfinished_runs"}
                return [run.id for run in runs]
        ids = self.retrying(work, f"close the unfinished runs of {source}")
        for run_id in ids:
            coverage = self.run_coverage(run_id)
            with self.session() as s:
                run = s.get(CrawlRun, run_id)
                run.stats = {**run.stats, "coverage": coverage}
        return ids


    # --- digest and review (issue 7)

    def record_digest(self, *, window_from: datetime, window_to: datetime,
                      story_ids: list[int], status: str, channels: dict[str, str],
                      created_at: datetime | None = None) -> int:
        def work():
            with self.session() as s:
                record = DigestRecord(created_at=created_at or datetime.now(UTC),
                                      window_from=window_from, window_to=window_to,
                                      status=status, channels=channels,
                                      entries=len(story_ids))
                s.add(record)
                s.flush()
                s.add_all(DigestStory(digest_id=record.id, story_id=story_id)
                          for story_id in dict.fromkeys(story_ids))
                return record.id
        return self.retrying(work, "record a digest")

    def digests(self, limit: int = 30) -> list[DigestRecord]:
        """The last ``limit`` digests, newest first."""
        with self.session() as s:
            return list(s.scalars(select(DigestRecord)
                                  .order_by(DigestRecord.created_at.desc(),
                                            DigestRecord.id.desc()).limit(limit)))

    def last_digest_end(self) -> datetime | None:
        """The end of the latest window that a sent or recorded digest covered."""
        with self.session() as s:
            return s.scalar(select(func.max(DigestRecord.window_to))
                            .where(DigestRecord.status.in_(DELIVERED)))

    def sent_story_ids(self, story_ids: list[int]) -> set[int]:
        """Those of ``story_ids`` that a sent or recorded digest already carried."""
        if not story_ids:
            return set()
        with self.session() as s:
            return set(s.scalars(
                select(DigestStory.story_id).join(DigestRecord)
                .where(DigestRecord.status.in_(DELIVERED),
                       DigestStory.story_id.in_(story_ids))
            ))

    def add_review(self, article_id: int, *, verdict: str, topics: list[str],
                   reviewer: str | None, note: str | None = None,
                   reviewed_at: datetime | None = None) -> Review | None:
        """Record a verdict on the story of ``article_id``; None when there is no such
        article."""
        def work():
            with self.session() as s:
                article = s.get(StoredArticle, article_id)
                if article is None:
                    return None
                review = Review(article_id=article_id, story_id=article.story_id,
                                verdict=verdict, topics=list(topics), reviewer=reviewer,
                                note=note, reviewed_at=reviewed_at or datetime.now(UTC))
                s.add(review)
                return review
        return self.retrying(work, f"record a review of article {article_id}")

    def story_members(self, article_id: int) -> list[StoredArticle]:
        """Every article of the story of ``article_id`` (just it when it has no story; none
        when there is no such article)."""
        with self.session() as s:
            article = s.get(StoredArticle, article_id)
            if article is None or article.story_id is None:
                return [article] if article is not None else []
            return list(s.scalars(select(StoredArticle)
                                  .where(StoredArticle.story_id == article.story_id)
                                  .order_by(StoredArticle.id)))

    def story_verdicts(self, story_ids: list[int]) -> dict[int, Review]:
        """The latest review of each of ``story_ids`` that has one."""
        if not story_ids:
            return {}
        with self.session() as s:
            reviews = s.scalars(select(Review).where(Review.story_id.in_(story_ids))
                                .order_by(Review.reviewed_at, Review.id))
            return {r.story_id: r for r in reviews}

    def reviews(self, *, since: datetime | None = None,
                until: datetime | None = None) -> list[tuple[Review, StoredArticle]]:
        """Every review (oldest first) with the article it was given on."""
        query = (select(Review, StoredArticle).join(StoredArticle,
                                                    Review.article_id == StoredArticle.id)
                 .order_by(Review.reviewed_at, Review.id))
        if since is not None:
            query = query.where(Review.reviewed_at >= since)
        if until is not None:
            query = query.where(Review.reviewed_at < until)
        query = query.options(defer(StoredArticle.raw_html, raiseload=True))
        with self.session() as s:
            return [tuple(row) for row in s.execute(query)]

    # --- the reviewer's outputs (issue 13): flagged stories chosen in SQL, read in batches
    # without the raw pages, for the digest and the web page

    def flagged_stories(self, *, first_seen_from: datetime, first_seen_to: datetime,
                        unsent_only: bool = False, batch: int = 200) -> Iterator[StoryView]:
        """The stories first seen in [from, to) that have a flagged copy (``unsent_only``:
        that no sent or recorded digest carried), newest publication of their representative
        first, each with its members (raw page, signature and notes not loaded; bodies only
        as ``StoryView.openings``), read ``batch`` stories at a time."""
        representative = aliased(StoredArticle)
        flagged = exists().where(StoredArticle.story_id == Story.id,
                                 StoredArticle.medical_aid | StoredArticle.sister_hospital)
        query = (select(Story)
                 .outerjoin(representative, representative.id == Story.representative_id)
                 .where(Story.first_seen_at >= first_seen_from,
                        Story.first_seen_at < first_seen_to, flagged)
                 .order_by(representative.published_at.desc().nulls_last(), Story.id))
        if unsent_only:
            query = query.where(~exists().where(
                DigestStory.story_id == Story.id, DigestStory.digest_id == DigestRecord.id,
                DigestRecord.status.in_(DELIVERED)))
        with self.session() as s:
            stories = list(s.scalars(query))
        for start in range(0, len(stories), batch):
            yield from self._story_views(stories[start:start + batch])

    def story_view(self, story_id: int) -> StoryView | None:
        """One story with every copy (raw pages not loaded); None when there is none."""
        with self.session() as s:
            story = s.get(Story, story_id)
        if story is None:
            return None
        views = list(self._story_views([story], whole_bodies=True))
        return views[0] if views else None

    def _story_views(self, stories: list[Story], whole_bodies: bool = False
                     ) -> Iterator[StoryView]:
        opening = StoredArticle.body if whole_bodies else func.substr(StoredArticle.body, 1, 600)
        query = (select(*_SHOWN_COLUMNS, opening.label("opening"))
                 .where(StoredArticle.story_id.in_([story.id for story in stories]))
                 .order_by(StoredArticle.id))
        with self.session() as s:
            rows = list(s.execute(query))
        members: dict[int, list] = {}
        openings: dict[int, str] = {}
        for row in rows:
            members.setdefault(row.story_id, []).append(row)
            openings[row.id] = row.opening or ""
        for story in stories:
            group = members.get(story.id)
            if not group:
                continue
            representative = next((m for m in group if m.id == story.representative_id),
                                  group[0])
            yield StoryView(story, representative, group,
                            {m.id: openings[m.id] for m in group})

    def story_reviews(self, story_id: int) -> list[Review]:
        """Every verdict given on a story, oldest first."""
        with self.session() as s:
            return list(s.scalars(select(Review).where(Review.story_id == story_id)
                                  .order_by(Review.reviewed_at, Review.id)))

    def search_articles(self, *, text: str = "", published_from: datetime | None = None,
                        published_to: datetime | None = None, flag: str | None = None,
                        limit: int = 200) -> list[StoredArticle]:
        """Stored articles whose title, body or named institutions hold ``text``, published
        (else first seen) in [from, to), with ``flag`` ("medical_aid", "sister_hospital",
        "any" or "none"), newest first; at most ``limit``, raw pages and bodies not
        loaded."""
        moment = func.coalesce(StoredArticle.published_at, StoredArticle.first_seen_at)
        query = (select(StoredArticle).options(*_LIGHT_ARTICLE)
                 .where(StoredArticle.duplicate_of.is_(None))
                 .order_by(moment.desc(), StoredArticle.id.desc()).limit(limit))
        if text:
            # institutions are inside the JSON column, stored with \u escapes
            escaped = json.dumps(text)[1:-1]
            query = query.where(or_(StoredArticle.title.contains(text, autoescape=True),
                                    StoredArticle.body.contains(text, autoescape=True),
                                    cast(StoredArticle.flags, Text).contains(
                                        escaped, autoescape=True)))
        if published_from is not None:
            query = query.where(moment >= published_from)
        if published_to is not None:
            query = query.where(moment < published_to)
        if flag in ("medical_aid", "sister_hospital"):
            query = query.where(getattr(StoredArticle, flag))
        elif flag == "any":
            query = query.where(StoredArticle.medical_aid | StoredArticle.sister_hospital)
        elif flag == "none":
            query = query.where(~StoredArticle.medical_aid, ~StoredArticle.sister_hospital)
        with self.session() as s:
            return list(s.scalars(query))


    # ------------------------------------------------------------------ distributed mode
    # (issue 14, PostgreSQL only) claims of due sources, run counts added by several
    # workers, daily jobs; story grouping takes a lock in ``add_article``

    def source_claims(self, names: list[str]) -> dict[str, datetime | None]:
        """Each source's last claim time (None: never claimed); new names get a row."""
        if not names:
            return {}

        def work():
            with self.session() as s:
                s.execute(pg_insert(SourceClaim).values([{"source": n} for n in names])
                          .on_conflict_do_nothing(index_elements=["source"]))
                return dict(s.execute(select(SourceClaim.source, SourceClaim.claimed_at)
                                      .where(SourceClaim.source.in_(names))).all())
        return self.retrying(work, "read the sources' claims")

    def claim_sources(self, seen: dict[str, datetime | None], *, spiders: dict[str, str],
                      node: str, cycle: str, now: datetime | None = None) -> dict[str, int]:
        """Claim the sources of ``seen`` whose last claim is still the one seen there, so a
        source is claimed once however many dispatchers run at once (rows another one holds
        are skipped, rows it has just claimed no longer match). Each claimed source gets an
        open run record (its earlier run still open is closed as interrupted: a killed
        worker took its requests). Returns {source: run id}."""
        now = now or datetime.now(UTC)
        if not seen:
            return {}

        def work():
            with self.session() as s:
                pending = values(column("source", String(100)), column("seen", UTCDateTime()),
                                 name="pending").data(list(seen.items()))
                chosen = (select(SourceClaim.id)
                          .join(pending, SourceClaim.source == pending.c.source)
                          .where(SourceClaim.claimed_at.is_not_distinct_from(
                              cast(pending.c.seen, DateTime())))
                          .with_for_update(skip_locked=True, of=SourceClaim))
                claimed = list(s.scalars(
                    update(SourceClaim).where(SourceClaim.id.in_(chosen))
                    .values(claimed_at=now, claimed_by=node, cycle=cycle)
                    .returning(SourceClaim.source)))
                if not claimed:
                    return {}
                s.execute(update(CrawlRun)
                          .where(CrawlRun.source.in_(claimed), CrawlRun.finished_at.is_(None))
                          .values(finished_at=now, finish_reason="interrupted"))
                runs = {}
                for name in sorted(claimed):
                    run = CrawlRun(source=name, spider=spiders[name], started_at=now,
                                   errors={}, stats={"dispatched_by": node, "cycle": cycle})
                    s.add(run)
                    s.flush()
                    runs[name] = run.id
                    s.execute(update(SourceClaim).where(SourceClaim.source == name)
                              .values(run_id=run.id))
                return runs
        return self.retrying(work, "claim the due sources")

    def release_claim(self, source: str, *, previous: datetime | None, cycle: str,
                      run_id: int, reason: str, now: datetime | None = None) -> None:
        """Undo a claim whose start requests could not be queued: the source's last claim
        is ``previous`` again (so the next dispatch takes it at once if it was due) and its
        run ends as "not queued", ``reason`` its one-line error. A claim another dispatcher
        has made since is left alone."""
        now = now or datetime.now(UTC)

        def work():
            with self.session() as s:
                s.execute(update(SourceClaim)
                          .where(SourceClaim.source == source, SourceClaim.cycle == cycle)
                          .values(claimed_at=previous))
                run = s.get(CrawlRun, run_id, with_for_update=True)
                if run is not None and run.finished_at is None:
                    run.finished_at, run.finish_reason = now, "not queued"
                    run.errors = {**(run.errors or {}), "queue": 1}
                    run.stats = {**(run.stats or {}), "last_error": reason}
        self.retrying(work, f"release the claim of {source}")

    def join_run(self, run_id: int, worker: str) -> None:
        """A worker took a request of the run: the run is not finished before that worker
        has reported (a run another worker had ended is open again)."""
        def work():
            with self.session() as s:
                run = s.get(CrawlRun, run_id, with_for_update=True)
                if run is None or run.finish_reason not in (None, "finished"):
                    return
                stats = dict(run.stats or {})
                stats["workers"] = sorted({*stats.get("workers", []), worker})
                stats["reported"] = sorted(set(stats.get("reported", [])) - {worker})
                run.stats = stats
                run.finished_at = run.finish_reason = None
        self.retrying(work, f"join run {run_id}")

    def add_to_run(self, run_id: int, *, pages: int, new_articles: int,
                   errors: dict[str, int], stats: dict[str, Any], worker: str) -> None:
        """Add one worker's counts to a run that several workers share. The run is finished
        when every worker that took one of its requests has reported; a worker killed
        before that leaves it open, and the next dispatch closes it as interrupted."""
        def work():
            with self.session() as s:
                run = s.get(CrawlRun, run_id, with_for_update=True)
                if run is None:
                    return
                run.pages = (run.pages or 0) + pages
                run.new_articles = (run.new_articles or 0) + new_articles
                merged = dict(run.errors or {})
                for kind, count in errors.items():
                    merged[kind] = merged.get(kind, 0) + count
                run.errors = merged
                totals = dict(run.stats or {})
                for key, value in stats.items():
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        totals[key] = totals.get(key, 0) + value
                    elif isinstance(value, dict):
                        both = dict(totals.get(key) or {})
                        for name, count in value.items():
                            both[name] = both.get(name, 0) + count
                        totals[key] = both
                    elif value is not None:
                        totals[key] = value
                workers = {*totals.get("workers", []), worker}
                reported = {*totals.get("reported", []), worker}
                totals["workers"], totals["reported"] = sorted(workers), sorted(reported)
                run.stats = totals
                if run.finish_reason in (None, "finished") and workers <= reported:
                    run.finished_at = datetime.now(UTC)
                    run.finish_reason = "finished"
        self.retrying(work, f"add to run {run_id}")
        coverage = self.run_coverage(run_id)
        with self.session() as s:
            run = s.get(CrawlRun, run_id)
            if run is not None:
                run.stats = {**(run.stats or {}), "coverage": coverage}

    @contextmanager
    def once_a_day(self, job: str, day: date, node: str) -> Iterator[bool]:
        """``with storage.once_a_day("digest", day, node) as mine:`` — ``mine`` is True for
        the one caller in the cluster that should do ``job`` for ``day``. An advisory lock
        is held until the block ends; the day's row is written only when it succeeds, so
        after a failure another node (or a later call) does the job."""
        with self.session() as s:
            s.execute(select(func.pg_advisory_xact_lock(DAILY_LOCK_KEY)))
            if s.get(DailyJob, (job, day)) is not None:
                yield False
                return
            yield True
            s.add(DailyJob(job=job, day=day, done_at=datetime.now(UTC), node=node))

# what the reviewer's outputs never read: the raw page, the story signature, the notes
_LIGHT_ARTICLE = (defer(StoredArticle.raw_html, raiseload=True),
                  defer(StoredArticle.story_signature, raiseload=True),
                  defer(StoredArticle.notes, raiseload=True),
                  defer(StoredArticle.body, raiseload=True))


# the columns the reviewer's outputs show of a story's copies (read as plain rows: faster
# than whole objects, and the raw page is never read)
_SHOWN_COLUMNS = (StoredArticle.id, StoredArticle.story_id, StoredArticle.url,
                  StoredArticle.canonical_url, StoredArticle.source, StoredArticle.site,
                  StoredArticle.title, StoredArticle.outlet, StoredArticle.images,
                  StoredArticle.published_at, StoredArticle.first_seen_at,
                  StoredArticle.low_quality, StoredArticle.medical_aid,
                  StoredArticle.sister_hospital, StoredArticle.flags)




@dataclass
class StoryView:
    story: Story
    # the copies as rows of ``_SHOWN_COLUMNS`` (from ``Storage.flagged_stories`` and
    # ``story_view``) or as whole ``StoredArticle`` objects
    representative: StoredArticle
    members: list[StoredArticle]  # representative included, in storing order
    # article id -> its body, or the body's opening (``Storage.flagged_stories``)
    openings: dict[int, str] | None = None

    @property
    def others(self) -> list[StoredArticle]:
        return [m for m in self.members if m.id != self.representative.id]

    @property
    def flag_names(self) -> list[str]:
        """Flags of any member: a story is about aid if one of its copies says so."""
        return [n for n in ("medical_aid", "sister_hospital")
                if any(getattr(m, n) for m in self.members)]


class _StoreStatements:
    """The statements storing an article runs, built once (building them costs more CPU
    than running them on SQLite): values are bound at execution."""

    def __init__(self):
        articles, stories, bands = (StoredArticle.__table__, Story.__table__,
                                    StoryBand.__table__)
        seen = select(articles.c.id, articles.c.url_key, articles.c.fingerprint) \
            .order_by(articles.c.id)
        self.same_url = seen.where(articles.c.url_key == bindparam("url_key"))
        self.same_url_or_text = seen.where((articles.c.url_key == bindparam("url_key"))
                                           | (articles.c.fingerprint == bindparam("fingerprint")))
        sharing = select(bands.c.article_id).where(
            bands.c.band.in_(bindparam("bands", expanding=True))).distinct()
        self.sharing = sharing
        self.candidates = select(articles.c.id, articles.c.story_signature,
                                 articles.c.published_at).where(
            articles.c.id.in_(sharing), articles.c.story_signature.is_not(None))
        self.candidate_texts = select(articles.c.id, articles.c.story_signature,
                                      articles.c.published_at, articles.c.title,
                                      articles.c.body).where(
            articles.c.id.in_(bindparam("ids", expanding=True)))
        self.story_of = select(stories.c.id).where(stories.c.id == select(
            articles.c.story_id).where(articles.c.id == bindparam("article_id"))
            .scalar_subquery())
        self.new_story = stories.insert()
        self.new_article = articles.insert()
        self.members = select(  # the columns a representative is chosen by
            articles.c.id, articles.c.outlet, articles.c.site, articles.c.url,
            func.length(articles.c.body).label("body_length"), articles.c.low_quality,
            articles.c.published_at,
        ).where(articles.c.story_id == bindparam("story"))
        self.story_summary = update(stories).where(stories.c.id == bindparam("story")).values(
            representative_id=bindparam("representative"),
            earliest_published_at=bindparam("earliest"), members=bindparam("count"))
        self.new_bands = bands.insert()


@cache
def _statements() -> _StoreStatements:
    return _StoreStatements()


def _known_url(connection, row: dict) -> bool:
    """Whether the page of an article's column values ``row`` is stored (its URL key);
    else set their ``duplicate_of`` to the first stored article with its text. One query."""
    statements = _statements()
    if row["fingerprint"]:
        found = connection.execute(statements.same_url_or_text, {
            "url_key": row["url_key"], "fingerprint": row["fingerprint"]}).all()
    else:
        found = connection.execute(statements.same_url, {"url_key": row["url_key"]}).all()
    if any(r.url_key == row["url_key"] for r in found):
        return True
    if row["fingerprint"]:
        row["duplicate_of"] = next((r.id for r in found if r.fingerprint == row["fingerprint"]),
                                   row["duplicate_of"])
    return False


def match_story(connection, sig: Signature, event=None) -> int | None:
    """The stored article ``sig`` is a copy of (``monitor.judgement.stories.best_match`` over the
    articles sharing an LSH band or an event key with it), or with the article's ``event``
    given, ``monitor.judgement.storyevents.story_match``: a copy that is not another batch or
    edition, else the one reporting the same event; or None."""
    from monitor.judgement.stories import band_keys, best_match  # start-up: see above
    from monitor.judgement.storyevents import event_keys, story_match  # start-up: above

    keys = band_keys(sig)
    if not keys:
        return None
    candidates = connection.execute(_statements().candidates,
                                    {"bands": keys + event_keys(event)}).all()
    if event is None:
        return best_match(sig, candidates)
    return story_match(
        sig, event, candidates,
        lambda ids: connection.execute(_statements().candidate_texts, {"ids": ids}).all(),
        lambda keys: connection.scalars(_statements().sharing, {"bands": keys}).all())


def add_story_bands(connection, article_id: int, signature: bytes | None,
                    event=None) -> None:
    """Index an article's story signature and event keys (nothing for a text too short to
    be matched)."""
    if not signature:
        return
    from monitor.judgement.stories import Signature, band_keys  # start-up: see above
    from monitor.judgement.storyevents import event_keys  # start-up: see above

    keys = set(band_keys(Signature.from_bytes(signature)))
    if keys:
        keys.update(event_keys(event))
        connection.execute(_statements().new_bands,
                           [{"band": key, "article_id": article_id} for key in keys])


def group_story(connection, row: dict, article: Article) -> int:
    """Insert the article of column values ``row`` into its story: the one of
    ``article.story_of`` if set, else of the article with the same text, else of the stored
    article its signature matches, else a new one; then index its signature. Its id. Run
    inside the transaction that checked the URL, so that an article is stored, grouped and
    indexed at once (concurrent workers take a lock around it)."""
    statements = _statements()
    story_of = article.story_of or article.duplicate_of
    event = None
    if row["story_signature"]:
        from monitor.judgement.storyevents import article_event  # start-up: see above

        event = article_event(article)
    if story_of is None and row["story_signature"]:
        from monitor.judgement.stories import Signature  # start-up: see above

        story_of = match_story(connection, Signature.from_bytes(row["story_signature"]),
                               event)
        article.story_of = story_of
    story_id = None
    if story_of is not None:  # its story, if the row is there
        story_id = connection.scalar(statements.story_of, {"article_id": story_of})
    if story_id is None:  # a story of its own: it is its representative
        story_id = connection.execute(statements.new_story, {
            "first_seen_at": row["first_seen_at"]}).inserted_primary_key[0]
        article_id = _insert_article(connection, row, story_id)
        connection.execute(statements.story_summary, {
            "story": story_id, "representative": article_id,
            "earliest": row["published_at"], "count": 1})
    else:
        article_id = _insert_article(connection, row, story_id)
        _refresh_story(connection, story_id)
    add_story_bands(connection, article_id, row["story_signature"], event)
    article.story_id = story_id  # its ID in every output (#4), for the feed exports
    return article_id


def _insert_article(connection, row: dict, story_id: int) -> int:
    return connection.execute(_statements().new_article,
                              {**row, "story_id": story_id}).inserted_primary_key[0]


def _refresh_story(connection, story_id: int) -> None:
    """A story's representative, earliest publication and member count, from its members."""
    from monitor.judgement.stories import (  # start-up: see above
        Member,
        choose_representative,
        is_repost,
    )

    members = connection.execute(_statements().members, {"story": story_id}).all()
    chosen = choose_representative([
        Member(id=m.id, outlet=m.outlet, site=m.site, url=m.url,
               body_length=m.body_length or 0, low_quality=m.low_quality,
               published_at=m.published_at, is_repost=is_repost(m.site, m.outlet, m.url))
        for m in members
    ])
    dates = [m.published_at for m in members if m.published_at is not None]
    connection.execute(_statements().story_summary, {
        "story": story_id, "representative": chosen.id,
        "earliest": min(dates) if dates else None, "count": len(members)})


def _article_values(article: Article, *, run_id: int | None) -> dict:
    """The ``articles`` columns of ``article`` (all but ``id`` and ``story_id``)."""
    flags = article.flags
    return dict(
        url=article.url,
        url_key=article.url_key,
        fetched_key=fetched if (fetched := url_key(article.url)) != article.url_key else None,
        canonical_url=article.canonical_url,
        source=article.source,
        site=article.site,
        title=article.title,
        outlet=article.outlet,
        author=article.author,
        body=article.body,
        images=[asdict(image) for image in article.images],
        extractor=article.extractor,
        field_origins=dict(article.field_origins),
        published_at=article.published_at,
        published_origin=article.published_origin,
        fetched_at=article.fetched_at,
        first_seen_at=datetime.now(UTC),
        raw_html=article.raw_html,
        encoding=article.encoding,
        low_quality=article.low_quality,
        quality_reasons=list(article.quality_reasons),
        fingerprint=article.fingerprint,
        duplicate_of=article.duplicate_of,
        medical_aid=bool(flags and flags.medical_aid.value),
        sister_hospital=bool(flags and flags.sister_hospital.value),
        flags=flags_json(flags),
        notes=list(article.notes),
        run_id=run_id,
        story_signature=article.story_signature,
    )


def flags_json(flags) -> dict:
    """The stored form of ``Flags``: scores, evidence, institutions and places."""
    if flags is None:
        return {}
    return {
        name: {
            "value": flag.value,
            "score": flag.score,
            "evidence": [asdict(e) for e in flag.evidence],
        }
        for name, flag in (("medical_aid", flags.medical_aid),
                           ("sister_hospital", flags.sister_hospital))
    } | {"institutions": list(flags.institutions), "places": list(flags.places),
         "partners": [asdict(p) for p in flags.partners]}
