"""Institutions and their partnerships: the partner pairs of flagged articles
(``Flags.partners``) between institutions that stay the same across articles.

An institution is found by any name it goes by, normalised (``judgement.institutions
.normalise``: simplified characters, no spaces or punctuation), in ``institution_aliases``;
a name no alias knows makes a new institution (its kind and place from the name). The short
forms a text resolved to a partner's name (``Flags.aliases``: 中山五院 → 中山大学附属第五医院)
are learned as aliases of the full name's institution; a short form that had made an
institution of its own (an article that wrote only 中山五院) is folded into it, unless a
reviewer made it. Nothing learned ever undoes a reviewer's merge or split: a known alias
keeps its institution.

The store path calls ``record_partnerships`` inside the transaction that stores the
article (``articles.add_article``), ``monitor reprocess`` ``replace_partnerships``
(``articles.replace_processed``); the reviewer's queries are ``InstitutionQueries``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import aliased

from monitor.article.item import Article
from monitor.errors import MonitorError
from monitor.judgement.institutions import kind_of, normalise, place_of
from monitor.storage.models import (
    Institution,
    InstitutionAlias,
    Partnership,
    StoredArticle,
)

NAME_LENGTH = 200  # the names' column width
REVIEWER_ORIGINS = ("merge", "split")  # aliases a reviewer made: learning leaves them


class InstitutionError(MonitorError, ValueError):
    """A merge or split that cannot be done (unknown name, the same institution…)."""


@dataclass(frozen=True)
class PartnershipRow:
    """One partnership with both institutions and its article, as the readers want it."""

    id: int
    article_id: int
    story_id: int | None
    a_id: int
    a: str  # the institution's canonical name
    a_kind: str
    a_place: str | None
    b_id: int
    b: str
    b_kind: str
    b_place: str | None
    a_written: str  # the names as the article wrote them
    b_written: str
    relation: str
    evidence: str
    published_at: datetime | None
    first_seen_at: datetime
    title: str
    url: str


@dataclass(frozen=True)
class InstitutionSummary:
    """An institution with its counts: partnerships, distinct partners, stories."""

    institution: Institution
    partnerships: int
    partners: int
    stories: int


# ---------------------------------------------------------------- the store path


def record_partnerships(connection, article_id: int, article: Article) -> int:
    """Store the partner pairs of ``article`` (stored as ``article_id``) between their
    institutions, learning its aliases; returns ``article_id``. Runs inside the transaction
    that stores the article."""
    flags = article.flags
    if flags is None or not flags.partners:
        return article_id
    stored = connection.execute(
        select(StoredArticle.story_id, StoredArticle.published_at,
               StoredArticle.first_seen_at).where(StoredArticle.id == article_id)).one()
    for short, full in (flags.aliases or {}).items():
        learn_alias(connection, short, full)
    rows = []
    for pair in flags.partners:
        a_id = institution_id(connection, pair.a)
        b_id = institution_id(connection, pair.b)
        if a_id is None or b_id is None or a_id == b_id:
            continue
        rows.append({"article_id": article_id, "story_id": stored.story_id, "a_id": a_id,
                     "b_id": b_id, "a_name": pair.a[:NAME_LENGTH],
                     "b_name": pair.b[:NAME_LENGTH], "relation": pair.relation,
                     "evidence": pair.evidence, "published_at": stored.published_at,
                     "first_seen_at": stored.first_seen_at})
    if rows:
        connection.execute(Partnership.__table__.insert(), rows)
    return article_id


def replace_partnerships(connection, article_id: int, article: Article) -> None:
    """The partnerships of a stored article made again from its processed ``article``."""
    connection.execute(delete(Partnership).where(Partnership.article_id == article_id))
    record_partnerships(connection, article_id, article)


def institution_id(connection, name: str, *, create: bool = True) -> int | None:
    """The institution ``name`` stands for (any alias, normalised); a new one when no alias
    knows it and ``create``."""
    key = normalise(name)[:NAME_LENGTH]
    if not key:
        return None
    found = connection.execute(select(InstitutionAlias.institution_id)
                               .where(InstitutionAlias.alias == key)).scalar()
    if found is not None or not create:
        return found
    new_id = connection.execute(Institution.__table__.insert().values(
        name=name[:NAME_LENGTH], kind=kind_of(name), place=place_of(name),
        created_at=datetime.now(UTC))).inserted_primary_key[0]
    connection.execute(InstitutionAlias.__table__.insert().values(
        alias=key, institution_id=new_id, name=name[:NAME_LENGTH], origin="name"))
    return new_id


def learn_alias(connection, short: str, full: str) -> None:
    """``short`` (a form a text resolved to ``full``) becomes an alias of ``full``'s
    institution: added when unknown; an institution that ``short`` alone had made is
    folded into it; a reviewer's alias, or any other, is left as it is."""
    key = normalise(short)[:NAME_LENGTH]
    if not key or key == normalise(full)[:NAME_LENGTH]:
        return
    into = institution_id(connection, full)
    known = connection.execute(select(InstitutionAlias).where(InstitutionAlias.alias == key)
                               ).first()
    if known is None:
        connection.execute(InstitutionAlias.__table__.insert().values(
            alias=key, institution_id=into, name=short[:NAME_LENGTH], origin="text"))
        return
    if known.institution_id == into or known.origin in REVIEWER_ORIGINS:
        return
    names = connection.execute(select(func.count()).select_from(InstitutionAlias).where(
        InstitutionAlias.institution_id == known.institution_id)).scalar()
    if names == 1:  # an institution of this short form alone: the same one
        merge(connection, known.institution_id, into, origin="text")


