"""Scrapy project settings. Monitor settings are ``MONITOR_*``; each can be overridden by an
environment variable of the same name (or ``-s NAME=value`` on the scrapy command line)."""

import os
import shutil

# ---------------------------------------------------------------- monitor settings


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _number(kind, name: str, default: str):
    value = _env(name, default)
    try:
        return kind(value)
    except ValueError:
        words = "a whole number" if kind is int else "a number"
        raise ValueError(f"{name}={value!r} is not {words}") from None


def _float(name: str, default: str) -> float:
    return _number(float, name, default)


def _int(name: str, default: str) -> int:
    return _number(int, name, default)


MONITOR_DATA_DIR = _env("MONITOR_DATA_DIR", "data")
MONITOR_DATABASE_URL = _env("MONITOR_DATABASE_URL", f"sqlite:///{MONITOR_DATA_DIR}/monitor.db")
MONITOR_SOURCES = _env("MONITOR_SOURCES", "sources.toml")
# replay saved pages from this folder instead of the network (see monitor/replay.py)
MONITOR_REPLAY_DIR = _env("MONITOR_REPLAY_DIR", "")
# list pages are followed until they reach articles older than the horizon: the last
# successful run minus this many days
MONITOR_HORIZON_DAYS = _float("MONITOR_HORIZON_DAYS", "1")
# before a source's first successful run: the list page's fetch time minus this many days
MONITOR_FIRST_RUN_DAYS = _float("MONITOR_FIRST_RUN_DAYS", "7")
# the browser for JavaScript pages; found on PATH when not set
MONITOR_BROWSER = _env("MONITOR_BROWSER", "") or next(
    filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), ""
)
# article links taken from one list page, in list order (newest first); the rest are cut
# and counted in the run record (a list of thousands of links would eat the time limit)
MONITOR_MAX_LINKS_PER_LIST = _int("MONITOR_MAX_LINKS_PER_LIST", "200")
# crawl logs (<MONITOR_DATA_DIR>/logs/crawl-*.log) older than this many days are deleted
MONITOR_LOG_KEEP_DAYS = _float("MONITOR_LOG_KEEP_DAYS", "14")
MONITOR_PROGRESS = _env("MONITOR_PROGRESS", "1") == "1"  # one line per source on stdout

# ---------------------------------------------------------------- operations
# (monitor.scheduler, monitor.locks, monitor.health)

# a crawl started by `monitor run` or `monitor schedule` runs in a child process that is
# ended after this many seconds (SIGTERM, then SIGKILL after the grace time)
MONITOR_CRAWL_TIME_LIMIT = _float("MONITOR_CRAWL_TIME_LIMIT", "1800")
MONITOR_CRAWL_KILL_GRACE = _float("MONITOR_CRAWL_KILL_GRACE", "10")
# per-source file locks; default <MONITOR_DATA_DIR>/locks
MONITOR_LOCK_DIR = _env("MONITOR_LOCK_DIR", "")
# `monitor run`: an "every N" schedule counts as due this many seconds early, so that cron
# calls a few seconds apart from the last run's start do not skip a whole period
MONITOR_DUE_SLACK = _float("MONITOR_DUE_SLACK", "300")
# `monitor schedule`: crawls at once; a run missed by more than the misfire grace time
# (seconds) is skipped, missed runs within it are coalesced into one
MONITOR_SCHEDULER_WORKERS = _int("MONITOR_SCHEDULER_WORKERS", "4")
MONITOR_MISFIRE_GRACE = _int("MONITOR_MISFIRE_GRACE", "3600")
# the daemon writes the digest of the previous day to <MONITOR_DATA_DIR>/digests
MONITOR_DIGEST_SCHEDULE = _env("MONITOR_DIGEST_SCHEDULE", "0 8 * * *")
# health checks (monitor/health.py)
# a source has gone quiet when its silence is longer than QUIET_FACTOR × its usual gap
# between days with new articles (counted at most QUIET_MAX_GAP_DAYS) and than
# QUIET_MIN_DAYS days; judged once it has new articles on QUIET_HISTORY_DAYS days
MONITOR_HEALTH_QUIET_FACTOR = _float("MONITOR_HEALTH_QUIET_FACTOR", "3")
MONITOR_HEALTH_QUIET_MIN_DAYS = _float("MONITOR_HEALTH_QUIET_MIN_DAYS", "5")
MONITOR_HEALTH_QUIET_MAX_GAP_DAYS = _float("MONITOR_HEALTH_QUIET_MAX_GAP_DAYS", "30")
MONITOR_HEALTH_QUIET_HISTORY_DAYS = _int("MONITOR_HEALTH_QUIET_HISTORY_DAYS", "5")
MONITOR_HEALTH_MAX_ERROR_RATE = _float("MONITOR_HEALTH_MAX_ERROR_RATE", "0.5")
MONITOR_HEALTH_COVERAGE_DROP = _float("MONITOR_HEALTH_COVERAGE_DROP", "0.3")
MONITOR_HEALTH_COVERAGE_ARTICLES = _int("MONITOR_HEALTH_COVERAGE_ARTICLES", "5")

