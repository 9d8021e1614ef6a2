"""The commands about sources and pages: ``sources``, ``check``, ``add``, ``extract``,
``classify``, ``record``."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit

from monitor.cli.common import EXIT_FAILED_SOURCES, EXIT_OK, CommandError
from monitor.config.sources import load_sources, load_watches
from monitor.judgement.flags import classify, flags_to_dict
from monitor.ops.add import AddError, append_entry, propose, report
from monitor.ops.check import Fetcher, check, exit_code, run_check, source_for
from monitor.page.fetched import Page
from monitor.page.saved import fetch_live, load_page, save_page
from monitor.processing import process_page


def cmd_sources(args, settings) -> int:
    sources = load_sources(settings.get("MONITOR_SOURCES"))
    print(f"{len(sources)} source(s) in {settings.get('MONITOR_SOURCES')}, all valid:")
    for s in sources:
        flags = ("JS " if s.javascript else "") + ("" if s.enabled else "disabled")
        print(f"  {s.name:<20} {s.kind:<10} {s.schedule:<12} {flags:<4} {s.title}")
        for url in s.start_urls:
            print(f"  {'':<20} {url}")
    watches = load_watches(settings.get("MONITOR_SOURCES"))
    if watches:
        print(f"{len(watches)} watch(es): their stories come first in the digest")
    for w in watches:
        names = [i.name + (f" ({', '.join(i.aliases)})" if i.aliases else "")
                 for i in w.institutions]
        print(f"  {w.name}: " + "; ".join(part for part in (
            "、".join(names), "、".join(w.provinces),
            "relations " + "、".join(w.relations) if w.relations else "any relation",
            f"its own channel{'s' if len(w.notify) > 1 else ''}: {len(w.notify)}"
            if w.notify else "") if part))
    return EXIT_OK


def cmd_extract(args, settings) -> int:
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
    article = process_page(page, kind=args.kind, drop_unusable=False)
    print(json.dumps(article_json(article), ensure_ascii=False, indent=2))
    return EXIT_OK


def cmd_check(args, settings) -> int:
    if args.articles < 0:
        raise CommandError(f"--articles {args.articles}: give 0 (the links only) or more")
    source = source_for(args.target, settings.get("MONITOR_SOURCES"))
    fetcher = Fetcher(args.replay, settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
    if args.format == "json":
        result = run_check(source, fetcher, articles=args.articles)
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return exit_code(result)
    return check(source, fetcher, articles=args.articles)


def cmd_add(args, settings) -> int:
    """Read a page as a new source, print what was found, append the entry (asked on a
    terminal, refused without ``--yes`` elsewhere)."""
    path = Path(settings.get("MONITOR_SOURCES"))
    sources = load_sources(path, allow_empty=True) if path.exists() else []
    if "://" not in args.url:
        raise CommandError(f"{args.url!r} is not a URL (e.g. https://www.example.edu.cn/xwzx/)")
    if args.name and not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", args.name):
        raise CommandError(f"--name {args.name!r}: lower-case letters, digits, '-' or '_'")
    fetcher = Fetcher(args.replay, settings.getdict("PLAYWRIGHT_LAUNCH_OPTIONS"))
    try:
        proposal = propose(args.url, fetcher, sources, name=args.name, title=args.title,
                           articles=args.articles)
    except AddError as error:
        raise CommandError(str(error)) from error
    for line in report(proposal):
        print(line)
    if not proposal.ok:
        print("FAILED: no article link found or no article read: nothing written (try the "
              "column's list page, or write the entry by hand with list_links selectors)",
              file=sys.stderr)
        return EXIT_FAILED_SOURCES
    print(f"\nThe entry for {path}:")
    print(proposal.entry)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError(f"not written: standard input is not a terminal; run again "
                               f"with --yes to append source {proposal.name!r} to {path}")
        answer = input(f"Append source {proposal.name!r} to {path}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Not written.")
            return EXIT_OK
    try:
        append_entry(path, proposal.entry)
    except AddError as error:
        raise CommandError(str(error)) from error
    print(f"Added source {proposal.name!r} to {path}. Next: `monitor check {proposal.name}`, "
          f"then `monitor crawl --source {proposal.name}` (or `monitor backfill "
          f"{proposal.name} --since DATE` for its past).")
    return EXIT_OK


def article_json(article) -> dict:
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


def cmd_classify(args, settings) -> int:
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


def cmd_record(args, settings) -> int:
    for url in args.urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise CommandError(f"{url!r} is not an http(s) URL (e.g. https://www.163.com/...)")
    if Path(args.to).exists() and not Path(args.to).is_dir():
        raise CommandError(f"--to {args.to} is a file, not a folder")
    failures = 0
    for url in args.urls:
        try:
            page = fetch_live(url, settings.getfloat("MONITOR_DOWNLOAD_TIMEOUT"))
        except (OSError, ValueError) as exc:
            print(f"could not fetch {url}: {exc}", file=sys.stderr)
            failures += 1
            continue
        folder = save_page(page, Path(args.to))
        print(f"saved {url} (HTTP {page.status}, {len(page.body)} bytes) -> {folder}")
    return EXIT_FAILED_SOURCES if failures else EXIT_OK
