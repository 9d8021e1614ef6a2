"""The database's commands: ``db`` (migrations), ``health``, ``reprocess``."""

from __future__ import annotations

import json

from alembic.util import CommandError as AlembicError
from sqlalchemy.exc import SQLAlchemyError

from monitor.cli.common import (
    EXIT_FAILED_SOURCES,
    EXIT_OK,
    CommandError,
    existing_storage,
)
from monitor.cli.schema import upgrade_schema
from monitor.config.sources import get_source, load_sources
from monitor.digest import health_words
from monitor.digest.labels import labels_for
from monitor.ops.health import check_sources
from monitor.ops.locks import schema_lock
from monitor.ops.reprocess import reprocess
from monitor.storage import migrations
from monitor.storage.engine import StorageError, make_engine


def cmd_db(args, settings) -> int:
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
            before, after = migrations.upgrade(engine, lock=schema_lock(settings),
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


def cmd_health(args, settings) -> int:
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    if args.source:
        sources = [get_source(sources, name) for name in args.source]
    storage = existing_storage(settings)
    try:
        checks = check_sources(storage, sources=sources, settings=settings)
    finally:
        storage.close()
    failing = [c for c in checks if not c.ok]
    words = labels_for(settings)
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


def cmd_reprocess(args, settings) -> int:
    sources = {s.name: s for s in load_sources(settings.get("MONITOR_SOURCES"))}
    storage = existing_storage(settings)
    upgrade_schema(settings)  # the tables it fills (partnerships) may be newer than the file
    try:
        report = reprocess(storage, sources)
    finally:
        storage.close()
    print(f"Reprocessed {report.articles} stored article(s); "
          f"flags changed on {len(report.flag_changes)}; {report.partners} partner pair(s).")
    for change in report.flag_changes:
        print(f"  #{change.article_id} {change.title}: "
              f"{','.join(change.before) or 'none'} -> {','.join(change.after) or 'none'}")
    for article_id, why in report.unusable.items():
        print(f"  article {article_id} kept as it was: {why}")
    return EXIT_OK
