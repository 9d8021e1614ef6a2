"""The ``monitor`` command: run, crawl, schedule, health, db, digest, review, export, serve,
sources, check, extract, classify, reprocess, record."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from monitor import health_words
from monitor.config import ConfigError, Source, get_source, load_sources
from monitor.errors import plain_error
from monitor.labels import Labels, language
from monitor.storage import Storage, StorageError

EXIT_OK, EXIT_FAILED_SOURCES, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A problem the user can fix; printed as one plain line."""


# ---------------------------------------------------------------- helpers


def _settings(args):
    from monitor.projectsettings import parse_setting_options, project_settings

    settings = project_settings(
        MONITOR_REPLAY_DIR=getattr(args, "replay", None),
        MONITOR_SOURCES=getattr(args, "sources_file", None),
        **parse_setting_options(getattr(args, "set", None)),
    )
    data = Path(settings.get("MONITOR_DATA_DIR") or "data")
    if data.exists() and not data.is_dir():
        raise CommandError(f"the data folder {data} (MONITOR_DATA_DIR) is a file, not a folder")
    return settings


def _words(settings) -> Labels:
    """The labels of the chosen language (``MONITOR_LANGUAGE``)."""
    try:
        return Labels(language(settings.get("MONITOR_LANGUAGE")))
    except ValueError as exc:
        raise CommandError(str(exc)) from None


def _storage(settings) -> Storage:
    return Storage.from_settings(settings)


def _existing_storage(settings) -> Storage:
    """The database, for a command that only reads it: refused when it does not exist or
    has no schema (a wrong MONITOR_DATABASE_URL must not give a new, empty database and a
    quiet day)."""
    from monitor.storage import existing_database_problem

    url = settings.get("MONITOR_DATABASE_URL")
    problem = existing_database_problem(url)
    if problem:
        raise CommandError(problem)
    return Storage(url, create=False)


def _upgrade_schema(settings) -> None:
    """Bring the database schema to the newest migration (what run, crawl, schedule do on
    start); a new database is created."""
    from sqlalchemy.exc import SQLAlchemyError

    from monitor import migrations
    from monitor.locks import lock_folder
    from monitor.storage import make_engine

    url = settings.get("MONITOR_DATABASE_URL")
    engine = make_engine(url)
    try:
        before, after = migrations.upgrade(engine, lock_folder=lock_folder(settings))
    except SQLAlchemyError as exc:
        raise StorageError(f"could not bring the schema of {engine.url!r} up to date: "
                           f"{getattr(exc, 'orig', None) or exc}") from exc
    finally:
        engine.dispose()
    if before is not None and before != after:
        print(f"Database schema upgraded from revision {before} to {after}.", flush=True)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"--date {text!r} is not a date (expected YYYY-MM-DD, e.g. "
                           f"{date.today():%Y-%m-%d})") from None


def _replayable(sources: list[Source], replay: str) -> list[Source]:
    from monitor.crawl import replayable

    if not Path(replay).is_dir():
        raise CommandError(f"replay folder {replay} does not exist")
    try:
        sources, skipped = replayable(sources, replay)
    except ValueError as exc:  # a saved page that cannot be read
        raise CommandError(str(exc)) from exc
    words = Labels(language())
    for source in skipped:
        print(f"  {source.name:<22} {words('skipped')}{words.colon}"
              f"{words('no_saved_page', folder=replay)}")
    return sources


def _pick_sources(args, settings) -> list[Source]:
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    if args.source:
        return [get_source(sources, name) for name in args.source]
    return [s for s in sources if s.enabled]


# ---------------------------------------------------------------- commands


def cmd_crawl(args) -> int:
    from monitor.crawl import crawl_with_locks, write_report

    settings = _settings(args)
    sources = _pick_sources(args, settings)
    if args.replay:
        sources = _replayable(sources, args.replay)
        if not sources:
            raise CommandError(f"none of the selected sources has saved pages in {args.replay}")
    _upgrade_schema(settings)
    outcome = crawl_with_locks(sources, settings, say=lambda line: print(line, flush=True))
    words = _words(settings)
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


