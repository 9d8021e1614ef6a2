"""Serve saved pages over real HTTP on 127.0.0.1, keyed by their original URL.

The crawler's download handler (``monitor.crawling.download_handler``) sends every
request for ``https://www.163.com/...`` to ``http://127.0.0.1:<port>/fetch?url=<original>``
and gives the spider the response under its original URL. A URL with no saved page
answers 404, as a dead link would.
"""

from __future__ import annotations

import logging
import threading
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from monitor.page.saved import SavedPage, iter_pages
from monitor.page.urls import url_key

logger = logging.getLogger(__name__)

# headers that describe the original transfer, not the body we hold
_TRANSFER_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection"}


def _lookup_key(url: str) -> str:
    parts = urlsplit(url.strip())
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


class ReplayIndex:
    """Saved pages by URL. Like the real sites, it also answers for the other forms of a
    page's URL (other scheme, ``chinanews.com`` / ``.com.cn``, mobile hosts): see url_key."""

    def __init__(self, pages: list[SavedPage]):
        self._pages: dict[str, SavedPage] = {}
        self._by_key: dict[str, SavedPage] = {}
        for page in pages:
            self._pages[_lookup_key(page.url)] = page
            self._by_key.setdefault(url_key(page.url), page)

    @classmethod
    def from_dir(cls, root: Path | str) -> ReplayIndex:
        root = Path(root)
        if not root.is_dir():
            raise FileNotFoundError(f"replay folder {root} does not exist")
        return cls(list(iter_pages(root)))

    def __len__(self) -> int:
        return len(self._pages)

    def get(self, url: str) -> SavedPage | None:
        key = _lookup_key(url)
        if key in self._pages:
            return self._pages[key]
        return self._by_key.get(url_key(url))

    def has(self, url: str) -> bool:
        return self.get(url) is not None


class _Handler(BaseHTTPRequestHandler):
    server: _ReplayHTTPServer
    # one request per connection: no idle keep-alive connections for the crawler's pool
    # to tear down when it closes
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        original = (query.get("url") or [""])[0]
        page = self.server.index.get(original) if original else None
        if page is None:
            body = f"no saved page for {original or self.path}\n".encode()
            self._send(404, {"Content-Type": "text/plain; charset=utf-8"}, body)
            return
        headers = {k: v for k, v in page.headers.items() if k.lower() not in _TRANSFER_HEADERS}
        if page.fetched_at and not page.header("Date"):  # the page as of its fetch time
            headers["Date"] = formatdate(page.fetched_at.timestamp(), usegmt=True)
        self._send(page.status, headers, page.body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        # send_response_only: no Date/Server of our own next to the saved ones
        self.log_request(status)
        self.send_response_only(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        logger.debug("replay: " + format, *args)


class _ReplayHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, index: ReplayIndex):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.index = index


class ReplayServer:
    """A background HTTP server on 127.0.0.1 (free port) serving a ``ReplayIndex``."""

    def __init__(self, index: ReplayIndex):
        self.index = index
        self._server: _ReplayHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> ReplayServer:
        self._server = _ReplayHTTPServer(self.index)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="replay-server", daemon=True
        )
        self._thread.start()
        logger.info("replaying %d saved pages at %s", len(self.index), self.base_url)
        return self

    @property
    def base_url(self) -> str:
        assert self._server is not None, "server not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def url_for(self, original_url: str) -> str:
        """The address on the replay server that serves ``original_url``."""
        return f"{self.base_url}/fetch?url={quote(original_url, safe='')}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
