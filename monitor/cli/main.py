"""The ``monitor`` command: run, crawl, backfill, schedule, dispatch, worker, health, db, digest,
review, export, serve, sources, check, add, extract, classify, reprocess, record.

The parser is ``monitor.cli.parser``; each command group is a module here (``crawling``,
``digest``, ``database``, ``pages``) that parses nothing and prints what its command says.
Every mistake or fault comes back to ``main`` and is printed as one plain line."""

from __future__ import annotations

import importlib
import sys

from sqlalchemy.exc import SQLAlchemyError

from monitor.cli.common import EXIT_OK, EXIT_USAGE, load
from monitor.cli.parser import build_parser
from monitor.errors import MonitorError, plain_error

# the commands that open the database: in distributed mode they refuse SQLite
DATABASE_COMMANDS = ("run", "crawl", "backfill", "schedule", "dispatch", "worker", "health",
                     "db", "digest", "review", "export", "reprocess", "stories", "serve")


def main(argv: list[str] | None = None) -> int:
    """Run a command; its exit code. Every mistake or fault it meets comes back here and is
    printed as one plain line (``plain_error``): the configuration, the database, a file."""
    try:
        args = build_parser().parse_args(argv)
        settings = load(args)
        if args.command in DATABASE_COMMANDS and settings.get("MONITOR_REDIS_URL"):
            # start-up: Redis's client is imported only in distributed mode
            from monitor.crawling.cluster import distributed_mode

            distributed_mode(settings)  # refused on SQLite
        group, function = args.handler.split(":")
        # start-up: only the command's own group (and what it needs) is imported
        handler = getattr(importlib.import_module(f"monitor.cli.{group}"), function)
        return handler(args, settings)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except (MonitorError, OSError, SQLAlchemyError) as exc:
        print(f"monitor: error: {plain_error(exc)}", file=sys.stderr)
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
