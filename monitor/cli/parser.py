"""The command line: every command and its options. Each command names its handler as
``module:function`` in ``monitor.cli``, imported only when it runs."""

from __future__ import annotations

import argparse

from monitor.cli.common import CommandError, story_id
from monitor.config.kinds import KINDS, RELATIONS
from monitor.judgement.institutions import KINDS as INSTITUTION_KINDS


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
                        help="sources file (default: MONITOR_SOURCES, else ./sources.toml)")
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
    p.set_defaults(handler="crawling:cmd_crawl")

    p = commands.add_parser(
        "backfill", help="a source's past: walk its list pages back to a date and store it",
        description="Walk the source's list pages back (next page after next page) until a "
        "page whose every dated item is older than --since, and store the articles listed "
        "since that date as a crawl does (same pipelines, source lock, run record, "
        "politeness), with one line per list page. Articles already stored are never "
        "fetched again: a backfill that was stopped (Ctrl-C, SIGTERM, --max-pages) resumes "
        "where it stopped when run again; its list pages are read again.")
    p.add_argument("source", metavar="SOURCE", help="the source's name")
    p.add_argument("--since", required=True, metavar="YYYY-MM-DD",
                   help="the oldest publication day wanted (Asia/Shanghai)")
    p.add_argument("--max-pages", type=int, default=50, metavar="N",
                   help="list pages read at most, per start URL (default 50)")
    p.add_argument("--replay", metavar="DIR",
                   help="serve saved pages from DIR on 127.0.0.1 instead of the live sites")
    p.add_argument("-s", "--set", action="append", metavar="NAME=VALUE",
                   help="a Scrapy or MONITOR_* setting for this crawl (repeatable)")
    p.set_defaults(handler="crawling:cmd_backfill")

    p = commands.add_parser(
        "run", help="crawl the due sources, then print the digest (what cron calls)",
        description="One cycle for cron: crawl the sources whose schedule says a run is due "
        "(in a child process killed after MONITOR_CRAWL_TIME_LIMIT), check their health, "
        "print the digest of what is new since the last one (--send: deliver it). Exit 0 "
        "when all went well, 1 with one line per failed source or failed delivery.")
    crawl_options(p)
    p.add_argument("--all", action="store_true", help="crawl every enabled source, due or not")
    digest_options(p, formats=["text", "md", "json", "html"])
    p.set_defaults(handler="crawling:cmd_run")

    p = commands.add_parser(
        "schedule", help="run the scheduler daemon (one job per source, plus the digest)",
        description="Run APScheduler with one job per enabled source (its schedule, "
        "Asia/Shanghai) and the daily digest job, kept in the database. Each crawl runs in a "
        "child process; SIGTERM stops cleanly.")
    p.add_argument("--replay", metavar="DIR", help="crawl saved pages from DIR (demo, tests)")
    p.set_defaults(handler="crawling:cmd_schedule")

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
    p.set_defaults(handler="crawling:cmd_dispatch")

    p = commands.add_parser(
        "worker", help="distributed mode: crawl the requests queued in Redis",
        description="A crawl worker of the cluster: takes requests from Redis, stores "
        "articles with the usual pipelines, adds its counts to the dispatched run records. "
        "Runs until SIGTERM, or with --until-idle until the queue has been empty that long.")
    p.add_argument("--replay", metavar="DIR",
                   help="serve saved pages from DIR on 127.0.0.1 instead of the live sites")
    p.add_argument("--until-idle", type=float, metavar="SECONDS",
                   help="exit once the queue has been empty this long (cron, tests)")
    p.set_defaults(handler="crawling:cmd_worker")

    p = commands.add_parser("health", help="the health checks of every source's runs")
    p.add_argument("--source", action="append", metavar="NAME", help="only this source")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler="database:cmd_health")

    p = commands.add_parser("db", help="database schema migrations (Alembic)")
    p.add_argument("action", choices=["upgrade", "downgrade", "current", "revision"],
                   help="upgrade [REVISION] (default: newest), downgrade REVISION, current, "
                   "revision -m MESSAGE (write the next migration from the models)")
    p.add_argument("revision", nargs="?", metavar="REVISION")
    p.add_argument("-m", "--message", help="what the new revision does")
    p.set_defaults(handler="database:cmd_db")

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
    p.set_defaults(handler="digest:cmd_digest")

    p = commands.add_parser(
        "review", help="record a reviewer's verdict on a flagged story",
        description="Record whether story ID (the #number of a digest entry, the same in "
        "every output) is relevant; later digests and the web page show it, "
        "`monitor export --reviewed` exports it.")
    p.add_argument("id", type=story_id, metavar="ID",
                   help="the story's number (#ID in the digest; 4 or '#4')")
    verdict = p.add_mutually_exclusive_group(required=True)
    verdict.add_argument("--relevant", dest="verdict", action="store_const", const="relevant")
    verdict.add_argument("--irrelevant", dest="verdict", action="store_const",
                         const="irrelevant")
    p.add_argument("--topic", action="append", default=[],
                   choices=["medical_aid", "sister_hospital"],
                   help="with --relevant: what it is about (repeatable; default: its flags)")
    p.add_argument("--note", help="why, in a few words")
    p.add_argument("--reviewer",
                   help="who reviews (default: MONITOR_REVIEWER, else the login name)")
    p.set_defaults(handler="digest:cmd_review")

    p = commands.add_parser(
        "export", help="flagged or reviewed articles as labelled JSON lines",
        description="One JSON line per flagged article (--reviewed: per reviewed story), in "
        "the format of tests/data/flagging-dev.jsonl with the reviewers' labels, so that "
        "`python -m bench.flagging FILE` measures the flagging rules against them.")
    p.add_argument("--reviewed", action="store_true", help="only the reviewed stories")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(handler="digest:cmd_export")

    p = commands.add_parser("sources", help="list the configured sources and check the file")
    p.set_defaults(handler="pages:cmd_sources")

    p = commands.add_parser("extract", help="print the article extracted from a saved page")
    p.add_argument("file", metavar="FILE", help="raw HTML file, or a saved-page folder")
    p.add_argument("--url", help="the page's original URL (required for a raw file)")
    p.add_argument("--kind", choices=list(KINDS),
                   help="site kind (default: detected from the URL and the page)")
    p.add_argument("--content-type", help="the HTTP Content-Type the page was served with")
    p.set_defaults(handler="pages:cmd_extract")

    p = commands.add_parser(
        "check", help="what the monitor finds on a source (or a list URL): links, dates, fields"
    )
    p.add_argument("target", metavar="SOURCE|URL", help="a source's name, or a list page URL")
    p.add_argument("--replay", metavar="DIR", help="read pages from this saved-page folder")
    p.add_argument("--articles", type=int, default=3, metavar="N",
                   help="how many of the links to extract (default 3; 0: the links only)")
    p.add_argument("--format", choices=["text", "json"], default="text",
                   help="json: {links, next_pages, articles (fields and their rules), "
                   "warnings} for scripts")
    p.set_defaults(handler="pages:cmd_check")

    p = commands.add_parser(
        "add", help="a new source from a list (or article) page's address",
        description="Fetch the page (or read it from saved pages), tell a list page from an "
        "article page (an article's column is found through its breadcrumb), detect the "
        "list, its dates, its next page and the feeds the page announces, extract the first "
        "articles, print what was found, then append a commented [[source]] entry to the "
        "sources file (asked first on a terminal; --yes elsewhere). Institutions (hospitals, "
        "universities, health commissions) and any other news site.")
    p.add_argument("url", metavar="URL", help="a list page (or an article page) of the site")
    p.add_argument("--name", help="the source's name (default: host and column, e.g. "
                   "dmu-gzdt)")
    p.add_argument("--title", help="the outlet's own name (default: the site's name as its "
                   "pages give it)")
    p.add_argument("--replay", metavar="DIR", help="read pages from this saved-page folder")
    p.add_argument("--articles", type=int, default=3, metavar="N",
                   help="how many articles to extract for the report (default 3)")
    p.add_argument("--yes", action="store_true", help="append the entry without asking")
    p.set_defaults(handler="pages:cmd_add")

    p = commands.add_parser(
        "classify", help="flag JSON lines {title, body} from stdin; one JSON line out per input"
    )
    p.set_defaults(handler="pages:cmd_classify")

    p = commands.add_parser(
        "reprocess", help="re-run cleaning, dates and flagging over every stored raw page"
    )
    p.set_defaults(handler="database:cmd_reprocess")

    p = commands.add_parser("stories", help="list the stories of a day and their copies")
    p.add_argument("--date", metavar="YYYY-MM-DD", help="day first seen (default today)")
    p.add_argument("--flagged", action="store_true", help="only stories with a flag")
    p.set_defaults(handler="digest:cmd_stories")

    p = commands.add_parser(
        "serve", help="the reviewer's web page: digest, stories, search, health, verdicts",
        description="Serve the reviewer's web page: the digest (?date=, ?since=), each "
        "story with every copy, a search over the stored articles, the sources' health, "
        "and two buttons per story recording a verdict in one click. Listens on 127.0.0.1; "
        "another address needs MONITOR_SERVE_TOKEN.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (8080)")
    p.set_defaults(handler="digest:cmd_serve")

    p = commands.add_parser(
        "partners", help="who works with whom: the cooperation pairs between institutions",
        description="The partner pairs of the stored flagged articles summed up per pair of "
        "institutions and relation: institution ↔ institution, relation, how many stories, "
        "first and last date, the story IDs and one evidence. --format graphml gives a graph "
        "for yEd or Gephi (nodes: institutions with kind and place; edges: relation, weight, "
        "stories).")
    p.add_argument("--institution", metavar="NAME",
                   help="only the pairs of this institution (any of its names, or #ID)")
    p.add_argument("--relation", choices=RELATIONS, help="only this relation")
    p.add_argument("--since", metavar="DATE",
                   help="only stories published since this ISO date or time (Asia/Shanghai)")
    p.add_argument("--format", choices=["text", "json", "csv", "graphml"], default="text")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.set_defaults(handler="graph:cmd_partners")

    p = commands.add_parser(
        "institutions", help="the institutions with their counts; merge two, split a name off",
        description="List the institutions (one per normalised name, with the short forms "
        "the texts resolved as aliases) with their partnerships, partners and stories. "
        "`merge A B`: A becomes an alias of B (its partnerships B's); `split NAME`: the name "
        "becomes an institution of its own, with the partnerships whose article wrote it.")
    p.add_argument("action", nargs="?", choices=["list", "merge", "split"], default="list")
    p.add_argument("names", nargs="*", metavar="NAME", help="names or #IDs")
    p.add_argument("--kind", choices=INSTITUTION_KINDS, help="only institutions of this kind")
    p.add_argument("--search", metavar="TEXT", help="only those with a name holding TEXT")
    p.set_defaults(handler="graph:cmd_institutions")

    p = commands.add_parser("record", help="save live pages in the saved-page format")
    p.add_argument("urls", nargs="+", metavar="URL")
    p.add_argument("--to", required=True, metavar="DIR", help="folder to save into")
    p.set_defaults(handler="pages:cmd_record")
    return parser
