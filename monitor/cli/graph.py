"""The cooperation graph's commands: ``partners`` (who works with whom, in text, JSON, CSV
or GraphML) and ``institutions`` (list them; a reviewer merges two or splits a name off)."""

from __future__ import annotations

import sys
from pathlib import Path

from monitor.cli.common import EXIT_OK, CommandError, existing_storage
from monitor.digest.build import parse_since
from monitor.digest.graph import render
from monitor.digest.labels import labels_for
from monitor.judgement.institutions import KINDS
from monitor.ops.partners import partners_graph, pick_institution


def since_option(text: str | None):
    if not text:
        return None
    try:
        return parse_since(text)
    except ValueError:
        raise CommandError(f"--since {text!r} is not a date or time (expected YYYY-MM-DD or "
                           "YYYY-MM-DDTHH:MM)") from None


def cmd_partners(args, settings) -> int:
    """The cooperation pairs: institution ↔ institution, relation, count, first and last
    date, story IDs, one evidence."""
    since = since_option(args.since)
    words = labels_for(settings)
    storage = existing_storage(settings)
    try:
        institution = pick_institution(storage, args.institution)
        graph = partners_graph(storage, institution=institution, relation=args.relation,
                               since=since)
    finally:
        storage.close()
    text = render(graph, args.format, words)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {args.out}: {exc.strerror}") from exc
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_institutions(args, settings) -> int:
    """List the institutions with their counts; ``merge A B``: A becomes an alias of B;
    ``split NAME``: the name becomes an institution of its own."""
    names = args.names or []
    wanted = {"list": 0, "merge": 2, "split": 1}[args.action]
    if len(names) != wanted:
        raise CommandError({"list": "`monitor institutions` takes no names (use --search)",
                            "merge": "`monitor institutions merge A B` takes two names or "
                                     "IDs: A becomes an alias of B",
                            "split": "`monitor institutions split NAME` takes one name"
                            }[args.action])
    if args.kind and args.kind not in KINDS:
        raise CommandError(f"--kind {args.kind!r}: one of {', '.join(KINDS)}")
    words = labels_for(settings)
    storage = existing_storage(settings)
    try:
        if args.action == "merge":
            into = storage.merge_institutions(names[0], names[1])
            print(words("institution.merged", name=names[0], id=into.id, into=into.name))
            return EXIT_OK
        if args.action == "split":
            new = storage.split_alias(names[0])
            print(words("institution.split", name=names[0], id=new.id))
            return EXIT_OK
        rows = storage.list_institutions(kind=args.kind, search=args.search)
        for row in rows:
            i = row.institution
            aliases = [a.name for a in storage.institution_aliases(i.id)
                       if a.name != i.name]
            place = f" · {i.place}" if i.place else ""
            also = f" ({words.list_sep.join(aliases)})" if aliases else ""
            print(f"#{i.id} {i.name}{also} · {words(f'kind.{i.kind}')}{place} · "
                  + words("institution.counts", pairs=row.partnerships, partners=row.partners,
                          stories=row.stories))
        if not rows:
            print(words("institution.none"))
    finally:
        storage.close()
    return EXIT_OK