# ---------------------------------------------------------------- distributed mode
# (monitor.distributed) MONITOR_REDIS_URL with a PostgreSQL database switches it on

MONITOR_REDIS_URL = _env("MONITOR_REDIS_URL", "")
# every Redis key of the cluster starts with this (several clusters can share one Redis)
MONITOR_REDIS_PREFIX = _env("MONITOR_REDIS_PREFIX", "medcoop")
# the per-cycle dedup sets of requests in flight expire after this many seconds
MONITOR_REDIS_SEEN_TTL = int(_env("MONITOR_REDIS_SEEN_TTL", "86400"))
# `monitor worker`: its name in run records and output (default host-pid)
MONITOR_WORKER_ID = _env("MONITOR_WORKER_ID", "")
# `monitor schedule` in distributed mode: when each node dispatches the due sources
MONITOR_DISPATCH_SCHEDULE = _env("MONITOR_DISPATCH_SCHEDULE", "every 1m")

# ---------------------------------------------------------------- digest delivery
# (monitor.delivery: `monitor digest --send`); nothing is sent where nothing is set

# Apprise URLs, separated by spaces (mailtos://…, feishu://…, tgram://…, wecombot://…,
# dingtalk://…): mail gets the HTML digest, the others the Markdown message
MONITOR_NOTIFY = _env("MONITOR_NOTIFY", "")
# mail: the HTML digest with a plain-text alternative; MONITOR_SMTP_TO is a comma-separated
# list; security: starttls (port 587), ssl (implicit TLS, port 465) or none (a local relay)
MONITOR_SMTP_HOST = _env("MONITOR_SMTP_HOST", "")
MONITOR_SMTP_PORT = _int("MONITOR_SMTP_PORT", "587")
MONITOR_SMTP_SECURITY = _env("MONITOR_SMTP_SECURITY", "starttls")
MONITOR_SMTP_USER = _env("MONITOR_SMTP_USER", "")
MONITOR_SMTP_PASSWORD = _env("MONITOR_SMTP_PASSWORD", "")
MONITOR_SMTP_FROM = _env("MONITOR_SMTP_FROM", "")
MONITOR_SMTP_TO = _env("MONITOR_SMTP_TO", "")
# a CA bundle (PEM) for a server certificate the system does not trust
MONITOR_SMTP_CAFILE = _env("MONITOR_SMTP_CAFILE", "")
# webhooks, each a space- or comma-separated list of URLs: generic JSON (the digest's JSON
# with a Markdown text), WeCom group bots (…/cgi-bin/webhook/send?key=…), DingTalk group
# bots (…/robot/send?access_token=…, signed when the bot has a 加签 secret)
MONITOR_WEBHOOK_JSON = _env("MONITOR_WEBHOOK_JSON", "")
MONITOR_WEBHOOK_WECOM = _env("MONITOR_WEBHOOK_WECOM", "")
MONITOR_WEBHOOK_DINGTALK = _env("MONITOR_WEBHOOK_DINGTALK", "")
MONITOR_WEBHOOK_DINGTALK_SECRET = _env("MONITOR_WEBHOOK_DINGTALK_SECRET", "")
# each channel is tried this many times, waiting the delay (seconds, doubled each time)
MONITOR_DELIVERY_ATTEMPTS = _int("MONITOR_DELIVERY_ATTEMPTS", "3")
MONITOR_DELIVERY_RETRY_DELAY = _float("MONITOR_DELIVERY_RETRY_DELAY", "10")
MONITOR_DELIVERY_TIMEOUT = _float("MONITOR_DELIVERY_TIMEOUT", "30")
# the Atom feed (`monitor digest --format atom`): the days it covers, and the URL it is
# published at (its self link), if any
MONITOR_FEED_DAYS = _float("MONITOR_FEED_DAYS", "7")
MONITOR_FEED_URL = _env("MONITOR_FEED_URL", "")
# where the daemon writes the Atom feed; default <MONITOR_DATA_DIR>/feed.atom
MONITOR_FEED_FILE = _env("MONITOR_FEED_FILE", "")

# ---------------------------------------------------------------- the reviewer's outputs
# (monitor.labels, monitor.web)

# the digest's and web page's labels: zh (Chinese) or en (English)
MONITOR_LANGUAGE = _env("MONITOR_LANGUAGE", "zh")
# the web page's public address (`monitor serve` behind a proxy), for links from the digest,
# the bots' messages and the feed to each story's page; none: no links
MONITOR_PUBLIC_URL = _env("MONITOR_PUBLIC_URL", "")
# `monitor serve`: required (as ?token=… once, or an Authorization: Bearer header) when it
# listens on another address than the loopback one; checked there too when set
MONITOR_SERVE_TOKEN = _env("MONITOR_SERVE_TOKEN", "")

# ---------------------------------------------------------------- extraction
# (monitor.extract)

