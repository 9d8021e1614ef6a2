"""Digests, reviews and the reviewer's outputs: what each digest covered and whether it was
delivered, the reviewers' verdicts, the flagged stories chosen in SQL and read in batches,
each story's page, the search."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Text,
    cast,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import (
    aliased,
    defer,
)

from monitor.storage.models import (
    DigestRecord,
    DigestStory,
    Review,
    StoredArticle,
    Story,
)

if TYPE_CHECKING:
    pass

# start-up: monitor.judgement.stories is imported where an article is stored: it pulls in
# datasketch and scipy, a second that the readers of the database (digest, web page) skip

logger = logging.getLogger(__name__)


# digest statuses whose stories count as sent (see DigestRecord)
DELIVERED = ("sent", "recorded")


class ReviewQueries:
    """``Storage``'s digests, reviews and stories as the reviewer sees them."""

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
