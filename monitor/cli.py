"""The ``monitor`` command: crawl, run, digest, sources, extract, classify, record."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from monitor.config import ConfigError, Source, get_source, load_sources
from monitor.storage import Storage, StorageError

EXIT_OK, EXIT_FAILED_SOURCES, EXIT_USAGE = 0, 1, 2


class CommandError(Exception):
    """A problem the user can fix; printed as one plain line."""


# ---------------------------------------------------------------- helpers


def _settings(args):
    from monitor.crawl import project_settings

    return project_settings(
        MONITOR_REPLAY_DIR=getattr(args, "replay", None),
        MONITOR_SOURCES=getattr(args, "sources_file", None),
    )


def _storage(settings) -> Storage:
    return Storage.from_settings(settings)


def _pick_sources(args, settings) -> list[Source]:
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    if args.source:
        return [get_source(sources, name) for name in args.source]
    return [s for s in sources if s.enabled]


# ---------------------------------------------------------------- commands


def cmd_crawl(args) -> int:
    from monitor.crawl import crawl_sources, log_file_path, replayable

    settings = _settings(args)
    sources = _pick_sources(args, settings)
    if args.replay:
        if not Path(args.replay).is_dir():
            raise CommandError(f"replay folder {args.replay} does not exist")
        sources, skipped = replayable(sources, args.replay)
        for source in skipped:
            print(f"  {source.name:<22} skipped: no saved page for its start URLs in {args.replay}")
        if not sources:
            raise CommandError(f"none of the selected sources has saved pages in {args.replay}")
    log_file = log_file_path(settings)
    settings.set("LOG_FILE", str(log_file), priority="cmdline")
    mode = f"saved pages in {args.replay}" if args.replay else "the live sites"
    print(f"Crawling {len(sources)} source(s) from {mode} (full log: {log_file})", flush=True)
    results = crawl_sources(sources, settings)
    failed = [r for r in results if r.failed]
    total_new = sum(r.new_articles for r in results)
    print(f"Done: {total_new} new article(s) stored; {len(failed)} source(s) failed.")
    for result in failed:
        print(f"FAILED {result.one_line()}", file=sys.stderr)
    return EXIT_FAILED_SOURCES if failed else EXIT_OK


def cmd_digest(args) -> int:
    from monitor.digest import RENDERERS, build_digest, today

    settings = _settings(args)
    day = date.fromisoformat(args.date) if args.date else today()
    storage = _storage(settings)
    try:
        print(RENDERERS[args.format](build_digest(storage, day)))
    finally:
        storage.close()
    return EXIT_OK


def cmd_run(args) -> int:
    code = cmd_crawl(args)
    print()
    args.date = None
    cmd_digest(args)
    return code


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
        page = Page.from_saved(load_page(path))
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
        except (json.JSONDecodeError, AttributeError) as exc:
            print(json.dumps({"line": number, "error": f"not a JSON object: {exc}"}), flush=True)
            continue
        result = flags_to_dict(classify(title, body))
        if "id" in record:
            result = {"id": record["id"], **result}
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return EXIT_OK


def cmd_reprocess(args) -> int:
    from monitor.reprocess import reprocess

    settings = _settings(args)
    sources = {s.name: s for s in load_sources(settings.get("MONITOR_SOURCES"))}
    storage = _storage(settings)
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


def cmd_record(args) -> int:
    from monitor.savedpages import fetch_live, save_page

    failures = 0
    for url in args.urls:
        try:
            page = fetch_live(url)
        except OSError as exc:
            print(f"could not fetch {url}: {exc}", file=sys.stderr)
            failures += 1
            continue
        folder = save_page(page, Path(args.to))
        print(f"saved {url} (HTTP {page.status}, {len(page.body)} bytes) -> {folder}")
    return EXIT_FAILED_SOURCES if failures else EXIT_OK


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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

    p = commands.add_parser("crawl", help="crawl the sources and store new articles")
    crawl_options(p)
    p.set_defaults(func=cmd_crawl)

    p = commands.add_parser("run", help="crawl, then print today's digest (what cron calls)")
    crawl_options(p)
    p.add_argument("--format", choices=["text", "md", "json"], default="text")
    p.set_defaults(func=cmd_run)

    p = commands.add_parser("digest", help="print the new flagged articles of a day")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="day (Asia/Shanghai; default today)")
    p.add_argument("--format", choices=["text", "md", "json"], default="text")
    p.set_defaults(func=cmd_digest)

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
        "classify", help="flag JSON lines {title, body} from stdin; one JSON line out per input"
    )
    p.set_defaults(func=cmd_classify)

    p = commands.add_parser(
        "reprocess", help="re-run cleaning, dates and flagging over every stored raw page"
    )
    p.set_defaults(func=cmd_reprocess)

    p = commands.add_parser("record", help="save live pages in the saved-page format")
    p.add_argument("urls", nargs="+", metavar="URL")
    p.add_argument("--to", required=True, metavar="DIR", help="folder to save into")
    p.set_defaults(func=cmd_record)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, CommandError, StorageError) as exc:
        print(f"monitor: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        print("monitor: interrupted; everything stored so far is kept", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
