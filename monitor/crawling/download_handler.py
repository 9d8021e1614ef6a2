"""HTTP(S) download handlers with the replay of saved pages.

With ``MONITOR_REPLAY_DIR`` set, every request is answered by a replay server on
127.0.0.1 (``monitor.page.replay``) over real HTTP, and the response keeps the original URL.
``MonitorDownloadHandler`` (the default) is scrapy-playwright's handler: requests marked
``playwright`` go through the browser, whose own requests (the page, its scripts, its
XHR) are then fulfilled from the replay server too. ``ReplayingHTTPHandler`` is the plain
HTTP one, used for sources that need no browser so that no browser driver is started.
"""

from __future__ import annotations

from playwright.async_api import Page as BrowserPage
from playwright.async_api import Route
from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from monitor.page.replay import ReplayIndex, ReplayServer


class _Replay:
    """Start/stop the replay server and send plain HTTP requests to it."""

    replay: ReplayServer | None = None

    def _start_replay(self, crawler) -> None:
        replay_dir = crawler.settings.get("MONITOR_REPLAY_DIR")
        if replay_dir:
            self.replay = ReplayServer(ReplayIndex.from_dir(replay_dir)).start()

    async def _download_replayed(self, request: Request) -> Response:
        meta = {k: v for k, v in request.meta.items() if k != "proxy"}
        replayed = request.replace(url=self.replay.url_for(request.url), meta=meta)
        response = await HTTP11DownloadHandler.download_request(self, replayed)
        return response.replace(url=request.url, request=request)

    def _stop_replay(self) -> None:
        if self.replay is not None:
            self.replay.stop()
            self.replay = None


class ReplayingHTTPHandler(_Replay, HTTP11DownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler=crawler)
        self._start_replay(crawler)

    async def download_request(self, request: Request) -> Response:
        if self.replay is None:
            return await super().download_request(request)
        return await self._download_replayed(request)

    async def close(self) -> None:
        await super().close()
        self._stop_replay()


class MonitorDownloadHandler(_Replay, ScrapyPlaywrightDownloadHandler):
    def __init__(self, crawler):
        super().__init__(crawler)
        self._start_replay(crawler)

    async def download_request(self, request: Request) -> Response:
        if self.replay is None:
            return await super().download_request(request)
        if request.meta.get("playwright"):
            request.meta["playwright_page_init_callback"] = self._route_browser_to_replay
            return await super().download_request(request)
        return await self._download_replayed(request)

    async def _route_browser_to_replay(self, page: BrowserPage, request: Request) -> None:
        replay = self.replay

        async def fulfil(route: Route) -> None:
            fetched = await route.fetch(url=replay.url_for(route.request.url), max_redirects=0)
            await route.fulfill(response=fetched)

        await page.route("**/*", fulfil)

    async def close(self) -> None:
        await super().close()
        self._stop_replay()