def merge(connection, from_id: int, into_id: int, *, origin: str = "merge") -> None:
    """Institution ``from_id`` becomes part of ``into_id``: its names are aliases of it
    (marked ``origin``), its partnerships its own; ``from_id`` is gone."""
    connection.execute(update(InstitutionAlias).where(
        InstitutionAlias.institution_id == from_id).values(institution_id=into_id,
                                                           origin=origin))
    connection.execute(update(Partnership).where(Partnership.a_id == from_id)
                       .values(a_id=into_id))
    connection.execute(update(Partnership).where(Partnership.b_id == from_id)
                       .values(b_id=into_id))
    # a pair of the two is now one of an institution with itself: kept (a split brings it
    # back) but never read (``InstitutionQueries`` leaves such rows out)
    connection.execute(delete(Institution).where(Institution.id == from_id))


# ---------------------------------------------------------------- the reviewer's queries


class InstitutionQueries:
    """``Storage``'s institutions and partnerships (see ``monitor.storage.database``)."""

    def institution(self, institution_id: int) -> Institution | None:
        with self.session() as s:
            return s.get(Institution, institution_id)

    def find_institution(self, name: str) -> Institution | None:
        """The institution that ``name`` (any of its names; ``#12`` or ``12``: its ID)
        stands for, or None."""
        text = (name or "").strip()
        with self.session() as s:
            if text.lstrip("#").isdigit():
                found = s.get(Institution, int(text.lstrip("#")))
                if found is not None:
                    return found
            found_id = institution_id(s.connection(), text, create=False)
            return s.get(Institution, found_id) if found_id is not None else None

    def institution_aliases(self, institution_id: int) -> list[InstitutionAlias]:
        with self.session() as s:
            return list(s.scalars(select(InstitutionAlias)
                                  .where(InstitutionAlias.institution_id == institution_id)
                                  .order_by(InstitutionAlias.origin != "name",
                                            InstitutionAlias.name)))

    def list_institutions(self, *, kind: str | None = None, search: str | None = None,
                          limit: int | None = None) -> list[InstitutionSummary]:
        """Institutions with their counts, the most partnerships first; ``search``: a part
        of any of their names (normalised)."""
        real = Partnership.a_id != Partnership.b_id
        side = select(Partnership.a_id.label("me"), Partnership.b_id.label("other"),
                      Partnership.story_id, Partnership.id).where(real).union_all(
            select(Partnership.b_id, Partnership.a_id, Partnership.story_id,
                   Partnership.id).where(real)).subquery()
        counts = select(side.c.me, func.count(side.c.id).label("pairs"),
                        func.count(func.distinct(side.c.other)).label("partners"),
                        func.count(func.distinct(side.c.story_id)).label("stories")
                        ).group_by(side.c.me).subquery()
        query = select(Institution, func.coalesce(counts.c.pairs, 0),
                       func.coalesce(counts.c.partners, 0),
                       func.coalesce(counts.c.stories, 0)) \
            .outerjoin(counts, counts.c.me == Institution.id) \
            .order_by(func.coalesce(counts.c.pairs, 0).desc(), Institution.name)
        if kind:
            query = query.where(Institution.kind == kind)
        if search and normalise(search):
            named = select(InstitutionAlias.institution_id).where(
                InstitutionAlias.alias.contains(normalise(search), autoescape=True))
            query = query.where(Institution.id.in_(named))
        if limit:
            query = query.limit(limit)
        with self.session() as s:
            return [InstitutionSummary(row[0], row[1], row[2], row[3])
                    for row in s.execute(query)]

    def partnership_rows(self, *, institution_id: int | None = None,
                         relation: str | None = None, since: datetime | None = None,
                         limit: int | None = None) -> list[PartnershipRow]:
        """Partnerships (of one institution, of one relation, published — else first seen —
        since a moment), newest first."""
        a, b = aliased(Institution), aliased(Institution)
        when = func.coalesce(Partnership.published_at, Partnership.first_seen_at)
        query = select(Partnership, a, b, StoredArticle.title, StoredArticle.url,
                       StoredArticle.canonical_url) \
            .join(a, a.id == Partnership.a_id).join(b, b.id == Partnership.b_id) \
            .join(StoredArticle, StoredArticle.id == Partnership.article_id) \
            .where(Partnership.a_id != Partnership.b_id) \
            .order_by(when.desc(), Partnership.id.desc())
        if institution_id is not None:
            query = query.where(or_(Partnership.a_id == institution_id,
                                    Partnership.b_id == institution_id))
        if relation:
            query = query.where(Partnership.relation == relation)
        if since is not None:
            query = query.where(when >= since)
        if limit:
            query = query.limit(limit)
        with self.session() as s:
            return [PartnershipRow(
                id=p.id, article_id=p.article_id, story_id=p.story_id, a_id=ia.id, a=ia.name,
                a_kind=ia.kind, a_place=ia.place, b_id=ib.id, b=ib.name, b_kind=ib.kind,
                b_place=ib.place, a_written=p.a_name, b_written=p.b_name, relation=p.relation,
                evidence=p.evidence or "", published_at=p.published_at,
                first_seen_at=p.first_seen_at, title=title or "", url=canonical or url)
                for p, ia, ib, title, url, canonical in s.execute(query)]

    def merge_institutions(self, name: str, into: str) -> Institution:
        """The institution ``name`` becomes an alias of ``into`` (names or IDs); returns
        ``into``'s institution."""
        source, target = self._named(name), self._named(into)
        if source.id == target.id:
            raise InstitutionError(f"{name} and {into} are one institution already "
                                   f"(#{target.id} {target.name})")

        def work():
            with self.session() as s:
                merge(s.connection(), source.id, target.id)
        self.retrying(work, f"merge {name} into {into}")
        return self.institution(target.id)

    def split_alias(self, name: str) -> Institution:
        """The name ``name`` (an alias) becomes an institution of its own, with the
        partnerships whose article wrote that name; returns the new institution."""
        key = normalise(name)[:NAME_LENGTH]

        def work():
            with self.session() as s:
                alias = s.get(InstitutionAlias, key) if key else None
                if alias is None:
                    raise InstitutionError(f"no institution goes by the name {name}")
                old = s.get(Institution, alias.institution_id)
                others = [o for o in s.scalars(select(InstitutionAlias).where(
                    InstitutionAlias.institution_id == old.id)) if o.alias != key]
                if not others:
                    raise InstitutionError(f"{name} is an institution of its own already "
                                           f"(#{old.id})")
                written = alias.name
                new = Institution(name=written, kind=kind_of(written), place=place_of(written),
                                  created_at=datetime.now(UTC))
                s.add(new)
                s.flush()
                alias.institution_id, alias.origin = new.id, "split"
                if normalise(old.name) == key:  # its canonical name went: the longest left
                    old.name = max((o.name for o in others), key=len)
                    old.kind, old.place = kind_of(old.name), place_of(old.name)
                for column, written_column in ((Partnership.a_id, Partnership.a_name),
                                               (Partnership.b_id, Partnership.b_name)):
                    for partnership in s.scalars(select(Partnership).where(
                            column == old.id)):
                        if normalise(getattr(partnership, written_column.key)) == key:
                            setattr(partnership, column.key, new.id)
                return new.id
        return self.institution(self.retrying(work, f"split {name} off"))

    def _named(self, name: str) -> Institution:
        found = self.find_institution(name)
        if found is None:
            raise InstitutionError(f"no institution goes by the name {name}")
        return found
