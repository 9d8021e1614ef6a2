"""Distributed mode's dispatch (``monitor dispatch``, or ``monitor schedule`` on every
node): claim the due sources in the database, each once whoever runs it
(``Storage.claim_sources``), open a run record for each and push their start requests, as
JSON, on ``<prefix>:start`` for the workers (see ``monitor.crawling.cluster``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis

from monitor.config.sources import Source
from monitor.crawling.cluster import Keys, node_id
from monitor.ops.schedules import is_due
from monitor.storage.database import Storage


@dataclass
class Dispatched:
    source: str
    run_id: int
    urls: list[str]
    error: str | None = None  # the start requests could not be queued: claim released


def dispatch(storage: Storage, client, sources: list[Source], *, settings,
             force: bool = False, now: datetime | None = None) -> list[Dispatched]:
    """Claim the due sources (every one of ``sources`` with ``force``) and queue their
    start requests; what was claimed. A source another dispatcher claimed first, here or
    on another machine, is left out. A source whose start requests Redis did not take is
    released (``Storage.release_claim``) and comes back with its ``error``."""
    now = now or datetime.now(UTC)
    by_name = {s.name: s for s in sources}
    seen = storage.source_claims(list(by_name))
    if not force:
        slack = timedelta(seconds=settings.getfloat("MONITOR_DUE_SLACK"))
        seen = {name: last for name, last in seen.items()
                if is_due(by_name[name].schedule, last, now, slack)}
    node = node_id(settings)
    cycle = f"{now:%Y%m%dT%H%M%S%f}-{node}"
    runs = storage.claim_sources(seen, spiders={n: by_name[n].kind for n in seen},
                                 node=node, cycle=cycle, now=now)
    keys = Keys.from_settings(settings)
    queued = []
    for name, run_id in sorted(runs.items()):
        urls = list(by_name[name].start_urls)
        try:
            client.rpush(keys.start, *[json.dumps({"url": url, "source": name,
                                                   "run_id": run_id, "cycle": cycle})
                                       for url in urls])
        except redis.RedisError as exc:  # no worker will ever see them: undo the claim
            error = " ".join(f"could not queue the start requests in Redis: {exc}".split())
            storage.release_claim(name, previous=seen[name], cycle=cycle, run_id=run_id,
                                  reason=error)
            queued.append(Dispatched(name, run_id, urls, error=error))
            continue
        queued.append(Dispatched(name, run_id, urls))
    return queued
