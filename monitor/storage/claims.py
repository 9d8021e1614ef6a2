"""Distributed mode: what must hold across machines lives in PostgreSQL: each source claimed
once per due time, workers adding to the dispatched run records, once-a-day jobs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    DateTime,
    String,
    cast,
    column,
    func,
    select,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert

from monitor.storage.models import (
    CrawlRun,
    DailyJob,
    SourceClaim,
    UTCDateTime,
)

if TYPE_CHECKING:
    pass

# start-up: monitor.judgement.stories is imported where an article is stored: it pulls in
# datasketch and scipy, a second that the readers of the database (digest, web page) skip

logger = logging.getLogger(__name__)


# pg_advisory_xact_lock key (distributed mode): once-a-day jobs
DAILY_LOCK_KEY = 0x6D6F6E64


class ClaimQueries:
    """``Storage``'s claims of sources and once-a-day jobs."""

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
