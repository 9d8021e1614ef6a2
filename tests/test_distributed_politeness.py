"""Per-domain politeness across the workers of a cluster (``monitor.crawling.domain_slots``),
on the real test Redis: the slots themselves, then 3 workers crawling two sites on
127.0.0.1 and 127.0.0.2 whose servers count the requests they are handling at once."""

import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from scrapy.settings import Settings
from test_distributed import NO_REDIS, REDIS_URL, Cluster, wait_for
from test_faults import article_html, list_html

from monitor.crawling.cluster import Keys
from monitor.crawling.domain_slots import DomainSlots

LIMIT = 2  # MONITOR_CONCURRENCY_PER_DOMAIN in these tests
ARTICLES = 6  # per source
SOURCES = 3  # per site


@pytest.fixture
def slots():
    import redis

    if not REDIS_URL:
        pytest.skip(NO_REDIS)
    client = redis.Redis.from_url(REDIS_URL)
    keys = Keys(f"test-{uuid.uuid4().hex[:10]}")
    yield lambda **kw: DomainSlots(client, keys, **{"limit": 1, "delay": 0, "lease": 60, **kw})
    for key in client.scan_iter(f"{keys.prefix}:*"):
        client.delete(key)
    client.close()


def test_a_domain_has_at_most_its_limit_of_slots_and_a_given_back_slot_is_free_again(slots):
    cluster = slots(limit=2)
    assert cluster.take("a.example.cn", "1") == 0
    assert cluster.take("a.example.cn", "2") == 0
    assert cluster.take("a.example.cn", "3") > 0  # full: wait
    assert cluster.take("b.example.cn", "4") == 0  # another domain has its own slots
    cluster.give_back("a.example.cn", "1")
    assert cluster.take("a.example.cn", "3") == 0


def test_two_slots_of_a_domain_are_granted_the_download_delay_apart(slots):
    cluster = slots(limit=5, delay=60)
    assert cluster.take("a.example.cn", "1") == 0
    cluster.give_back("a.example.cn", "1")
    wait = cluster.take("a.example.cn", "2")  # a slot is free, but not the time
    assert 0 < wait <= 60
    assert cluster.take("b.example.cn", "3") == 0


def test_the_slot_of_a_killed_worker_frees_itself_when_its_lease_expires(slots):
    cluster = slots(limit=1, lease=0.5)
    assert cluster.take("a.example.cn", "killed") == 0  # never given back
    assert cluster.take("a.example.cn", "next") > 0
    wait_for(lambda: cluster.take("a.example.cn", "next") == 0, "the lease to expire")


def test_settings_give_the_slots_their_limits():
    settings = Settings({"MONITOR_CONCURRENCY_PER_DOMAIN": "3", "MONITOR_DOWNLOAD_DELAY": "1.5",
                         "MONITOR_DOMAIN_LEASE": "90"})
    cluster = DomainSlots.from_settings(settings, client=FakeScripts())
    assert (cluster.limit, cluster.delay_ms, cluster.lease_ms) == (3, 1500, 90_000)


class FakeScripts:
    def register_script(self, script):
        return script


# ---------------------------------------------------------------- 3 workers, two sites


class CountingSite:
    """A news site on one loopback address: a list page per source linking its articles.
    Each request is counted as being handled from its arrival until just before its answer
    is written (so never after the worker could have its answer), held ``HOLD`` seconds."""

    HOLD = 0.2

    def __init__(self, host: str):
        self.host, self.lock = host, threading.Lock()
        self.name = host.replace(".", "-")
        self.handling = self.most = self.requests = 0
        self.pages: dict[str, bytes] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with site.lock:
                    site.handling += 1
                    site.requests += 1
                    site.most = max(site.most, site.handling)
                time.sleep(site.HOLD)
                body = site.pages.get(self.path.split("?")[0])
                with site.lock:
                    site.handling -= 1
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://{host}:{self.server.server_port}"

    def add_source(self, number: int) -> str:
        paths = [f"/s{number}/a{k}.htm" for k in range(ARTICLES)]
        self.pages[f"/s{number}/list.htm"] = list_html(paths)
        for k, path in enumerate(paths):
            self.pages[path] = article_html(number * 100 + k)
        return (f'[[source]]\nname = "site-{self.name}-{number}"\nkind = "generic"\n'
                f'start_urls = ["{self.base}/s{number}/list.htm"]\n'
                'selectors = { list_links = "ul.news li" }\n')

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.skipif(not REDIS_URL, reason=NO_REDIS)
def test_three_workers_never_send_a_site_more_requests_at_once_than_its_limit(tmp_path):
    sites = [CountingSite("127.0.0.1"), CountingSite("127.0.0.2")]
    sources = tmp_path / "sources.toml"
    sources.write_text("\n".join(site.add_source(n) for site in sites for n in range(SOURCES)),
                       "utf-8")
    cluster = Cluster(tmp_path)
    cluster.env.update({"MONITOR_SOURCES": str(sources),
                        "MONITOR_CONCURRENCY_PER_DOMAIN": str(LIMIT),
                        "MONITOR_DOMAIN_LEASE": "600"})  # no lease expires mid-download
    try:
        result = cluster.monitor("dispatch", "--all")
        assert result.returncode == 0, result.stdout + result.stderr
        workers = [cluster.start_worker(name, replay=False) for name in ("w1", "w2", "w3")]
        done = [worker.finish() for worker in workers]
        stored = cluster.rows("select url from articles")
    finally:
        cluster.close()
        for site in sites:
            site.close()
    assert len(stored) == len(sites) * SOURCES * ARTICLES
    assert sum(w["pages"] > 0 for w in done) >= 2, [(w["name"], w["pages"]) for w in done]
    for site in sites:
        assert site.requests >= SOURCES * (ARTICLES + 1)
        assert 1 <= site.most <= LIMIT, (site.host, site.most)


def test_the_worker_settings_turn_the_slots_on_and_the_local_delay_off():
    from monitor.config.loader import load_settings
    from monitor.crawling.worker import worker_settings

    settings = worker_settings(load_settings(MONITOR_REDIS_URL="redis://127.0.0.1:1/0"))
    assert "monitor.crawling.domain_slots.DomainSlotMiddleware" in settings.getdict(
        "DOWNLOADER_MIDDLEWARES")
    assert settings.getfloat("DOWNLOAD_DELAY") == 0
    assert not settings.getbool("AUTOTHROTTLE_ENABLED")
    plain = load_settings()
    assert "monitor.crawling.domain_slots.DomainSlotMiddleware" not in plain.getdict(
        "DOWNLOADER_MIDDLEWARES")

