"""Distributed mode on a real Redis and PostgreSQL: `monitor dispatch`, then several
`monitor worker` processes over the saved web replayed on 127.0.0.1.

No test waits on a fixed time: workers run with --until-idle and the tests wait for
their exit, or poll the database for an event, with generous bounds.
"""

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import NO_POSTGRES, POSTGRES_URL, ROOT, SITE, new_postgres_database
from sqlalchemy import create_engine, text
from test_end_to_end import expected_articles, replayed_sources

from monitor.config.sources import load_sources
from monitor.page.urls import url_key
from monitor.storage.migrations import open_storage

REDIS_URL = os.environ.get("MONITOR_TEST_REDIS_URL")
NO_REDIS = ("MONITOR_TEST_REDIS_URL is not set: run `make test`, which starts a Redis server "
            "from Debian's packages and sets it")
pytestmark = [pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES),
              pytest.mark.skipif(not REDIS_URL, reason=NO_REDIS)]

BOUND = 600  # seconds: the most any step may take on a loaded machine before it fails
LAST_LINE = re.compile(r"^worker (\S+): (\d+) pages, (\d+) new articles$")
FETCHED = re.compile(r"^worker \S+: (\d+) article page\(s\) fetched")
LOG_FILE = re.compile(r"\(full log: (.+)\)$")
# the replay server's request log (monitor.page.fetched.replay, at MONITOR_LOG_LEVEL=DEBUG)
REPLAYED = re.compile(r'replay: "GET /fetch\?url=(\S+) HTTP/[\d.]+" \d+')


def replayed_urls(log: str) -> list[str]:
    """The pages a worker's replay server was asked for, robots.txt left out."""
    urls = [unquote(m[1]) for m in REPLAYED.finditer(log)]
    return [url for url in urls if not url.endswith("/robots.txt")]


def saved_article_keys() -> set[str]:
    """The saved articles a first crawl stores (not those listed before its horizon)."""
    return {url_key(p.expected.get("canonical_url") or p.url) for p in expected_articles()}


class Worker:
    def __init__(self, process: subprocess.Popen, name: str, out):
        self.process, self.name, self.out = process, name, out

    def finish(self) -> dict:
        try:
            self.process.wait(timeout=BOUND)
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.out.seek(0)
        output = self.out.read()
        lines = output.strip().splitlines()
        last = LAST_LINE.match(lines[-1]) if lines else None
        assert self.process.returncode == 0 and last, output[-3000:]
        fetched = next(int(m[1]) for m in map(FETCHED.match, lines) if m)
        log = Path(next(m[1] for m in map(LOG_FILE.search, lines) if m))
        return {"name": self.name, "pages": int(last[2]), "new": int(last[3]),
                "articles_fetched": fetched, "output": output,
                "replayed": replayed_urls(log.read_text("utf-8", errors="replace"))}


