"""Crawl runs: started, finished, read back for the health checks and the digest."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    func,
    select,
)

from monitor.storage.models import (
    CrawlRun,
    StoredArticle,
)

if TYPE_CHECKING:
    pass

# start-up: monitor.judgement.stories is imported where an article is stored: it pulls in
# datasketch and scipy, a second that the readers of the database (digest, web page) skip

logger = logging.getLogger(__name__)


class RunQueries:
    """``Storage``'s crawl runs (see ``monitor.storage.database``)."""

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
