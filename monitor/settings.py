"""The project's settings: literal defaults only, as Scrapy's ``default_settings.py``.

Monitor settings are ``MONITOR_*``. Nothing here reads the environment: the one loader
(``monitor.config.loader``) applies ``MONITOR_*`` environment variables and ``-s NAME=VALUE``
options, checks every value against the type of its default, and derives what follows from
them (the Scrapy settings below that follow a ``MONITOR_*`` one, the browser, the paths).
``scrapy crawl`` goes through the same loader (the ``ADDONS`` entry at the end).
"""

# ---------------------------------------------------------------- monitor settings

MONITOR_DATA_DIR = "data"
# empty: sqlite:///<MONITOR_DATA_DIR>/monitor.db (monitor.config.paths)
MONITOR_DATABASE_URL = ""
MONITOR_SOURCES = "sources.toml"
# replay saved pages from this folder instead of the network (see monitor/replay.py)
MONITOR_REPLAY_DIR = ""
# list pages are followed until they reach articles older than the horizon: the last
# successful run minus this many days
MONITOR_HORIZON_DAYS = 1.0
# before a source's first successful run: the list page's fetch time minus this many days
MONITOR_FIRST_RUN_DAYS = 7.0
# the browser for JavaScript pages; found on PATH when not set
MONITOR_BROWSER = ""
# article links taken from one list page, in list order (newest first); the rest are cut
# and counted in the run record (a list of thousands of links would eat the time limit)
MONITOR_MAX_LINKS_PER_LIST = 200
# crawl logs (<MONITOR_DATA_DIR>/logs/crawl-*.log) older than this many days are deleted
MONITOR_LOG_KEEP_DAYS = 14.0
MONITOR_PROGRESS = True  # one line per source on stdout
# `monitor backfill`: a date (YYYY-MM-DD, Asia/Shanghai) that is every source's horizon in
# this crawl: articles listed before it are not followed, and a list is followed back until
# a page whose every dated item is older; empty: the usual horizon
MONITOR_BACKFILL_SINCE = ""
# list pages followed per source and start URL (0: each source's own max_list_pages)
MONITOR_MAX_LIST_PAGES = 0

# ---------------------------------------------------------------- operations
# (monitor.ops: schedules, child, cycle, daemon, locks, health)

# a crawl started by `monitor run` or `monitor schedule` runs in a child process that is
# ended after this many seconds (SIGTERM, then SIGKILL after the grace time)
MONITOR_CRAWL_TIME_LIMIT = 1800.0
MONITOR_CRAWL_KILL_GRACE = 10.0
# per-source file locks; default <MONITOR_DATA_DIR>/locks
MONITOR_LOCK_DIR = ""
# `monitor run`: an "every N" schedule counts as due this many seconds early, so that cron
# calls a few seconds apart from the last run's start do not skip a whole period
MONITOR_DUE_SLACK = 300.0
# `monitor schedule`: crawls at once; a run missed by more than the misfire grace time
# (seconds) is skipped, missed runs within it are coalesced into one
MONITOR_SCHEDULER_WORKERS = 4
MONITOR_MISFIRE_GRACE = 3600
# the daemon writes the digest of the previous day to <MONITOR_DATA_DIR>/digests
MONITOR_DIGEST_SCHEDULE = "0 8 * * *"
# health checks (monitor/health.py)
# a source has gone quiet when its silence is longer than QUIET_FACTOR × its usual gap
# between days with new articles (counted at most QUIET_MAX_GAP_DAYS) and than
# QUIET_MIN_DAYS days; judged once it has new articles on QUIET_HISTORY_DAYS days
MONITOR_HEALTH_QUIET_FACTOR = 3.0
MONITOR_HEALTH_QUIET_MIN_DAYS = 5.0
MONITOR_HEALTH_QUIET_MAX_GAP_DAYS = 30.0
MONITOR_HEALTH_QUIET_HISTORY_DAYS = 5
MONITOR_HEALTH_MAX_ERROR_RATE = 0.5
MONITOR_HEALTH_COVERAGE_DROP = 0.3
MONITOR_HEALTH_COVERAGE_ARTICLES = 5

# ---------------------------------------------------------------- distributed mode
# (monitor.crawling.cluster) MONITOR_REDIS_URL with a PostgreSQL database switches it on

MONITOR_REDIS_URL = ""
# every Redis key of the cluster starts with this (several clusters can share one Redis)
MONITOR_REDIS_PREFIX = "medcoop"
# the per-cycle dedup sets of requests in flight expire after this many seconds
MONITOR_REDIS_SEEN_TTL = 86400
# `monitor worker`: its name in run records and output (default host-pid)
MONITOR_WORKER_ID = ""
# `monitor schedule` in distributed mode: when each node dispatches the due sources
MONITOR_DISPATCH_SCHEDULE = "every 1m"

# ---------------------------------------------------------------- digest delivery
# (monitor.digest.delivery: `monitor digest --send`); nothing is sent where nothing is set

