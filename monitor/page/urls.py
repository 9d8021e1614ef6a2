"""URL normalisation: two URLs with the same key are the same page.

Applied before anything else (before a request is even made), so that an article
reached as ``m.163.com/...``, ``http://...``, ``...?spm=...#comments`` or on
``chinanews.com`` instead of ``chinanews.com.cn`` is downloaded and stored once.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# query parameters that only track where a click came from
_TRACKING = re.compile(
    r"^(utm_\w+|spm|spss|from|f|src|source|share_token|share|sharer|isappinstalled|"
    r"scene|clicktime|enterid|wxfrom|timestamp|_t|t|ref|refer|referer|fbclid|gclid)$",
    re.IGNORECASE,
)
# host aliases: mobile / touch / bare forms -> the canonical host
_HOST_ALIASES = {
    "163.com": "www.163.com",
    "m.163.com": "www.163.com",
    "3g.163.com": "www.163.com",
    "chinanews.com": "www.chinanews.com.cn",
    "www.chinanews.com": "www.chinanews.com.cn",
    "chinanews.com.cn": "www.chinanews.com.cn",
    "m.chinanews.com": "www.chinanews.com.cn",
}
_INDEX_PAGE = re.compile(r"/(index|default)\.(html?|shtml|php|aspx?|jsp)$", re.IGNORECASE)
_NETEASE_ID = re.compile(r"/([0-9A-Z]{16})\.html$")


def canonical_host(host: str) -> str:
    """The host a page is known under: aliases merged, ``www.`` kept only where aliased."""
    host = host.lower().rstrip(".")
    return _HOST_ALIASES.get(host, host)


def url_key(url: str) -> str:
    """The identity of a page: host aliases merged, scheme, tracking params, fragment,
    ``index.html`` and trailing slash dropped; NetEase articles reduced to their ID."""
    parts = urlsplit(url.strip())
    host = canonical_host(parts.hostname or "").removeprefix("www.")
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if host == "163.com" or host.endswith(".163.com"):
        match = _NETEASE_ID.search(path)
        if match:  # every NetEase URL form of one article carries the same 16-char ID
            return f"163.com/article/{match.group(1)}"
    path = _INDEX_PAGE.sub("/", path)
    if len(path) > 1:
        path = path.rstrip("/")
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
               if not _TRACKING.match(k))
    )
    return urlunsplit(("", host, path, query, "")).lstrip("/")

