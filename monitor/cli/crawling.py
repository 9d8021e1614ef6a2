"""The commands that crawl: ``crawl``, ``backfill``, ``run`` (cron's cycle), ``schedule``
(the daemon), and distributed mode's ``dispatch`` and ``worker``."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

from monitor.cli.common import (
    EXIT_FAILED_SOURCES,
    EXIT_OK,
    CommandError,
    open_storage_for,
    pick_sources,
)
from monitor.cli.digest import check_out, delivery_config, emit_digest
from monitor.cli.schema import upgrade_schema
from monitor.config.sources import Source, get_source, load_sources
from monitor.config.zone import TZ
from monitor.crawling.cluster import distributed_mode, node_id, require_distributed
from monitor.digest import health_words
from monitor.digest.labels import Labels, labels_for
from monitor.ops.crawl import crawl_with_locks, log_file_path, replayable, write_report
from monitor.ops.cycle import run_cycle
from monitor.ops.daemon import Daemon, configure_daemon_logging
from monitor.ops.health import check_sources
from monitor.ops.worker import run_worker


def replayable_sources(sources: list[Source], replay: str, words: Labels) -> list[Source]:
    if not Path(replay).is_dir():
        raise CommandError(f"replay folder {replay} does not exist")
    try:
        sources, skipped = replayable(sources, replay)
    except ValueError as exc:  # a saved page that cannot be read
        raise CommandError(str(exc)) from exc
    for source in skipped:
        print(f"  {source.name:<22} {words('skipped')}{words.colon}"
              f"{words('no_saved_page', folder=replay)}")
    return sources


def cmd_crawl(args, settings) -> int:
    sources = pick_sources(args, settings)
    if args.replay:
        sources = replayable_sources(sources, args.replay, labels_for(settings))
        if not sources:
            raise CommandError(f"none of the selected sources has saved pages in {args.replay}")
    upgrade_schema(settings)
    outcome = crawl_with_locks(sources, settings, say=lambda line: print(line, flush=True))
    words = labels_for(settings)
    if not args.report:  # else the process that started this crawl prints them
        for name, holder in outcome.busy.items():
            print(f"  {name:<22} {words('skipped')}{words.colon}{holder}")
    if args.report:  # for the process that started this crawl: it prints the failures
        write_report(args.report, outcome.results, outcome.busy)
    if not outcome.results:
        print("Nothing crawled: every selected source is being crawled by another process.")
        return EXIT_OK
    failed = [r for r in outcome.results if r.failed]
    total_new = sum(r.new_articles for r in outcome.results)
    print(f"Done: {total_new} new article(s) stored; {len(failed)} source(s) failed.")
    if not args.report:
        for result in failed:
            print(f"FAILED {result.one_line()}", file=sys.stderr)
    return EXIT_FAILED_SOURCES if failed else EXIT_OK


def cmd_backfill(args, settings) -> int:
    """A source's past: its list pages walked back to ``--since``, stored as a crawl stores
    (same pipelines, lock, run record, politeness); stored articles are never fetched
    again, so a backfill that was stopped resumes where it stopped."""
    try:
        since = date.fromisoformat(args.since.strip())
    except ValueError:
        raise CommandError(f"--since {args.since!r} is not a date (expected YYYY-MM-DD, "
                           f"e.g. {date.today().replace(month=1, day=1):%Y-%m-%d})") from None
    if since > datetime.now(TZ).date():
        raise CommandError(f"--since {since} is in the future")
    if args.max_pages < 1:
        raise CommandError(f"--max-pages {args.max_pages}: give at least 1")
    source = get_source(load_sources(settings.get("MONITOR_SOURCES")), args.source)
    if args.replay and not replayable_sources([source], args.replay, labels_for(settings)):
        raise CommandError(f"source {source.name} has no saved start page in {args.replay}")
    settings.set("MONITOR_BACKFILL_SINCE", since.isoformat(), priority="cmdline")
    settings.set("MONITOR_MAX_LIST_PAGES", args.max_pages, priority="cmdline")
    upgrade_schema(settings)
    print(f"Backfilling {source.name} back to {since}: at most {args.max_pages} list page(s) "
          "per start URL; articles already stored are not fetched again (list pages are).",
          flush=True)
    outcome = crawl_with_locks([source], settings, say=lambda line: print(line, flush=True))
    words = labels_for(settings)
    for name, holder in outcome.busy.items():
        print(f"FAILED {name}: {words('skipped')}{words.colon}{holder}", file=sys.stderr)
    if not outcome.results:
        return EXIT_FAILED_SOURCES
    result = outcome.results[0]
    print(f"Done: {result.new_articles} new article(s) stored.")
    if result.failed:
        print(f"FAILED {result.one_line()}", file=sys.stderr)
        return EXIT_FAILED_SOURCES
    return EXIT_OK


def cmd_run(args, settings) -> int:
    """One cron cycle (``scheduler.run_cycle``): print what it did, one FAILED line per
    failed source on stderr, then the digest. Exit 1 when a source or a delivery failed."""
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    for name in args.source or []:
        get_source(sources, name)
    if args.replay and not Path(args.replay).is_dir():
        raise CommandError(f"replay folder {args.replay} does not exist")
    config = delivery_config(args, settings)
    check_out(args)
    upgrade_schema(settings)
    report = run_cycle(settings, sources, names=args.source, everything=args.all,
                       sources_file=args.sources_file, options=args.set)
    if not report.forced:
        print(f"{len(report.selected)} of {report.enabled} enabled source(s) due.", flush=True)
    words = labels_for(settings)
    for name, why in report.skipped.items():
        print(f"  {name:<22} {words('skipped')}{words.colon}{why}")
    if report.dispatched is not None:  # distributed mode: the workers crawl
        _print_dispatched(report, args.source)
    elif report.child is None:
        print("Nothing to crawl now (schedules are in the sources file; --all crawls "
              "every enabled source).")
    for name, why in report.failures.items():
        print(f"FAILED {name}: {why}", file=sys.stderr)
    print(flush=True)
    digest_code = emit_digest(report.digest, args, settings, config)
    return EXIT_FAILED_SOURCES if report.failures else digest_code


def cmd_schedule(args, settings) -> int:
    configure_daemon_logging()
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    upgrade_schema(settings)

    Daemon(settings, sources, sources_file=args.sources_file,
           distributed=distributed_mode(settings)).serve()
    return EXIT_OK


def cmd_dispatch(args, settings) -> int:
    """Distributed mode: claim the due sources and queue their start requests in Redis
    (``scheduler.run_cycle`` without its digest)."""
    require_distributed(settings, "dispatch")
    all_sources = load_sources(settings.get("MONITOR_SOURCES"))
    for name in args.source or []:
        get_source(all_sources, name)
    if args.replay and not Path(args.replay).is_dir():
        raise CommandError(f"replay folder {args.replay} does not exist")
    upgrade_schema(settings)
    report = run_cycle(settings, all_sources, names=args.source, everything=args.all,
                       digest=False)
    words = labels_for(settings)
    for name, why in report.skipped.items():
        print(f"  {name:<22} {words('skipped')}{words.colon}{why}")
    for name, why in report.failures.items():  # released: the next dispatch takes them
        print(f"FAILED {name}: {why}", file=sys.stderr)
    _print_dispatched(report, args.source)
    return EXIT_FAILED_SOURCES if report.failures else EXIT_OK


def _print_dispatched(report, names: list[str] | None) -> None:
    """What a distributed cycle queued for the workers, one line a source."""
    queued = [item for item in report.dispatched if not item.error]
    for item in queued:
        print(f"  {item.source:<22} run {item.run_id}: {len(item.urls)} start request(s) queued")
    candidates = (len(names) if names else report.enabled) - len(report.skipped)
    print(f"Queued {len(queued)} of {candidates} source(s); the others are not due or "
          "were claimed by another dispatcher.")


def cmd_worker(args, settings) -> int:
    """Distributed mode: crawl what the cluster's Redis queue holds."""
    require_distributed(settings, "worker")
    if args.replay and not Path(args.replay).is_dir():
        raise CommandError(f"replay folder {args.replay} does not exist")
    all_sources = load_sources(settings.get("MONITOR_SOURCES"))
    upgrade_schema(settings)
    worker = settings.get("MONITOR_WORKER_ID") or node_id(settings)
    settings.set("MONITOR_WORKER_ID", worker, priority="cmdline")
    log_file = log_file_path(settings)
    settings.set("LOG_FILE", str(log_file), priority="cmdline")
    idle = f", until the queue is empty for {args.until_idle:g} s" if args.until_idle else ""
    print(f"worker {worker}: taking requests from Redis{idle} (full log: {log_file})",
          flush=True)
    result = run_worker(settings, until_idle=args.until_idle)
    failing = []
    if result.sources:
        storage = open_storage_for(settings)
        try:  # the runs this worker ended (the others: by the worker that ends them)
            ended = [name for name in result.sources
                     if (runs := storage.recent_runs(name, limit=1)) and runs[0].finished_at]
            failing = [c for c in check_sources(storage, sources=all_sources,
                                                settings=settings, only=ended)
                       if not c.ok] if ended else []
        finally:
            storage.close()
    words = labels_for(settings)
    for check in failing:
        print(f"FAILED {check.source}: {health_words.describe(check, words)} "
              f"[{health_words.check_name(check.check, words)}]", file=sys.stderr)
    print(f"worker {worker}: {result.articles_fetched} article page(s) fetched; "
          f"stopped: {result.reason or 'unknown'}")
    print(result.last_line(), flush=True)
    return EXIT_FAILED_SOURCES if failing else EXIT_OK
