"""Articles: stored, looked up, replaced, and the store path: one article stored with its
duplicate check, its story and its LSH bands in one short transaction."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from functools import cache
from typing import TYPE_CHECKING

from sqlalchemy import (
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.exc import (
    IntegrityError,
)

from monitor.article.item import Article
from monitor.page.urls import url_key
from monitor.storage.institutions import record_partnerships, replace_partnerships
from monitor.storage.models import (
    StoredArticle,
    Story,
    StoryBand,
)

if TYPE_CHECKING:
    from monitor.judgement.stories import Signature

# start-up: monitor.judgement.stories is imported where an article is stored: it pulls in
# datasketch and scipy, a second that the readers of the database (digest, web page) skip

logger = logging.getLogger(__name__)


# pg_advisory_xact_lock key (distributed mode): story grouping
STORY_LOCK_KEY = 0x6D6F6E73


class ArticleQueries:
    """``Storage``'s articles (see ``monitor.storage.database``)."""

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
                    return record_partnerships(connection, group_story(connection, row, article),
                                               article)
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
                replace_partnerships(s.connection(), article_id, article)
        self.retrying(work, f"update article {article_id}")

    def count_articles(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count(StoredArticle.id))) or 0


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