def cmd_digest(args) -> int:
    """Print (or write) the digest; with --send deliver it, with --record mark it as read.
    Exit 1 when a delivery failed (its stories stay new for the next digest)."""
    from datetime import UTC, datetime, timedelta

    from monitor.digest import build_digest, digest_options, parse_since

    settings = _settings(args)
    day = _day(args.date) if args.date else None
    try:
        since = parse_since(args.since) if getattr(args, "since", None) else None
    except ValueError:
        raise CommandError(f"--since {args.since!r} is not a date or time (expected "
                           "YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    if args.format == "atom" and day is None and since is None:  # a feed: its recent entries
        since = datetime.now(UTC) - timedelta(days=settings.getfloat("MONITOR_FEED_DAYS"))
    config = _delivery_config(args, settings)
    _check_out(args)
    try:
        options = digest_options(settings)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    storage = _existing_storage(settings)
    try:
        digest = build_digest(storage, day, since=since, **options)
    finally:
        storage.close()
    return _emit_digest(digest, args, settings, config)


def _delivery_config(args, settings):
    """With --send: the delivery channels, refused before anything is done when there is
    none or one is misconfigured."""
    from monitor.delivery import DeliveryConfig

    if not getattr(args, "send", False):
        return None
    try:
        config = DeliveryConfig.from_settings(settings)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if not config.channels():
        raise CommandError("--send: no delivery channel is configured (set MONITOR_NOTIFY to "
                           "Apprise URLs, or MONITOR_SMTP_* / MONITOR_WEBHOOK_*)")
    return config


def _check_out(args) -> None:
    """--out FILE must be writable where it is: its folder exists and is a folder."""
    out = getattr(args, "out", None)
    if not out:
        return
    folder = Path(out).resolve().parent
    if not folder.is_dir():
        raise CommandError(f"--out {out}: folder {folder} does not exist")
    if Path(out).is_dir():
        raise CommandError(f"--out {out} is a folder; give a file name")


def _emit_digest(digest, args, settings, config) -> int:
    """Print or write ``digest`` in ``args.format``; deliver it (--send) or record it as
    read (--record). Exit 1 when a channel failed."""
    from monitor.delivery import DeliveryError, record, send_digest

    fmt, out = args.format, getattr(args, "out", None)
    try:
        _write_digest(digest, fmt, out, settings)
    except OSError as exc:
        if out is None or isinstance(exc, BrokenPipeError):
            raise
        raise CommandError(f"could not write {out}: {exc.strerror or exc}") from exc
    if config is None and not getattr(args, "record", False):
        return EXIT_OK
    storage = _storage(settings)
    try:
        if config is not None:
            try:
                report = send_digest(storage, digest, config)
            except DeliveryError as exc:
                raise CommandError(str(exc)) from exc
            for outcome in report.outcomes:
                print(outcome.line(), file=sys.stdout if outcome.ok else sys.stderr)
            if not report.ok:
                print("The digest was not sent everywhere: its stories stay new for the "
                      "next digest.", file=sys.stderr)
                return EXIT_FAILED_SOURCES
        else:
            record(storage, digest, "recorded", {f"file {out}" if out else "printed": "ok"})
    finally:
        storage.close()
    return EXIT_OK


def _write_digest(digest, fmt: str, out: str | None, settings) -> None:
    """Print the digest, or write it to ``out``; streamed as it is rendered."""
    from monitor.render import RENDERERS, render_atom, stream_html

    public = settings.get("MONITOR_PUBLIC_URL") or None
    if fmt == "atom":
        pieces = [render_atom(digest, settings.get("MONITOR_FEED_URL") or None, public)]
    elif fmt == "html":
        pieces = stream_html(digest, public)
    else:
        pieces = [RENDERERS[fmt](digest, public)]
    if out:
        with open(out, "w", encoding="utf-8") as target:
            target.writelines(pieces)
            target.write("\n")
        print(f"Digest ({fmt}, {len(digest.entries)} entries) written to {out}")
    else:
        sys.stdout.writelines(pieces)
        print(flush=True)


def cmd_review(args) -> int:
    from monitor.review import ReviewError, review

    settings = _settings(args)
    storage = _existing_storage(settings)
    try:
        verdict, story = review(storage, args.id, args.verdict, topics=args.topic,
                                reviewer=args.reviewer, note=args.note)
    except ReviewError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        storage.close()
    words, copies = _words(settings), len(story.members)
    topics = words.list_sep.join(words.topic(t) for t in verdict.topics)
    print(words("review_done", id=args.id, title=story.representative.title,
                copies=words.paren(words("copies_count", count=copies)) if copies > 1 else "",
                verdict=words.verdict(verdict.verdict),
                topics=words.paren(topics) if topics else "",
                by=words.list_sep + words("by", who=verdict.reviewer) if verdict.reviewer
                else ""))
    return EXIT_OK


def cmd_export(args) -> int:
    from monitor.review import flagged_rows, reviewed_rows

    settings = _settings(args)
    _check_out(args)
    storage = _existing_storage(settings)
    try:
        rows = reviewed_rows(storage) if args.reviewed else flagged_rows(storage)
    finally:
        storage.close()
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.out:
        Path(args.out).write_text(lines, "utf-8")
        print(f"{len(rows)} row(s) written to {args.out}")
    else:
        sys.stdout.write(lines)
    return EXIT_OK


def cmd_run(args) -> int:
    """One cron cycle (``scheduler.run_cycle``): print what it did, one FAILED line per
    failed source on stderr, then the digest. Exit 1 when a source or a delivery failed."""
    from monitor.scheduler import run_cycle

    settings = _settings(args)
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    for name in args.source or []:
        get_source(sources, name)
    if args.replay and not Path(args.replay).is_dir():
        raise CommandError(f"replay folder {args.replay} does not exist")
    config = _delivery_config(args, settings)
    _check_out(args)
    _upgrade_schema(settings)
    report = run_cycle(settings, sources, names=args.source, everything=args.all,
                       sources_file=args.sources_file, options=args.set)
    if not report.forced:
        print(f"{len(report.selected)} of {report.enabled} enabled source(s) due.", flush=True)
    words = _words(settings)
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
    digest_code = _emit_digest(report.digest, args, settings, config)
    return EXIT_FAILED_SOURCES if report.failures else digest_code


def cmd_schedule(args) -> int:
    from monitor.scheduler import Daemon, configure_daemon_logging

    configure_daemon_logging()
    settings = _settings(args)
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    _upgrade_schema(settings)
    from monitor.distributed import distributed_mode

    Daemon(settings, sources, sources_file=args.sources_file,
           distributed=distributed_mode(settings)).serve()
    return EXIT_OK


def cmd_dispatch(args) -> int:
    """Distributed mode: claim the due sources and queue their start requests in Redis
    (``scheduler.run_cycle`` without its digest)."""
    from monitor.distributed import require_distributed
    from monitor.scheduler import run_cycle

    settings = _settings(args)
    require_distributed(settings, "dispatch")
    all_sources = load_sources(settings.get("MONITOR_SOURCES"))
    for name in args.source or []:
        get_source(all_sources, name)
    if args.replay and not Path(args.replay).is_dir():
        raise CommandError(f"replay folder {args.replay} does not exist")
    _upgrade_schema(settings)
    report = run_cycle(settings, all_sources, names=args.source, everything=args.all,
                       digest=False)
    words = _words(settings)
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


def cmd_worker(args) -> int:
    """Distributed mode: crawl what the cluster's Redis queue holds."""
    from monitor.crawl import log_file_path
    from monitor.distributed import node_id, require_distributed, run_worker
    from monitor.health import check_sources

    settings = _settings(args)
    require_distributed(settings, "worker")
    if args.replay and not Path(args.replay).is_dir():
        raise CommandError(f"replay folder {args.replay} does not exist")
    all_sources = load_sources(settings.get("MONITOR_SOURCES"))
    _upgrade_schema(settings)
    worker = settings.get("MONITOR_WORKER_ID") or node_id()
    settings.set("MONITOR_WORKER_ID", worker, priority="cmdline")
    log_file = log_file_path(settings)
    settings.set("LOG_FILE", str(log_file), priority="cmdline")
    idle = f", until the queue is empty for {args.until_idle:g} s" if args.until_idle else ""
    print(f"worker {worker}: taking requests from Redis{idle} (full log: {log_file})",
          flush=True)
    result = run_worker(settings, until_idle=args.until_idle)
    failing = []
    if result.sources:
        storage = _storage(settings)
        try:  # the runs this worker ended (the others: by the worker that ends them)
            ended = [name for name in result.sources
                     if (runs := storage.recent_runs(name, limit=1)) and runs[0].finished_at]
            failing = [c for c in check_sources(storage, sources=all_sources,
                                                settings=settings, only=ended)
                       if not c.ok] if ended else []
        finally:
            storage.close()
    words = _words(settings)
    for check in failing:
        print(f"FAILED {check.source}: {health_words.describe(check, words)} "
              f"[{health_words.check_name(check.check, words)}]", file=sys.stderr)
    print(f"worker {worker}: {result.articles_fetched} article page(s) fetched; "
          f"stopped: {result.reason or 'unknown'}")
    print(result.last_line(), flush=True)
    return EXIT_FAILED_SOURCES if failing else EXIT_OK


def cmd_health(args) -> int:
    from monitor.health import check_sources

    settings = _settings(args)
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    if args.source:
        sources = [get_source(sources, name) for name in args.source]
    storage = _existing_storage(settings)
    try:
        checks = check_sources(storage, sources=sources, settings=settings)
    finally:
        storage.close()
    failing = [c for c in checks if not c.ok]
    words = _words(settings)
    if args.format == "json":
        print(json.dumps([{**c.as_dict(), "message": health_words.describe(c, words)}
                          for c in checks], ensure_ascii=False, indent=2))
        return EXIT_FAILED_SOURCES if failing else EXIT_OK
    print(words("health_summary", failing_sources=len({c.source for c in failing}),
                sources=len([s for s in sources if s.enabled]), failing=len(failing),
                checked=len(checks)))
    for source in sources:
        if not source.enabled:
            continue
        mine = [c for c in checks if c.source == source.name]
        title = words.paren(source.title) if source.title else ""
        print(f"{source.name}{title}" + ("" if mine else words.paren(words("no_runs"))))
        for check in mine:
            print(f"  {words('check_ok' if check.ok else 'check_fail')}  "
                  f"{health_words.padded(health_words.check_name(check.check, words), 14)} "
                  f"{health_words.describe(check, words)}")
    return EXIT_FAILED_SOURCES if failing else EXIT_OK


def cmd_db(args) -> int:
    from alembic.util import CommandError as AlembicError
    from sqlalchemy.exc import SQLAlchemyError

    from monitor import migrations
    from monitor.locks import lock_folder
    from monitor.storage import make_engine

    settings = _settings(args)
    if args.action == "revision":
        if not args.message:
            raise CommandError("revision needs -m MESSAGE: what the new revision does")
        print(f"wrote {migrations.new_revision(args.message)}")
        return EXIT_OK
    engine = make_engine(settings.get("MONITOR_DATABASE_URL"))
    try:
        if args.action == "current":
            with engine.connect() as connection:
                revision = migrations.current(connection)
            print(f"{revision or 'none'} (newest: {migrations.head()})")
        elif args.action == "upgrade":
            before, after = migrations.upgrade(engine, lock_folder=lock_folder(settings),
                                               revision=args.revision or "head")
            print(f"schema at revision {after} (was {before or 'none'})")
        else:
            if not args.revision:
                raise CommandError("downgrade needs a REVISION (or 'base')")
            before, after = migrations.downgrade(engine, args.revision)
            print(f"schema at revision {after or 'none'} (was {before or 'none'})")
    except SQLAlchemyError as exc:
        raise StorageError(f"database {engine.url!r}: {getattr(exc, 'orig', None) or exc}") \
            from exc
    except AlembicError as exc:  # e.g. a revision that does not exist
        raise CommandError(f"db {args.action}: {exc}") from exc
    finally:
        engine.dispose()
    return EXIT_OK


def cmd_sources(args) -> int:
    settings = _settings(args)
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    print(f"{len(sources)} source(s) in {settings.get('MONITOR_SOURCES')}, all valid:")
    for s in sources:
        flags = ("JS " if s.javascript else "") + ("" if s.enabled else "disabled")
        print(f"  {s.name:<20} {s.kind:<10} {s.schedule:<12} {flags:<4} {s.title}")
        for url in s.start_urls:
            print(f"  {'':<20} {url}")
    return EXIT_OK


def cmd_extract(args) -> int:
    from monitor.page import Page
    from monitor.process import process_page
    from monitor.savedpages import load_page

    path = Path(args.file)
    if path.is_dir():
        if not (path / "meta.json").is_file():
            raise CommandError(f"{path} holds no saved page (no meta.json): give a saved-page "
                               "folder, or a raw HTML file with --url")
        try:
            page = Page.from_saved(load_page(path))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if args.url:
            page.url = args.url
    else:
        if not args.url:
            raise CommandError("--url is required when FILE is a raw HTML file")
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        headers = {"Content-Type": args.content_type} if args.content_type else {}
        page = Page(url=args.url, body=path.read_bytes(), headers=headers)
    article = process_page(page, kind=args.kind)
    print(json.dumps(article_json(article), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_check(args) -> int:
    from monitor.check import Fetcher, check, source_for

    source = source_for(args.target, args.sources_file)
    return check(source, Fetcher(args.replay), articles=args.articles)


def article_json(article) -> dict:
    from dataclasses import asdict

    return {
        "url": article.url,
        "canonical_url": article.canonical_url,
        "title": article.title,
        "published_at": article.published_at.isoformat() if article.published_at else None,
        "published_origin": article.published_origin,
        "outlet": article.outlet,
        "author": article.author,
        "body": article.body,
        "images": [asdict(i) for i in article.images],
        "site": article.site,
        "extractor": article.extractor,
        "field_origins": article.field_origins,
        "encoding": article.encoding,
        "low_quality": article.low_quality,
        "quality_reasons": article.quality_reasons,
        "notes": article.notes,
    }


def cmd_classify(args) -> int:
    from monitor.classify import classify, flags_to_dict

    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            title, body = str(record.get("title") or ""), str(record.get("body") or "")
        except (json.JSONDecodeError, AttributeError):
            raise CommandError(f"standard input line {number} is not a JSON object "
                               f'{{"title", "body"}}: {line.strip()[:60]!r}') from None
        result = flags_to_dict(classify(title, body))
        if "id" in record:
            result = {"id": record["id"], **result}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return EXIT_OK


def cmd_reprocess(args) -> int:
    from monitor.reprocess import reprocess

    settings = _settings(args)
    sources = {s.name: s for s in load_sources(settings.get("MONITOR_SOURCES"))}
    storage = _existing_storage(settings)
    try:
        report = reprocess(storage, sources)
    finally:
        storage.close()
    print(f"Reprocessed {report.articles} stored article(s); "
          f"flags changed on {len(report.flag_changes)}.")
    for change in report.flag_changes:
        print(f"  #{change.article_id} {change.title}: "
              f"{','.join(change.before) or 'none'} -> {','.join(change.after) or 'none'}")
    return EXIT_OK


def cmd_stories(args) -> int:
    from monitor.digest import TZ, day_bounds, outlet_name, source_titles, today

    settings = _settings(args)
    day = _day(args.date) if args.date else today()
    start, end = day_bounds(day)
    storage = _existing_storage(settings)
    try:
        views = storage.stories(first_seen_from=start, first_seen_to=end,
                                flagged_only=args.flagged)
    finally:
        storage.close()
    try:
        titles = source_titles(load_sources(settings.get("MONITOR_SOURCES")))
    except ConfigError:  # the names shown fall back to the sites' host names
        titles = {}
    words = _words(settings)
    print(words("stories_seen", count=len(views), day=day,
                stories="story" if len(views) == 1 else "stories"))
    for view in views:
        flags = words.list_sep.join(map(words.topic, view.flag_names)) or words("not_flagged")
        print(f"\n#{view.story.id} [{flags}] {view.representative.title}")
        for member in view.members:
            mark = "*" if member is view.representative else " "
            when = (member.published_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M")
                    if member.published_at else words("date_unknown"))
            outlet = outlet_name(member, titles)
            quality = words.paren(words("low_quality")) if member.low_quality else ""
            print(f"  {mark} {outlet} · {when} · {member.canonical_url or member.url}{quality}")
    return EXIT_OK


def cmd_serve(args) -> int:
    """The reviewer's web page; refuses to listen beyond this machine without a token."""
    from monitor.web import ServeError, serve

    settings = _settings(args)
    try:
        serve(settings, args.host, args.port)
    except (ServeError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:  # the port is taken, the address is not this machine's...
        raise CommandError(f"cannot listen on {args.host}:{args.port}: "
                           f"{exc.strerror or exc}") from exc
    return EXIT_OK


def cmd_record(args) -> int:
    from urllib.parse import urlsplit

    from monitor.savedpages import fetch_live, save_page

    for url in args.urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"{url!r} is not an http(s) URL (e.g. https://www.163.com/...)")
    if Path(args.to).exists() and not Path(args.to).is_dir():
        raise CommandError(f"--to {args.to} is a file, not a folder")
    failures = 0
    for url in args.urls:
        try:
            page = fetch_live(url)
        except (OSError, ValueError) as exc:
            print(f"could not fetch {url}: {exc}", file=sys.stderr)
            failures += 1
            continue
        folder = save_page(page, Path(args.to))
        print(f"saved {url} (HTTP {page.status}, {len(page.body)} bytes) -> {folder}")
    return EXIT_FAILED_SOURCES if failures else EXIT_OK


# ---------------------------------------------------------------- parser


class OneLineParser(argparse.ArgumentParser):
    """argparse, with a mistake on the command line answered in one line (exit 2)."""

    def error(self, message):
        raise CommandError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="monitor",
        description="Monitor Chinese news about medical aid and hospital cooperation.",
    )
    parser.add_argument("--sources-file", metavar="TOML",
                        help="sources file (default: $MONITOR_SOURCES or ./sources.toml)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def crawl_options(p):
        p.add_argument("--source", action="append", metavar="NAME",
                       help="crawl only this source (repeatable; default: all enabled)")
        p.add_argument("--replay", metavar="DIR",
                       help="serve saved pages from DIR on 127.0.0.1 instead of the live sites")
        p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE",
                       help="a Scrapy or MONITOR_* setting for this crawl (repeatable), e.g. "
                       "-s MONITOR_CONCURRENCY=32 -s DOWNLOAD_DELAY=0")

    def digest_options(p, formats):
        p.add_argument("--format", choices=formats, default="text")
        p.add_argument("--out", metavar="FILE", help="write the digest to FILE")
        deliver = p.add_mutually_exclusive_group()
        deliver.add_argument("--send", action="store_true",
                             help="deliver the digest (Apprise, mail, webhooks)")
        deliver.add_argument("--record", action="store_true",
                             help="count the printed digest as read: its stories are not new "
                             "any more")

    p = commands.add_parser("crawl", help="crawl the sources and store new articles")
    crawl_options(p)
    p.add_argument("--report", metavar="FILE", help=argparse.SUPPRESS)  # for run_cycle
    p.set_defaults(func=cmd_crawl)

    p = commands.add_parser(
        "run", help="crawl the due sources, then print the digest (what cron calls)",
        description="One cycle for cron: crawl the sources whose schedule says a run is due "
        "(in a child process killed after MONITOR_CRAWL_TIME_LIMIT), check their health, "
        "print the digest of what is new since the last one (--send: deliver it). Exit 0 "
        "when all went well, 1 with one line per failed source or failed delivery.")
    crawl_options(p)
    p.add_argument("--all", action="store_true", help="crawl every enabled source, due or not")
    digest_options(p, formats=["text", "md", "json", "html"])
    p.set_defaults(func=cmd_run)

    p = commands.add_parser(
        "schedule", help="run the scheduler daemon (one job per source, plus the digest)",
        description="Run APScheduler with one job per enabled source (its schedule, "
        "Asia/Shanghai) and the daily digest job, kept in the database. Each crawl runs in a "
        "child process; SIGTERM stops cleanly.")
    p.add_argument("--replay", metavar="DIR", help="crawl saved pages from DIR (demo, tests)")
    p.set_defaults(func=cmd_schedule)

    p = commands.add_parser(
        "dispatch", help="distributed mode: claim the due sources, queue them in Redis",
        description="Claim the sources that are due (each once, whichever machine runs it) "
        "in the PostgreSQL database and queue their start requests in Redis for the "
        "workers. Needs MONITOR_REDIS_URL and a PostgreSQL MONITOR_DATABASE_URL.")
    p.add_argument("--all", action="store_true", help="every enabled source, due or not")
    p.add_argument("--source", action="append", metavar="NAME",
                   help="this source, due or not (repeatable)")
    p.add_argument("--replay", metavar="DIR",
                   help="only the sources with saved start pages in DIR (demo, tests)")
    p.set_defaults(func=cmd_dispatch)

    p = commands.add_parser(
        "worker", help="distributed mode: crawl the requests queued in Redis",
        description="A crawl worker of the cluster: takes requests from Redis, stores "
        "articles with the usual pipelines, adds its counts to the dispatched run records. "
        "Runs until SIGTERM, or with --until-idle until the queue has been empty that long.")
    p.add_argument("--replay", metavar="DIR",
                   help="serve saved pages from DIR on 127.0.0.1 instead of the live sites")
    p.add_argument("--until-idle", type=float, metavar="SECONDS",
                   help="exit once the queue has been empty this long (cron, tests)")
    p.set_defaults(func=cmd_worker)

    p = commands.add_parser("health", help="the health checks of every source's runs")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=cmd_health)

    p = commands.add_parser("db", help="database schema migrations (Alembic)")
    p.add_argument("action", choices=["upgrade", "downgrade", "current", "revision"],
                   help="upgrade [REVISION] (default: newest), downgrade REVISION, current, "
                   "revision -m MESSAGE (write the next migration from the models)")
    p.add_argument("revision", nargs="?", metavar="REVISION")
    p.add_argument("-m", "--message", help="what the new revision does")
    p.set_defaults(func=cmd_db)

    p = commands.add_parser(
        "digest", help="the new flagged stories since the last digest (or of a day); --send",
        description="The flagged stories new since the last digest that was sent or recorded "
        "(the first time: since the start of today, Asia/Shanghai), one entry per story, "
        "newest first, with the source runs and failing health checks. --send delivers it "
        "(MONITOR_NOTIFY, MONITOR_SMTP_*, MONITOR_WEBHOOK_*); only a digest that reached "
        "every channel marks its stories as sent. --format atom: a feed of the last "
        "MONITOR_FEED_DAYS days.")
    window = p.add_mutually_exclusive_group()
    window.add_argument("--date", metavar="YYYY-MM-DD",
                        help="the stories first seen on this day (Asia/Shanghai)")
    window.add_argument("--since", metavar="TIME",
                        help="the stories first seen since this ISO date or time "
                        "(Asia/Shanghai unless it has an offset)")
    digest_options(p, formats=["text", "md", "json", "html", "atom"])
    p.set_defaults(func=cmd_digest)

    p = commands.add_parser(
        "review", help="record a reviewer's verdict on a flagged story",
        description="Record whether story ID (the #number of a digest entry, the same in "
        "every output) is relevant; later digests and the web page show it, "
        "`monitor export --reviewed` exports it.")
    p.add_argument("id", type=int, metavar="ID", help="the story's number (#ID in the digest)")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--relevant", dest="verdict", action="store_const", const="relevant")
    verdict.add_argument("--irrelevant", dest="verdict", action="store_const",
                         const="irrelevant")
    p.add_argument("--topic", action="append", default=[],
                   choices=["medical_aid", "sister_hospital"],
                   help="with --relevant: what it is about (repeatable; default: its flags)")
    p.add_argument("--note", help="why, in a few words")
    p.add_argument("--reviewer", default=os.environ.get("MONITOR_REVIEWER")
                   or os.environ.get("USER"),
                   help="who reviews (default: $MONITOR_REVIEWER, else $USER)")
    p.set_defaults(func=cmd_review)

    p = commands.add_parser(
        "export", help="flagged or reviewed articles as labelled JSON lines",
        description="One JSON line per flagged article (--reviewed: per reviewed story), in "
        "the format of tests/data/flagging-dev.jsonl with the reviewers' labels, so that "
        "`python -m bench.flagging FILE` measures the flagging rules against them.")
    p.add_argument("--reviewed", action="store_true", help="only the reviewed stories")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(func=cmd_export)

    p = commands.add_parser("sources", help="list the configured sources and check the file")
    p.set_defaults(func=cmd_sources)

    p = commands.add_parser("extract", help="print the article extracted from a saved page")
    p.add_argument("file", metavar="FILE", help="raw HTML file, or a saved-page folder")
    p.add_argument("--url", help="the page's original URL (required for a raw file)")
    p.add_argument("--kind", choices=["netease", "chinanews", "university", "generic"],
                   help="site kind (default: detected from the URL and the page)")
    p.add_argument("--content-type", help="the HTTP Content-Type the page was served with")
    p.set_defaults(func=cmd_extract)

    p = commands.add_parser(
        "check", help="what the monitor finds on a source (or a list URL): links, dates, fields"
    )
    p.add_argument("target", metavar="SOURCE|URL", help="a source's name, or a list page URL")
    p.add_argument("--replay", metavar="DIR", help="read pages from this saved-page folder")
    p.add_argument("--articles", type=int, default=3, metavar="N",
                   help="how many of the links to extract (default 3)")
    p.set_defaults(func=cmd_check)

    p = commands.add_parser(
        "classify", help="flag JSON lines {title, body} from stdin; one JSON line out per input"
    )
    p.set_defaults(func=cmd_classify)

    p = commands.add_parser(
        "reprocess", help="re-run cleaning, dates and flagging over every stored raw page"
    )
    p.set_defaults(func=cmd_reprocess)

    p = commands.add_parser("stories", help="list the stories of a day and their copies")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="day first seen (default today)")
    p.add_argument("--flagged", action="store_true", help="only stories with a flag")
    p.set_defaults(func=cmd_stories)

    p = commands.add_parser(
        "serve", help="the reviewer's web page: digest, stories, search, health, verdicts",
        description="Serve the reviewer's web page: the digest (?date=, ?since=), each "
        "story with every copy, a search over the stored articles, the sources' health, "
        "and two buttons per story recording a verdict in one click. Listens on 127.0.0.1; "
        "another address needs MONITOR_SERVE_TOKEN.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (8080)")
    p.set_defaults(func=cmd_serve)

    p = commands.add_parser("record", help="save live pages in the saved-page format")
    p.add_argument("urls", nargs="+", metavar="URL")
    p.add_argument("--to", required=True, metavar="DIR", help="folder to save into")
    p.set_defaults(func=cmd_record)
    return parser


