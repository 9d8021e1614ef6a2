"""Reviewers' verdicts on flagged stories (``monitor review``) and their export
(``monitor export``) as labelled rows in the format of ``tests/data/flagging-dev.jsonl``, so
that ``python -m bench.flagging FILE`` measures the flagging rules against what reviewers
said. A verdict is given through one article and holds for its whole story; a story's latest
verdict is the one that counts. Stories are named by their ID, the same in every output."""

from __future__ import annotations

from datetime import UTC, datetime

from monitor.digest.build import TZ
from monitor.errors import MonitorError
from monitor.judgement.flags import FLAGS
from monitor.storage.database import Storage
from monitor.storage.models import Review, StoredArticle
from monitor.storage.reviews import StoryView

VERDICTS = ("relevant", "irrelevant")


class ReviewError(MonitorError, ValueError):
    """A verdict that cannot be recorded; the message says why."""


def verdict_topics(verdict: str, topics: list[str], flagged: list[str]) -> list[str]:
    """The topics a verdict says the story is about: none when irrelevant; when relevant,
    the ones the reviewer named, else the story's flags."""
    if verdict not in VERDICTS:
        raise ReviewError(f"verdict must be one of {', '.join(VERDICTS)}, not {verdict!r}")
    unknown = [t for t in topics if t not in FLAGS]
    if unknown:
        raise ReviewError(f"unknown topic {unknown[0]!r}: the topics are {', '.join(FLAGS)}")
    if verdict == "irrelevant":
        if topics:
            raise ReviewError("a topic goes with a relevant verdict, not an irrelevant one")
        return []
    chosen = list(dict.fromkeys(topics or flagged))
    if not chosen:
        raise ReviewError("the story has no flag: name its topic (--topic "
                          f"{' or --topic '.join(FLAGS)})")
    return chosen


def review(storage: Storage, story_id: int, verdict: str, *, topics: list[str] = (),
           reviewer: str | None = None, note: str | None = None,
           now: datetime | None = None) -> tuple[Review, StoryView]:
    """Record ``verdict`` on story ``story_id`` (the ``#ID`` of every output), given through
    its representative article; returns it with the story."""
    view = storage.story_view(story_id)
    if view is None:
        raise ReviewError(f"there is no story #{story_id}")
    chosen = verdict_topics(verdict, list(topics), view.flag_names)
    recorded = storage.add_review(view.representative.id, verdict=verdict, topics=chosen,
                                  reviewer=reviewer, note=note,
                                  reviewed_at=now or datetime.now(UTC))
    return recorded, view


def export_row(article: StoredArticle, verdict: Review | None) -> dict:
    """One labelled row: the article's title and body with the reviewer's labels (its flags
    when nobody reviewed it), what the rules flagged, and the verdict."""
    topics = verdict.topics if verdict else article.flag_names
    published = article.published_at.astimezone(TZ).date().isoformat() \
        if article.published_at else None
    why = None
    if verdict is not None:
        who = f" by {verdict.reviewer}" if verdict.reviewer else ""
        why = f"reviewed {verdict.verdict}{who}" + (f": {verdict.note}" if verdict.note else "")
    return {
        "id": f"story-{article.story_id}" if article.story_id else f"article-{article.id}",
        "title": article.title or "",
        "body": article.body or "",
        "published": published,
        **{f"label_{flag}": flag in topics for flag in FLAGS},
        "ambiguous": False,
        "why": why,
        "url": article.canonical_url or article.url,
        "article_id": article.id,
        "story_id": article.story_id,
        "flagged": article.flag_names,
        "scores": {flag: (article.flags.get(flag) or {}).get("score") for flag in FLAGS},
        "verdict": verdict.verdict if verdict else None,
        "reviewer": verdict.reviewer if verdict else None,
        "reviewed_at": verdict.reviewed_at.astimezone(TZ).isoformat() if verdict else None,
    }


def reviewed_rows(storage: Storage) -> list[dict]:
    """One row per reviewed story (its latest verdict, on the article it was given on)."""
    latest: dict[object, tuple[Review, StoredArticle]] = {}
    for verdict, article in storage.reviews():
        latest[verdict.story_id or ("article", article.id)] = (verdict, article)
    return [export_row(article, verdict) for verdict, article in latest.values()]


def flagged_rows(storage: Storage) -> list[dict]:
    """One row per flagged article, labelled by its story's verdict when it has one."""
    articles = storage.articles(flagged_only=True, include_duplicates=False)
    verdicts = storage.story_verdicts([a.story_id for a in articles if a.story_id])
    return [export_row(a, verdicts.get(a.story_id)) for a in articles]