# a page (fetched, replayed or saved) is cut at this many bytes before it is parsed, and the
# cut is noted on the article; the download limit is MONITOR_MAX_PAGE_BYTES below
MONITOR_MAX_PARSE_BYTES = int(_env("MONITOR_MAX_PARSE_BYTES", "5000000"))

# ---------------------------------------------------------------- scrapy

BOT_NAME = "medcoop-monitor"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
USER_AGENT = _env(
    "MONITOR_USER_AGENT", "Mozilla/5.0 (compatible; medcoop-monitor/0.1; news monitoring)"
)

# politeness: robots.txt, one or two requests at a time per site, adaptive delay
# (AutoThrottle: the delay follows each site's response times). Raise the concurrency only
# for sites that allow it (`monitor crawl -s NAME=VALUE` sets any Scrapy setting too).
MONITOR_CONCURRENCY = _int("MONITOR_CONCURRENCY", "8")  # requests at once in all
MONITOR_CONCURRENCY_PER_DOMAIN = _int("MONITOR_CONCURRENCY_PER_DOMAIN", "2")  # per site
MONITOR_AUTOTHROTTLE = _env("MONITOR_AUTOTHROTTLE", "1")  # 1 / 0 (true / false)
# processes extracting articles besides the crawl process (0: the crawl process does it;
# monitor.crawling.extraction): at most the machine's spare cores
MONITOR_EXTRACT_PROCESSES = _int("MONITOR_EXTRACT_PROCESSES", "0")
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = MONITOR_CONCURRENCY
CONCURRENT_REQUESTS_PER_DOMAIN = MONITOR_CONCURRENCY_PER_DOMAIN
# seconds between two downloads of one site (in distributed mode: across all workers)
MONITOR_DOWNLOAD_DELAY = _float("MONITOR_DOWNLOAD_DELAY", "0.5")
# distributed mode: a worker's per-site download slot in Redis is freed after this many
# seconds at the latest (the slots of a killed worker; downloads end after DOWNLOAD_TIMEOUT)
MONITOR_DOMAIN_LEASE = _float("MONITOR_DOMAIN_LEASE", "120")
DOWNLOAD_DELAY = MONITOR_DOWNLOAD_DELAY
AUTOTHROTTLE_ENABLED = MONITOR_AUTOTHROTTLE.strip().lower() in ("1", "true")
# items of one response processed at once: a page gives one article and the pipelines are
# synchronous, and Scrapy starts this many tasks for every response (default 100)
CONCURRENT_ITEMS = 4
AUTOTHROTTLE_START_DELAY = DOWNLOAD_DELAY
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# failures: time-outs, retries with back-off, a maximum page size
DOWNLOAD_TIMEOUT = _int("MONITOR_DOWNLOAD_TIMEOUT", "30")
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = _int("MONITOR_MAX_PAGE_BYTES", str(10 * 1024 * 1024))
DOWNLOAD_WARNSIZE = 3 * 1024 * 1024

# JavaScript pages through scrapy-playwright and the system browser
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "monitor.crawling.download_handler.MonitorDownloadHandler",
    "https": "monitor.crawling.download_handler.MonitorDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "headless": True,
    "args": [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ],
    **({"executable_path": MONITOR_BROWSER} if MONITOR_BROWSER else {}),
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000
PLAYWRIGHT_MAX_PAGES_PER_CONTEXT = 2

# ---------------------------------------------------------------- components

# a redirect back to a URL already requested is a redirect loop, counted as an error
DUPEFILTER_CLASS = "monitor.crawling.dupefilter.RedirectLoopDupeFilter"
SPIDER_MIDDLEWARES = {
    # stop following list pages once they reach articles older than the horizon
    "monitor.crawling.horizon.HorizonMiddleware": 550,
    # then drop the links to articles already stored (one query per list page)
    "monitor.crawling.skip_stored.SkipStoredMiddleware": 540,
}
ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.unusable.UnusablePipeline": 150,
    "pipelines.dates.DatesPipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.classify.ClassifyPipeline": 400,
    "pipelines.store.StorePipeline": 500,
}
EXTENSIONS = {
    "monitor.crawling.run_record.RunRecorder": 100,
    "monitor.crawling.progress.ProgressReporter": 200,
    "scrapy.extensions.telnet.TelnetConsole": None,
}

LOG_LEVEL = _env("MONITOR_LOG_LEVEL", "INFO")
LOG_FORMATTER = "monitor.crawling.logformatter.MonitorLogFormatter"
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl NAME -O items.jsonl`: articles with their raw page as text
FEED_EXPORTERS = {
    "json": "monitor.crawling.feeds.JsonExporter",
    "jsonlines": "monitor.crawling.feeds.JsonLinesExporter",
    "jsonl": "monitor.crawling.feeds.JsonLinesExporter",
    "csv": "monitor.crawling.feeds.CsvExporter",
    "xml": "monitor.crawling.feeds.XmlExporter",
}
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
