"""The reviewer's commands: ``digest`` (print, write, send), ``review``, ``export``,
``stories``, ``serve``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.cli.common import (
    EXIT_FAILED_SOURCES,
    EXIT_OK,
    CommandError,
    existing_storage,
    open_storage_for,
    parse_day,
    reviewer,
)
from monitor.config.sources import load_sources
from monitor.digest.build import TZ, day_bounds, outlet_name, parse_since, source_titles, today
from monitor.digest.delivery import DeliveryConfig, DeliveryError, record, send_digest
from monitor.digest.labels import labels_for
from monitor.digest.render import RENDERERS, render_atom, stream_html
from monitor.errors import ConfigError
from monitor.ops.digests import digest_with_health
from monitor.ops.review import ReviewError, flagged_rows, review, reviewed_rows
from monitor.ops.web import ServeError, check_serve, serve


def cmd_digest(args, settings) -> int:
    """Print (or write) the digest; with --send deliver it, with --record mark it as read.
    Exit 1 when a delivery failed (its stories stay new for the next digest)."""


    day = parse_day(args.date) if args.date else None
    try:
        since = parse_since(args.since) if getattr(args, "since", None) else None
    except ValueError:
        raise CommandError(f"--since {args.since!r} is not a date or time (expected "
                           "YYYY-MM-DD or YYYY-MM-DDTHH:MM)") from None
    if args.format == "atom" and day is None and since is None:  # a feed: its recent entries
        since = datetime.now(UTC) - timedelta(days=settings.getfloat("MONITOR_FEED_DAYS"))
    config = delivery_config(args, settings)
    check_out(args)
    storage = existing_storage(settings)
    try:
        digest = digest_with_health(storage, settings, day, since=since)
    finally:
        storage.close()
    return emit_digest(digest, args, settings, config)


def delivery_config(args, settings):
    """With --send: the delivery channels, refused before anything is done when there is
    none or one is misconfigured."""
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


def check_out(args) -> None:
    """--out FILE must be writable where it is: its folder exists and is a folder."""
    out = getattr(args, "out", None)
    if not out:
        return
    folder = Path(out).resolve().parent
    if not folder.is_dir():
        raise CommandError(f"--out {out}: folder {folder} does not exist")
    if Path(out).is_dir():
        raise CommandError(f"--out {out} is a folder; give a file name")


def emit_digest(digest, args, settings, config) -> int:
    """Print or write ``digest`` in ``args.format``; deliver it (--send) or record it as
    read (--record). Exit 1 when a channel failed."""
    fmt, out = args.format, getattr(args, "out", None)
    try:
        write_digest(digest, fmt, out, settings)
    except OSError as exc:
        if out is None or isinstance(exc, BrokenPipeError):
            raise
        raise CommandError(f"could not write {out}: {exc.strerror or exc}") from exc
    if config is None and not getattr(args, "record", False):
        return EXIT_OK
    storage = open_storage_for(settings)
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


def write_digest(digest, fmt: str, out: str | None, settings) -> None:
    """Print the digest, or write it to ``out``; streamed as it is rendered."""
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


def cmd_review(args, settings) -> int:
    storage = existing_storage(settings)
    try:
        verdict, story = review(storage, args.id, args.verdict, topics=args.topic,
                                reviewer=reviewer(args, settings), note=args.note)
    except ReviewError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        storage.close()
    words, copies = labels_for(settings), len(story.members)
    topics = words.list_sep.join(words.topic(t) for t in verdict.topics)
    print(words("review_done", id=args.id, title=story.representative.title,
                copies=words.paren(words("copies_count", count=copies)) if copies > 1 else "",
                verdict=words.verdict(verdict.verdict),
                topics=words.paren(topics) if topics else "",
                by=words.list_sep + words("by", who=verdict.reviewer) if verdict.reviewer
                else ""))
    return EXIT_OK


def cmd_export(args, settings) -> int:
    check_out(args)
    storage = existing_storage(settings)
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


def cmd_stories(args, settings) -> int:
    day = parse_day(args.date) if args.date else today()
    start, end = day_bounds(day)
    storage = existing_storage(settings)
    try:
        views = storage.stories(first_seen_from=start, first_seen_to=end,
                                flagged_only=args.flagged)
    finally:
        storage.close()
    try:
        titles = source_titles(load_sources(settings.get("MONITOR_SOURCES")))
    except ConfigError:  # the names shown fall back to the sites' host names
        titles = {}
    words = labels_for(settings)
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


def cmd_serve(args, settings) -> int:
    """The reviewer's web page; refuses to listen beyond this machine without a token."""
    try:
        check_serve(settings, args.host, args.port)
        storage = existing_storage(settings)  # as `monitor digest`: no new, empty database
        try:
            serve(settings, args.host, args.port, storage)
        finally:
            storage.close()
    except (ServeError, ValueError) as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:  # the port is taken, the address is not this machine's...
        raise CommandError(f"cannot listen on {args.host}:{args.port}: "
                           f"{exc.strerror or exc}") from exc
    return EXIT_OK