class Cluster:
    """A fresh PostgreSQL database and a key prefix of its own on the test Redis."""

    def __init__(self, tmp_path):
        self.url, self._drop = new_postgres_database()
        self.prefix = f"test-{uuid.uuid4().hex[:10]}"
        self.tmp = tmp_path
        self.env = {**os.environ, "MONITOR_DATABASE_URL": self.url,
                    "MONITOR_REDIS_URL": REDIS_URL, "MONITOR_REDIS_PREFIX": self.prefix,
                    "MONITOR_DATA_DIR": str(tmp_path / "data"), "MONITOR_DOWNLOAD_DELAY": "0",
                    # the site slots of the worker killed mid-run free themselves after this
                    "MONITOR_DOMAIN_LEASE": "20"}

    def monitor(self, *args, **env):
        return subprocess.run([sys.executable, "-m", "monitor.cli.main", *args], cwd=ROOT,
                              env={**self.env, **env}, capture_output=True, text=True,
                              timeout=BOUND)

    def dispatch(self):
        result = self.monitor("dispatch", "--all", "--replay", str(SITE))
        assert result.returncode == 0, result.stdout + result.stderr
        return result

    def start_worker(self, name: str, until_idle: float = 10, replay: bool = True,
                     **env) -> Worker:
        """A worker on the saved site (``replay``) or on the live sources' addresses."""
        out = open(self.tmp / f"{name}-{uuid.uuid4().hex[:6]}.out", "w+", encoding="utf-8")
        process = subprocess.Popen(
            [sys.executable, "-m", "monitor.cli.main", "worker",
             *(["--replay", str(SITE)] if replay else []), "--until-idle", str(until_idle)],
            cwd=ROOT, env={**self.env, "MONITOR_WORKER_ID": name, **env}, stdout=out,
            stderr=subprocess.STDOUT, text=True, start_new_session=True)
        return Worker(process, name, out)

    def cycle(self, names: list[str], **env) -> list[dict]:
        """dispatch, then the workers at once, until each has found the queue empty."""
        self.dispatch()
        workers = [self.start_worker(name, **env) for name in names]
        return [w.finish() for w in workers]

    def rows(self, query: str, **params) -> list[dict]:
        engine = create_engine(self.url)
        try:
            with engine.connect() as connection:
                return [dict(r._mapping) for r in connection.execute(text(query), params)]
        finally:
            engine.dispose()

    def redis(self):
        import redis

        return redis.Redis.from_url(REDIS_URL)

    def flush_redis(self) -> int:
        client = self.redis()
        keys = list(client.scan_iter(f"{self.prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()
        return len(keys)

    def close(self):
        self.flush_redis()
        self._drop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("cluster"))
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def cycles(cluster):
    """Two cycles of dispatch + 3 workers, Redis flushed in between."""
    first = cluster.cycle(["w1", "w2", "w3"])
    stored_after_first = cluster.rows("select url_key from articles")
    flushed = cluster.flush_redis()
    # the second cycle's replay servers log every request they answer
    second = cluster.cycle(["w1", "w2", "w3"], MONITOR_LOG_LEVEL="DEBUG")
    return {"first": first, "second": second, "flushed": flushed,
            "stored_after_first": stored_after_first}


def test_every_saved_article_is_stored_once_and_fetched_once(cycles, cluster):
    keys = [r["url_key"] for r in cycles["stored_after_first"]]
    assert sorted(keys) == sorted(saved_article_keys())
    first = cycles["first"]
    # no article page was fetched by two workers: the cycle's dedup in Redis
    assert sum(w["articles_fetched"] for w in first) == len(keys)
    assert sum(w["new"] for w in first) == len(keys)


def test_at_least_two_workers_did_work(cycles):
    assert sum(w["pages"] > 0 for w in cycles["first"]) >= 2, \
        [(w["name"], w["pages"]) for w in cycles["first"]]


def test_the_second_cycle_fetches_list_pages_only_even_after_redis_is_flushed(cycles, cluster):
    assert cycles["flushed"] > 0  # the first cycle's dedup set was there, and is gone
    second = cycles["second"]
    # what the sites were asked for: each source's list page once, nothing else
    sources = replayed_sources()
    fetched = sorted(url for w in second for url in w["replayed"])
    assert fetched == sorted(url for s in sources for url in s.start_urls)
    assert sum(w["articles_fetched"] for w in second) == 0
    assert sum(w["new"] for w in second) == 0
    assert sum(w["pages"] for w in second) == len(fetched)
    assert len(cluster.rows("select id from articles")) == len(saved_article_keys())
    assert len(cluster.rows("select id from crawl_runs")) == 2 * len(sources)


def test_the_run_records_add_up_what_the_workers_did(cycles, cluster):
    runs = cluster.rows("select * from crawl_runs order by id")
    assert all(r["finish_reason"] == "finished" and r["finished_at"] for r in runs), runs
    first = runs[:len(replayed_sources())]
    assert sum(r["pages"] for r in first) == sum(w["pages"] for w in cycles["first"])
    assert sum(r["new_articles"] for r in first) == len(saved_article_keys())
    assert {r["source"] for r in first} == {s.name for s in replayed_sources()}
    workers = {w for r in runs for w in r["stats"]["workers"]}
    assert workers <= {"w1", "w2", "w3"} and len(workers) >= 2
    stored_runs = cluster.rows("select distinct run_id from articles")
    assert {r["run_id"] for r in stored_runs} <= {r["id"] for r in first}


def test_a_repost_joins_its_original_story_across_workers(cycles, cluster):
    (story,) = cluster.rows(
        "select story_id from articles where url like '%chinanews.com.cn/gn/2025/05-04%'")
    members = cluster.rows("select url from articles where story_id = :story",
                           story=story["story_id"])
    assert {m["url"] for m in members} >= {
        "http://www.jkzx365.com/yiwokan/2025/1217/58201.html"}


def test_dispatch_claims_nothing_that_is_not_due(cycles, cluster):
    result = cluster.monitor("dispatch", "--replay", str(SITE))
    assert result.returncode == 0, result.stderr
    assert f"Queued 0 of {len(replayed_sources())} source(s)" in result.stdout


def test_monitor_run_in_distributed_mode_dispatches_instead_of_crawling(tmp_path):
    """cron's `monitor run` on a cluster node goes through the same cycle as `monitor
    dispatch`: the due sources are claimed and queued for the workers, nothing is crawled
    here, and a second run a moment later finds them claimed."""
    cluster = Cluster(tmp_path)
    try:
        first = cluster.monitor("run", "--replay", str(SITE))
        again = cluster.monitor("run", "--replay", str(SITE))
        client = cluster.redis()
        queued = client.llen(f"{cluster.prefix}:start")
        client.close()
        articles = cluster.rows("select id from articles")
        runs = cluster.rows("select * from crawl_runs")
    finally:
        cluster.close()
    sources = replayed_sources()
    assert first.returncode == 0 and again.returncode == 0, first.stderr + again.stderr
    assert f"Queued {len(sources)} of {len(sources)} source(s)" in first.stdout, first.stdout
    assert f"Queued 0 of {len(sources)} source(s)" in again.stdout, again.stdout
    assert queued == sum(len(s.start_urls) for s in sources)
    assert articles == [] and len(runs) == len(sources)
    assert all(r["finished_at"] is None for r in runs)  # open until the workers report


def test_distributed_mode_is_refused_on_sqlite(tmp_path):
    """Every command that opens the database, the readers too: a node whose environment
    names the cluster's Redis but a SQLite database would read or write one of its own."""
    env = {**os.environ, "MONITOR_REDIS_URL": "redis://127.0.0.1:1/0",
           "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'm.db'}"}
    for command in (["dispatch"], ["worker"], ["crawl"], ["run"], ["digest"], ["health"],
                    ["stories"], ["export"], ["reprocess"], ["review", "1", "--relevant"],
                    ["db", "current"], ["serve", "--port", "0"]):
        result = subprocess.run([sys.executable, "-m", "monitor.cli.main", *command], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=BOUND)
        assert result.returncode == 2, (command, result.stdout, result.stderr)
        assert result.stderr.count("\n") == 1 and "PostgreSQL" in result.stderr, command
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "m.db").exists()
    # a command that does not open the database is not concerned
    listed = subprocess.run([sys.executable, "-m", "monitor.cli.main", "sources"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=BOUND)
    assert listed.returncode == 0, listed.stderr


def test_dispatch_says_plainly_when_redis_is_missing_or_down(postgres_url, tmp_path):
    env = {**os.environ, "MONITOR_DATABASE_URL": postgres_url,
           "MONITOR_DATA_DIR": str(tmp_path)}
    env.pop("MONITOR_REDIS_URL", None)
    run = [sys.executable, "-m", "monitor.cli.main", "dispatch", "--all"]
    missing = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=BOUND)
    assert missing.returncode == 2 and "MONITOR_REDIS_URL" in missing.stderr
    down = subprocess.run(run, cwd=ROOT, env={**env, "MONITOR_REDIS_URL": "redis://127.0.0.1:1/0"},
                          capture_output=True, text=True, timeout=BOUND)
    assert down.returncode == 2 and "cannot use Redis" in down.stderr, down.stderr
    assert down.stderr.count("\n") == 1