# Apprise URLs, separated by spaces (mailtos://…, feishu://…, tgram://…, wecombot://…,
# dingtalk://…): mail gets the HTML digest, the others the Markdown message
MONITOR_NOTIFY = ""
# mail: the HTML digest with a plain-text alternative; MONITOR_SMTP_TO is a comma-separated
# list; security: starttls (port 587), ssl (implicit TLS, port 465) or none (a local relay)
MONITOR_SMTP_HOST = ""
MONITOR_SMTP_PORT = 587
MONITOR_SMTP_SECURITY = "starttls"
MONITOR_SMTP_USER = ""
MONITOR_SMTP_PASSWORD = ""
MONITOR_SMTP_FROM = ""
MONITOR_SMTP_TO = ""
# a CA bundle (PEM) for a server certificate the system does not trust
MONITOR_SMTP_CAFILE = ""
# webhooks, each a space- or comma-separated list of URLs: generic JSON (the digest's JSON
# with a Markdown text), WeCom group bots (…/cgi-bin/webhook/send?key=…), DingTalk group
# bots (…/robot/send?access_token=…, signed when the bot has a 加签 secret)
MONITOR_WEBHOOK_JSON = ""
MONITOR_WEBHOOK_WECOM = ""
MONITOR_WEBHOOK_DINGTALK = ""
MONITOR_WEBHOOK_DINGTALK_SECRET = ""
# each channel is tried this many times, waiting the delay (seconds, doubled each time)
MONITOR_DELIVERY_ATTEMPTS = 3
MONITOR_DELIVERY_RETRY_DELAY = 10.0
MONITOR_DELIVERY_TIMEOUT = 30.0
# the Atom feed (`monitor digest --format atom`): the days it covers, and the URL it is
# published at (its self link), if any
MONITOR_FEED_DAYS = 7.0
MONITOR_FEED_URL = ""
# where the daemon writes the Atom feed; default <MONITOR_DATA_DIR>/feed.atom
MONITOR_FEED_FILE = ""

# `monitor review` and the web page's verdicts: the reviewer's name (empty: the login name)
MONITOR_REVIEWER = ""
# distributed mode: this node's name in claims and daily jobs (empty: host-pid)
MONITOR_NODE_ID = ""

# ---------------------------------------------------------------- the reviewer's outputs
# (monitor.digest.labels, monitor.ops.web)

# the digest's and web page's labels: zh (Chinese) or en (English)
MONITOR_LANGUAGE = "zh"
# the web page's public address (`monitor serve` behind a proxy), for links from the digest,
# the bots' messages and the feed to each story's page; none: no links
MONITOR_PUBLIC_URL = ""
# `monitor serve`: required (as ?token=… once, or an Authorization: Bearer header) when it
# listens on another address than the loopback one; checked there too when set
MONITOR_SERVE_TOKEN = ""

# ---------------------------------------------------------------- extraction
# (monitor.extraction.chain)

# a page (fetched, replayed or saved) is cut at this many bytes before it is parsed, and the
# cut is noted on the article; the download limit is MONITOR_MAX_PAGE_BYTES below
MONITOR_MAX_PARSE_BYTES = 5_000_000

# ---------------------------------------------------------------- scrapy

BOT_NAME = "medcoop-monitor"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
MONITOR_USER_AGENT = "Mozilla/5.0 (compatible; medcoop-monitor/0.1; news monitoring)"

# politeness: robots.txt, one or two requests at a time per site, adaptive delay
# (AutoThrottle: the delay follows each site's response times). Raise the concurrency only
# for sites that allow it (`monitor crawl -s NAME=VALUE` sets any Scrapy setting too).
MONITOR_CONCURRENCY = 8  # requests at once in all
MONITOR_CONCURRENCY_PER_DOMAIN = 2  # per site
MONITOR_AUTOTHROTTLE = True  # 1 / 0 (true / false)
# processes extracting articles besides the crawl process (0: the crawl process does it;
# monitor.crawling.extraction): at most the machine's spare cores
MONITOR_EXTRACT_PROCESSES = 0
ROBOTSTXT_OBEY = True
# seconds between two downloads of one site (in distributed mode: across all workers)
MONITOR_DOWNLOAD_DELAY = 0.5
# distributed mode: a worker's per-site download slot in Redis is freed after this many
# seconds at the latest (the slots of a killed worker; downloads end after DOWNLOAD_TIMEOUT)
MONITOR_DOMAIN_LEASE = 120.0
# items of one response processed at once: a page gives one article and the pipelines are
# synchronous, and Scrapy starts this many tasks for every response (default 100)
CONCURRENT_ITEMS = 4
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# failures: time-outs (seconds), retries with back-off, a maximum page size (bytes)
MONITOR_DOWNLOAD_TIMEOUT = 30.0
MONITOR_MAX_PAGE_BYTES = 10 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
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
    # clean → unusable pages out → dates → dedup keys → flags (monitor.processing.STEPS)
    "pipelines.process.ProcessPipeline": 100,
    "pipelines.store.StorePipeline": 500,
}
EXTENSIONS = {
    "monitor.crawling.run_record.RunRecorder": 100,
    "monitor.crawling.progress.ProgressReporter": 200,
    # `scrapy crawl NAME -O items.jsonl`: how many were exported, how many left out
    "monitor.crawling.progress.FeedSummary": 210,
    "scrapy.extensions.telnet.TelnetConsole": None,
}

MONITOR_LOG_LEVEL = "INFO"
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

# `scrapy crawl` reads MONITOR_* environment variables through the same loader as `monitor`
ADDONS = {"monitor.config.loader.EnvironmentAddon": 0}
