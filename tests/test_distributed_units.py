"""Distributed mode's Redis pieces on fakeredis (no server needed): the per-cycle dedup of
requests in flight and the refusal of SQLite."""

import fakeredis
import pytest
from scrapy import Request
from scrapy.settings import Settings

from monitor.crawling.cluster import Keys, distributed_mode
from monitor.crawling.worker import CycleDupeFilter
from monitor.errors import ConfigError


def test_requests_in_flight_are_deduplicated_per_cycle_and_the_sets_expire():
    server = fakeredis.FakeRedis()
    dupefilter = CycleDupeFilter(server, key="p:seen")
    dupefilter.ttl = 600
    first = Request("https://www.chinanews.com.cn/gn/2025/05-04/1.shtml", meta={"cycle": "c1"})
    assert not dupefilter.request_seen(first)
    assert dupefilter.request_seen(first.replace())  # another source of the cycle links it
    assert not dupefilter.request_seen(first.replace(meta={"cycle": "c2"}))  # next cycle
    assert 0 < server.ttl("p:seen:c1") <= 600
    server.flushall()  # Redis lost: the cycle fetches the page once more, nothing else
    assert not dupefilter.request_seen(first)


def test_distributed_mode_needs_postgresql():
    assert not distributed_mode(Settings({"MONITOR_DATABASE_URL": "sqlite:///x.db"}))
    with pytest.raises(ConfigError, match="PostgreSQL"):
        distributed_mode(Settings({"MONITOR_REDIS_URL": "redis://127.0.0.1/0",
                                   "MONITOR_DATABASE_URL": "sqlite:///x.db"}))
    assert distributed_mode(Settings({"MONITOR_REDIS_URL": "redis://127.0.0.1/0",
                                      "MONITOR_DATABASE_URL": "postgresql+psycopg://m@/m"}))


def test_every_key_of_a_cluster_has_its_prefix():
    keys = Keys("east")
    assert {keys.start, keys.requests, keys.seen, keys.workers} == {
        "east:start", "east:requests", "east:seen", "east:workers"}
    assert all(key.startswith("east:") for key in keys.domain("www.163.com"))