def test_dispatch_with_replay_queues_only_the_sources_with_saved_pages(tmp_path):
    """Workers on saved pages answer 404 for a source without any: `dispatch --replay`
    leaves such sources out (saying so) and opens no run for them; without --replay every
    enabled source is queued."""
    def queued_sources(cluster) -> list[str]:
        client = cluster.redis()
        try:
            return sorted(json.loads(r)["source"]
                          for r in client.lrange(f"{cluster.prefix}:start", 0, -1))
        finally:
            client.close()

    replayed = {s.name: s for s in replayed_sources()}
    enabled = [s for s in load_sources(ROOT / "sources.toml") if s.enabled]
    without = [s.name for s in enabled if s.name not in replayed]
    assert without  # else this test shows nothing
    cluster, live = Cluster(tmp_path / "replay"), Cluster(tmp_path / "live")
    try:
        result = cluster.monitor("dispatch", "--all", "--replay", str(SITE))
        queued = queued_sources(cluster)
        runs = cluster.rows("select source from crawl_runs")
        everything = live.monitor("dispatch", "--all")
        queued_live = queued_sources(live)
    finally:
        cluster.close()
        live.close()
    assert result.returncode == 0, result.stdout + result.stderr
    assert queued == sorted(s.name for s in replayed.values() for _ in s.start_urls)
    assert sorted(r["source"] for r in runs) == sorted(replayed)
    for name in without:
        assert re.search(rf"^\s+{re.escape(name)}\s+跳过：.*没有其起始网址的保存页面",
                         result.stdout,
                         re.M), result.stdout
    assert everything.returncode == 0, everything.stdout + everything.stderr
    assert sorted(set(queued_live)) == sorted(s.name for s in enabled)


