"""Failures of a request, in plain words, with a short kind for counting."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.web._newclient import ResponseNeverReceived

_BROWSER_HINT = (
    "no browser to render JavaScript pages: run `make setup` (installs Debian's chromium) "
    "or set MONITOR_BROWSER to a Chromium executable"
)


def describe_failure(failure, url: str) -> tuple[str, str]:
    """(kind, message) for a failed request to ``url``."""
    if failure.check(HttpError):
        response = failure.value.response
        return f"http_{response.status}", f"the site answered HTTP {response.status} for {url}"
    if failure.check(DNSLookupError, CannotResolveHostError):
        return "dns", f"the site's name does not resolve (site gone or no network): {url}"
    if failure.check(TimeoutError, TCPTimedOutError, DownloadTimeoutError):
        return "timeout", f"no answer in time from {url}"
    if failure.check(ConnectionRefusedError, DownloadConnectionRefusedError):
        return "connection", f"the site refused the connection: {url}"
    if failure.check(ConnectionLost, ResponseNeverReceived, ResponseDataLossError,
                     DownloadFailedError):
        return "connection", f"the connection broke while fetching {url}"
    text = str(failure.value)
    if "Executable doesn't exist" in text or "executable_path" in text:
        return "browser", _BROWSER_HINT
    if "maxsize" in text.lower() or "larger than download max size" in text.lower():
        return "too_large", f"page larger than the maximum page size: {url}"
    first_line = text.strip().splitlines()[0] if text.strip() else failure.type.__name__
    return "other", f"{failure.type.__name__} while fetching {url}: {first_line[:200]}"
