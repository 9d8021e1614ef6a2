"""Saved pages: one folder per page, holding the raw bytes exactly as the site served them.

Layout of a folder (``seeds/site/<host>/<name>/``)::

    meta.json      {"url": ..., "status": 200, "headers": {...}, "fetched_at": ISO 8601,
                    "body": "body.html", "note": "..."}
    body.html      the raw response body (any encoding; never re-encoded)
    expected.json  optional, for article pages: the fields extraction must produce

``record`` writes the same layout from live URLs, so a page seen on the real site can
become a fixture without edits.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from monitor import settings as defaults

META_FILE = "meta.json"
EXPECTED_FILE = "expected.json"
USER_AGENT = "Mozilla/5.0 (compatible; medcoop-monitor/0.1; +https://example.invalid/monitor)"


@dataclass
class SavedPage:
    url: str
    body: bytes
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    fetched_at: datetime | None = None
    folder: Path | None = None

    @property
    def expected(self) -> dict | None:
        """The expected extraction output stored beside the page, if any."""
        if self.folder is None:
            return None
        path = self.folder / EXPECTED_FILE
        return json.loads(path.read_text("utf-8")) if path.exists() else None

    def header(self, name: str) -> str | None:
        return header_value(self.headers, name)


def header_value(headers: dict[str, str], name: str) -> str | None:
    """The value of header ``name`` (any case) in ``headers``, or None."""
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def fetch_time(date_header: str | None, now: datetime | None = None) -> datetime:
    """The time a response was served: its ``Date`` header unless absent or in the future."""
    now = now or datetime.now(UTC)
    if date_header:
        try:
            served = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            served = None
        if served is not None and served.tzinfo is not None and served <= now:
            return served
    return now


def load_page(folder: Path) -> SavedPage:
    """Read one saved-page folder; raises ``ValueError`` naming the folder when it is broken."""
    folder = Path(folder)
    try:
        meta = json.loads((folder / META_FILE).read_text("utf-8"))
        body = (folder / meta.get("body", "body.html")).read_bytes()
        fetched = meta.get("fetched_at")
        return SavedPage(
            url=meta["url"],
            body=body,
            status=int(meta.get("status", 200)),
            headers=dict(meta.get("headers") or {}),
            fetched_at=datetime.fromisoformat(fetched) if fetched else None,
            folder=folder,
        )
    except (OSError, KeyError, ValueError) as exc:
        raise ValueError(f"saved page {folder} is unreadable: {exc}") from exc


def iter_pages(root: Path) -> Iterator[SavedPage]:
    """Every saved page under ``root``, in a stable order."""
    for meta in sorted(Path(root).rglob(META_FILE)):
        yield load_page(meta.parent)


def folder_name(url: str) -> Path:
    """``https://www.163.com/dy/article/X.html?a=1`` -> ``www.163.com/dy-article-X.html-a-1``."""
    parts = urlsplit(url)
    rest = (parts.path.strip("/") or "index") + (f"?{parts.query}" if parts.query else "")
    slug = re.sub(r"[^\w.\-]+", "-", rest, flags=re.ASCII).strip("-")[:120]
    return Path(parts.hostname or "unknown-host") / (slug or "index")


def save_page(page: SavedPage, root: Path) -> Path:
    """Write ``page`` under ``root`` in the saved-page layout; returns its folder."""
    folder = Path(root) / folder_name(page.url)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "body.html").write_bytes(page.body)
    meta = {
        "url": page.url,
        "status": page.status,
        "headers": page.headers,
        "fetched_at": (page.fetched_at or datetime.now(UTC)).isoformat(),
        "body": "body.html",
    }
    (folder / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n", "utf-8")
    return folder


def fetch_live(url: str, timeout: float = defaults.MONITOR_DOWNLOAD_TIMEOUT) -> SavedPage:
    """Download ``url`` and keep its bytes, status and headers exactly as served."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, headers, body = response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:  # a 404 or 500 is worth saving too
        status, headers, body = error.code, dict(error.headers.items()), error.read()
    return SavedPage(url=url, body=body, status=status, headers=headers,
                     fetched_at=fetch_time(header_value(headers, "Date")))