# ---------------------------------------------------------------- a worker killed mid-run


def wait_for(condition, what: str, bound: float = BOUND):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what} after {bound} s")


def test_a_worker_killed_mid_run_loses_no_article_by_the_next_cycle(tmp_path):
    cluster = Cluster(tmp_path)
    try:
        cluster.dispatch()
        # a slow worker (one page a second), killed once it has stored an article
        victim = cluster.start_worker("victim", until_idle=BOUND,
                                      MONITOR_DOWNLOAD_DELAY="1")
        wait_for(lambda: cluster.rows("select id from articles") or victim.process.poll(),
                 "the first stored article")
        assert victim.process.poll() is None, "the victim ended before it could be killed"
        os.killpg(victim.process.pid, signal.SIGKILL)
        victim.process.wait(timeout=BOUND)
        rest = [cluster.start_worker(n) for n in ("w1", "w2")]
        for worker in rest:
            worker.finish()
        after_kill = {r["url_key"] for r in cluster.rows("select url_key from articles")}
        second = cluster.cycle(["w1", "w2"])
        stored = [r["url_key"] for r in cluster.rows("select url_key from articles")]
        assert sorted(stored) == sorted(saved_article_keys())
        assert sum(w["new"] for w in second) == len(saved_article_keys() - after_kill)
        # runs only the victim worked on were closed as interrupted by the next dispatch
        runs = cluster.rows("select * from crawl_runs order by id")
        assert all(r["finished_at"] for r in runs), runs
        assert {r["finish_reason"] for r in runs[len(replayed_sources()):]} == {"finished"}
    finally:
        cluster.close()


def test_a_long_running_worker_reads_the_horizons_again_for_each_cycle(tmp_path):
    """One worker across two dispatch cycles: in the second, each source's horizon is its
    first cycle's run (a day before it), not what the worker read when it started."""
    cluster = Cluster(tmp_path)
    sources = replayed_sources()
    try:
        cluster.dispatch()
        worker = cluster.start_worker("long", until_idle=BOUND)

        def finished_runs():
            rows = cluster.rows("select * from crawl_runs where finished_at is not null "
                                "order by id")
            return rows if worker.process.poll() is None else ["the worker ended"]

        first = wait_for(lambda: len(finished_runs()) == len(sources) and finished_runs(),
                         "the first cycle's runs")
        cluster.dispatch()
        runs = wait_for(lambda: len(finished_runs()) == 2 * len(sources) and finished_runs(),
                        "the second cycle's runs")
        worker.process.terminate()
        assert worker.finish()["new"] == len(saved_article_keys())
    finally:
        cluster.close()
    second = runs[len(sources):]
    assert {r["finish_reason"] for r in runs} == {"finished"}

    def dropped(rows, counter):
        return sum(r["stats"].get(counter, 0) for r in rows)
    # a horizon read only when the worker started would be the first cycle's again
    assert dropped(second, "skipped_old") > dropped(first, "skipped_old")
    assert dropped(second, "skipped_old") + dropped(second, "skipped_stored") >= len(
        saved_article_keys())
    assert sum(r["new_articles"] for r in second) == 0


# ---------------------------------------------------------------- the database's guarantees


