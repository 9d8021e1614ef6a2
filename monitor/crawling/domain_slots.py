"""Downloader middleware (distributed mode only): per-domain politeness across the cluster.

Scrapy's own limits hold per process; with several workers a site would get workers ×
``CONCURRENT_REQUESTS_PER_DOMAIN`` requests at once. So before each download a worker
takes a lease on the domain in Redis, and gives it back when the response (or the error)
comes:

- the leases of a domain are a sorted set (lease → expiry), at most
  ``MONITOR_CONCURRENCY_PER_DOMAIN`` of them; a lease expires after
  ``MONITOR_DOMAIN_LEASE`` seconds, so a SIGKILLed worker's leases free themselves;
- a lease is granted only ``MONITOR_DOWNLOAD_DELAY`` seconds after the last one of the
  domain (its next free time is a key that expires with it);
- both are decided in one Lua script on Redis's clock (one clock for every machine);
- a request that must wait waits on the reactor (a timer), never blocking it.

The worker's own per-domain delay and AutoThrottle are off (``worker_settings``): the
cluster's delay is the one that counts, and a local delay after the lease was granted
could bring two workers' downloads closer than it.
"""

from __future__ import annotations

import uuid

from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import reactor
from twisted.internet.task import deferLater

from monitor.crawling.cluster import Keys, redis_client

# KEYS: the domain's leases, its next free time. ARGV: lease id, limit, delay ms, lease ms.
# Returns 0 when the lease is taken, else how many ms to wait (-1: every slot is taken).
_TAKE = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
    return -1
end
local free_at = tonumber(redis.call('GET', KEYS[2]) or '0')
if free_at > now then
    return free_at - now
end
local lease_ms = tonumber(ARGV[4])
redis.call('ZADD', KEYS[1], now + lease_ms, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease_ms)
local delay_ms = tonumber(ARGV[3])
if delay_ms > 0 then
    redis.call('SET', KEYS[2], now + delay_ms, 'PX', delay_ms)
end
return 0
"""

LEASE_META = "monitor_domain_lease"
POLL = 0.1  # seconds between two tries while every slot of the domain is taken


class DomainSlots:
    """The cluster's per-domain slots in Redis: ``take`` one (or learn how long to wait),
    ``give_back`` it."""

    def __init__(self, client, keys: Keys, *, limit: int, delay: float, lease: float):
        self.client, self.keys = client, keys
        self.limit = max(1, limit)
        self.delay_ms = max(0, round(delay * 1000))
        self.lease_ms = max(1, round(lease * 1000))
        self._take = client.register_script(_TAKE)

    @classmethod
    def from_settings(cls, settings, client=None) -> DomainSlots:
        return cls(client or redis_client(settings), Keys.from_settings(settings),
                   limit=settings.getint("MONITOR_CONCURRENCY_PER_DOMAIN"),
                   delay=settings.getfloat("MONITOR_DOWNLOAD_DELAY"),
                   lease=settings.getfloat("MONITOR_DOMAIN_LEASE"))

    def take(self, domain: str, lease_id: str) -> float:
        """0 when ``lease_id`` now holds a slot of ``domain``, else seconds to wait."""
        wait_ms = int(self._take(keys=self.keys.domain(domain),
                                 args=[lease_id, self.limit, self.delay_ms, self.lease_ms]))
        if wait_ms == 0:
            return 0.0
        return POLL if wait_ms < 0 else wait_ms / 1000

    def give_back(self, domain: str, lease_id: str) -> None:
        self.client.zrem(self.keys.domain(domain)[0], lease_id)


class DomainSlotMiddleware:
    """Holds a cluster slot of the request's domain for the time of its download."""

    def __init__(self, slots: DomainSlots):
        self.slots = slots

    @classmethod
    def from_crawler(cls, crawler):
        return cls(DomainSlots.from_settings(crawler.settings))

    async def process_request(self, request):
        domain = urlparse_cached(request).hostname or ""
        lease_id = uuid.uuid4().hex
        while (wait := self.slots.take(domain, lease_id)) > 0:
            await maybe_deferred_to_future(deferLater(reactor, wait, lambda: None))
        request.meta[LEASE_META] = (domain, lease_id)
        return None

    def _give_back(self, request) -> None:
        lease = request.meta.pop(LEASE_META, None)
        if lease is not None:
            self.slots.give_back(*lease)

    def process_response(self, request, response):
        self._give_back(request)
        return response

    def process_exception(self, request, exception):
        self._give_back(request)
        return None
