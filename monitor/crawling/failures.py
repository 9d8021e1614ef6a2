"""Failures of a request, in plain words, with a short kind for counting: the one place that
classifies download failures (network, HTTP, size, redirects, browser) and the requests
left out on purpose (robots.txt, already stored, off-site)."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from monitor.storage.engine import StorageError

_BROWSER_HINT = (
    "no browser to render JavaScript pages: run `make setup` (installs Debian's chromium) "
    "or set MONITOR_BROWSER to a Chromium executable"
)
_TOO_LARGE = "page larger than MONITOR_MAX_PAGE_BYTES"


@dataclass(frozen=True)
class Failure:
    """How a request ended without a page: ``skipped`` (left out on purpose, counted under
    ``skipped/<kind>``) or an error (``errors/<kind>``, named in the run record)."""

    kind: str
    message: str
    skipped: bool = False


def classify_failure(failure, url: str) -> Failure:
    """The ``Failure`` of a request to ``url`` that ended in ``failure`` (a Twisted one)."""
    text = str(failure.value)
    lowered = text.lower()
    if failure.check(HttpError):
        status = failure.value.response.status
        return Failure(f"http_{status}", f"the site answered HTTP {status} for {url}")
    if failure.check(IgnoreRequest):
        if "max redirections" in lowered:
            return Failure("redirect_loop", f"too many redirects (a redirect loop?) from {url}")
        if "download_maxsize" in lowered or "max size" in lowered:
            return Failure("too_large", f"{_TOO_LARGE} once decompressed: {url}")
        if "robots.txt" in lowered:
            return Failure("robots", f"forbidden by robots.txt: {url}", skipped=True)
        if lowered.startswith("already stored"):
            return Failure("stored", text, skipped=True)
        if "offsite" in lowered or "filtered offsite" in lowered:
            return Failure("offsite", f"outside the source's domains: {url}", skipped=True)
        first_line = text.strip().splitlines()[0][:200] if text.strip() else "no reason given"
        return Failure("ignored", f"request to {url} dropped: {first_line}")
    if failure.check(StorageError):
        return Failure("storage", f"the database failed while handling {url}: {text}")
    if "SSL" in failure.type.__name__ or "ssl" in failure.type.__module__.lower() or \
            "certificate verify failed" in lowered or "handshake" in lowered:
        return Failure("tls", f"the secure connection failed (certificate or TLS) to {url}")
    if failure.check(DNSLookupError, CannotResolveHostError):
        return Failure("dns", f"the site's name does not resolve (site gone or no network): "
                       f"{url}")
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return Failure("timeout", f"no answer in time from {url}")
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return Failure("connection", f"the site refused the connection: {url}")
    if failure.check(DownloadCancelledError, CancelledError):
        # the handler cancels a download over the size limit (announced by Content-Length,
        # or counted while receiving); time-outs are reported as such above
        return Failure("too_large", f"{_TOO_LARGE}: {url}")
    if failure.check(ResponseFailed, DownloadFailedError) and any(
            words in text for words in ("ParseError", "BadHeaders", "BadResponse")):
        return Failure("bad_answer", f"the site's answer is not valid HTTP: {url}")
    if failure.check(ConnectionLost, ResponseNeverReceived, ResponseDataLossError,
                     DownloadFailedError, ResponseFailed):
        return Failure("connection", f"the connection broke while fetching {url}")
    if "Executable doesn't exist" in text or "executable_path" in text:
        return Failure("browser", _BROWSER_HINT)
    if "maxsize" in lowered or "max size" in lowered:
        return Failure("too_large", f"{_TOO_LARGE}: {url}")
    first_line = text.strip().splitlines()[0] if text.strip() else failure.type.__name__
    return Failure("other", f"{failure.type.__name__} while fetching {url}: {first_line[:200]}")