def test_four_dispatchers_at_once_claim_each_source_exactly_once(postgres_url):
    from monitor.storage.database import Storage

    names = [f"source-{i:05d}" for i in range(3000)]
    open_storage(postgres_url).close()
    claimed: list[dict[str, int]] = []
    barrier = threading.Barrier(4)

    def dispatcher(number: int) -> None:
        storage = Storage(postgres_url)
        try:
            seen = storage.source_claims(names)
            barrier.wait(timeout=BOUND)
            claimed.append(storage.claim_sources(
                seen, spiders=dict.fromkeys(names, "generic"), node=f"node-{number}",
                cycle=f"cycle-{number}", now=datetime.now(UTC)))
        finally:
            storage.close()

    threads = [threading.Thread(target=dispatcher, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BOUND)
    assert len(claimed) == 4
    everything = [name for part in claimed for name in part]
    assert sorted(everything) == names  # each exactly once
    storage = Storage(postgres_url)
    try:
        runs = storage.runs()
    finally:
        storage.close()
    assert len(runs) == len(names)


class PushFails:
    """A Redis client whose RPUSH fails: the server went away after the claim was made."""

    def rpush(self, *args):
        import redis

        raise redis.ConnectionError("Error 111 connecting to 127.0.0.1:63799. "
                                    "Connection refused.")


def test_a_push_that_fails_releases_the_claim_for_the_next_dispatch(postgres_url):
    import redis

    from monitor.config.loader import load_settings
    from monitor.ops.dispatch import dispatch

    prefix = f"test-{uuid.uuid4().hex[:10]}"
    settings = load_settings(MONITOR_DATABASE_URL=postgres_url, MONITOR_REDIS_URL=REDIS_URL,
                                MONITOR_REDIS_PREFIX=prefix)
    sources = replayed_sources()
    storage = open_storage(postgres_url)
    client = redis.Redis.from_url(REDIS_URL)
    try:
        failed = dispatch(storage, PushFails(), sources, settings=settings)
        again = dispatch(storage, client, sources, settings=settings)  # not forced
        queued = client.llen(f"{prefix}:start")
        runs = storage.runs()
    finally:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
        storage.close()
    names = {s.name for s in sources}
    assert {d.source for d in failed} == names
    assert all(d.error == "could not queue the start requests in Redis: Error 111 connecting "
               "to 127.0.0.1:63799. Connection refused." for d in failed)
    # due at once again, not at the next due time of the claim that failed
    assert {d.source for d in again} == names and not any(d.error for d in again)
    assert queued == sum(len(s.start_urls) for s in sources)
    released = {r.id: r for r in runs if r.finish_reason == "not queued"}
    assert set(released) == {d.run_id for d in failed}
    assert all(r.finished_at and r.stats["last_error"] == failed[0].error
               for r in released.values())
    assert {r.source for r in runs if r.finished_at is None} == names  # the queued runs


def test_two_copies_of_a_story_stored_at_once_by_two_workers_end_in_one_story(postgres_url):
    from monitor.article.item import Article
    from monitor.judgement.dedup import dedup_keys
    from monitor.storage.database import Storage

    body = ("为深入推进医疗人才组团式援疆工作，某省第十批援疆医疗队近日抵达喀什地区第一人民医院，"
            "开展为期一年半的对口支援工作。医疗队由心内科、神经外科、儿科等十二个专业的骨干组成，"
            "将通过带教查房、手术示教和专题讲座等方式帮助受援医院提升诊疗水平，建设重点专科。")
    open_storage(postgres_url).close()
    results: dict[str, int | None] = {}
    barrier = threading.Barrier(2)

    def worker(number: int) -> None:
        storage = Storage(postgres_url)
        try:
            article = dedup_keys(Article(
                url=f"https://site{number}.example.cn/news/{number}.html", source="s",
                fetched_at=datetime.now(UTC), title="援疆医疗队抵达喀什",
                body=body if number == 1 else body + "（转载）"))
            barrier.wait(timeout=BOUND)
            results[article.url] = storage.add_article(article)
        finally:
            storage.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BOUND)
    assert len(results) == 2 and all(results.values())
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        stories = connection.execute(text("select distinct story_id from articles")).all()
    engine.dispose()
    assert len(stories) == 1


