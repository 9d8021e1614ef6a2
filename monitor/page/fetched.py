"""A fetched page as the pure extraction code sees it: URL, raw bytes, headers, fetch time.

Built from a Scrapy response, from a saved page or from a file; decodes lazily and once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from parsel import Selector

from monitor.page.encoding import decode_html
from monitor.page.resaved import restore_original
from monitor.page.saved import SavedPage, fetch_time, header_value


@dataclass
class Page:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @classmethod
    def from_response(cls, response) -> Page:
        """From a Scrapy response; the fetch time is the server's Date header when sane."""
        headers = {
            key.decode("latin-1"): b", ".join(values).decode("latin-1")
            for key, values in response.headers.items()
        }
        return cls(
            url=response.url,
            body=response.body,
            headers=headers,
            fetched_at=fetch_time(headers.get("Date")),
        )

    @classmethod
    def from_saved(cls, saved: SavedPage) -> Page:
        return cls(
            url=saved.url,
            body=saved.body,
            headers=dict(saved.headers),
            fetched_at=saved.fetched_at or fetch_time(saved.header("Date")),
        )

    def __getstate__(self) -> dict:
        """Pickled (for an extraction process) without what is computed from the bytes."""
        return {name: getattr(self, name) for name in ("url", "body", "headers", "fetched_at")}

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)

    @cached_property
    def _decoded(self) -> tuple[str, str]:
        return decode_html(self.body, self.header("Content-Type"))

    @property
    def text(self) -> str:
        """The page decoded to text (header → BOM → meta → detection)."""
        return self._decoded[0]

    @property
    def encoding(self) -> str:
        return self._decoded[1]

    @cached_property
    def selector(self) -> Selector:
        # type="html": parsel would otherwise read a JSON body (JSONP lists) as JSON
        selector = Selector(text=self.text or "<html></html>", type="html", base_url=self.url)
        restore_original(selector.root, self.url, self.text)  # re-saved copies as the original
        return selector