@contextmanager
def _sources_env(sources_file: str | None):
    """``--sources-file`` as ``MONITOR_SOURCES`` while a command runs, for what reads the
    settings itself (the digest's health checks)."""
    previous = os.environ.get("MONITOR_SOURCES")
    if sources_file:
        os.environ["MONITOR_SOURCES"] = sources_file
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MONITOR_SOURCES", None)
        else:
            os.environ["MONITOR_SOURCES"] = previous


def main(argv: list[str] | None = None) -> int:
    """Run a command. Every mistake or fault it meets comes back here and is printed as
    one plain line (``plain_error``): the configuration, the database, a file."""
    try:
        args = build_parser().parse_args(argv)
        with _sources_env(args.sources_file):
            if args.command in ("run", "crawl", "schedule", "dispatch", "worker") \
                    and _settings(args).get("MONITOR_REDIS_URL"):
                from monitor.distributed import distributed_mode

                distributed_mode(_settings(args))  # refused on SQLite
            return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except (ConfigError, CommandError, StorageError, OSError, SQLAlchemyError) as exc:
        message = str(exc) if isinstance(exc, ConfigError) else plain_error(exc)
        print(f"monitor: error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("monitor: interrupted; everything stored so far is kept", file=sys.stderr)
        return 130
    except SystemExit as exc:
        if exc.code == 128 + 15:  # run_cycle's SIGTERM: its child crawl was ended first
            print("monitor: stopped by SIGTERM; everything stored so far is kept",
                  file=sys.stderr)
        raise


if __name__ == "__main__":
    sys.exit(main())