@pytest.fixture
def digest_nodes(postgres_url, tmp_path):
    """Two distributed-mode daemons posting their digests to a webhook on 127.0.0.1:
    (the receiver, the nodes)."""
    from test_delivery import Receiver

    from monitor.config.loader import load_settings
    from monitor.ops.daemon import Daemon

    receiver = Receiver()
    serving = threading.Thread(target=receiver.serve_forever, daemon=True)
    serving.start()
    settings = load_settings(
        MONITOR_DATABASE_URL=postgres_url, MONITOR_REDIS_URL=REDIS_URL,
        MONITOR_DATA_DIR=str(tmp_path), MONITOR_WEBHOOK_JSON=receiver.url("/hook"),
        MONITOR_DELIVERY_ATTEMPTS=1, MONITOR_SMTP_HOST="")
    open_storage(postgres_url).close()  # the schema, as `monitor schedule` upgrades it
    nodes = [Daemon(settings, [], distributed=True) for _ in range(2)]
    yield receiver, nodes
    for node in nodes:
        node.storage.close()
    receiver.shutdown()
    receiver.server_close()


def test_two_nodes_sending_the_daily_digest_at_once_send_it_once(digest_nodes, postgres_url):
    receiver, nodes = digest_nodes
    now = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
    written: list = []
    barrier = threading.Barrier(2)

    def digest(node) -> None:
        barrier.wait(timeout=BOUND)
        written.append(node.write_digest(now=now))

    threads = [threading.Thread(target=digest, args=(node,)) for node in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=BOUND)
    later = nodes[0].write_digest(now=now.replace(hour=5))  # same day, a restarted node
    next_day = nodes[1].write_digest(now=now.replace(day=5))
    assert len(written) == 2 and sum(path is not None for path in written) == 1
    assert later is None and next_day is not None
    assert len(receiver.requests) == 2  # one for 2026-05-04, one for 2026-05-05
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        days = connection.execute(text("select day from daily_jobs order by day")).all()
        sent = connection.execute(text("select count(*) from digests where status = 'sent'"))
        assert [str(d[0]) for d in days] == ["2026-05-04", "2026-05-05"]
        assert sent.scalar() == 2
    engine.dispose()


def test_a_digest_day_is_done_only_when_every_channel_delivered(digest_nodes, postgres_url):
    receiver, nodes = digest_nodes
    receiver.script["/hook"] = [(500, {"errcode": 1, "errmsg": "down"})]  # then 200
    now = datetime(2026, 5, 4, 0, 0, tzinfo=UTC)
    failed = nodes[0].write_digest(now=now)  # the channel answers 500
    retried = nodes[1].write_digest(now=now.replace(minute=1))  # the day is still open
    after = nodes[0].write_digest(now=now.replace(hour=5))
    assert failed is not None and retried is not None and after is None
    assert len(receiver.requests) == 2
    engine = create_engine(postgres_url)
    with engine.connect() as connection:
        statuses = connection.execute(text("select status from digests order by id")).all()
        days = connection.execute(text("select day from daily_jobs")).all()
    engine.dispose()
    assert [s[0] for s in statuses] == ["failed", "sent"]
    assert [str(d[0]) for d in days] == ["2026-05-04"]


def test_schedule_in_distributed_mode_dispatches_on_every_node(postgres_url, tmp_path):
    from monitor.config.loader import load_settings
    from monitor.config.sources import load_sources
    from monitor.ops.daemon import Daemon

    prefix = f"test-{uuid.uuid4().hex[:10]}"
    settings = load_settings(MONITOR_DATABASE_URL=postgres_url, MONITOR_REDIS_URL=REDIS_URL,
                             MONITOR_REDIS_PREFIX=prefix, MONITOR_DATA_DIR=str(tmp_path))
    open_storage(postgres_url).close()  # the schema, as `monitor schedule` upgrades it
    nodes = [Daemon(settings, load_sources(ROOT / "sources.toml"), distributed=True)
             for _ in range(2)]
    try:
        assert set(nodes[0].desired_jobs()) == {"dispatch", "digest"}
        first = nodes[0].run_dispatch()
        second = nodes[1].run_dispatch()  # a moment later on another node: nothing is due
    finally:
        for node in nodes:
            node.storage.close()
    enabled = [s for s in load_sources(ROOT / "sources.toml") if s.enabled]
    assert {q.source for q in first} == {s.name for s in enabled} and second == []
    client = __import__("redis").Redis.from_url(REDIS_URL)
    try:
        queued = client.llen(f"{prefix}:start")
        client.delete(*client.scan_iter(f"{prefix}:*"))
    finally:
        client.close()
    assert queued == sum(len(s.start_urls) for s in enabled)
