"""The reviewer's web page (``monitor serve``): the digest of a day or since a moment, each
story with every copy and its evidence, a search over the stored articles, the sources'
health, and on every story two buttons that record a verdict in one click (the same store
as ``monitor review``).

Built on Starlette, served by uvicorn. The pages are rendered on the server from the
templates of the digest (``monitor/templates``, autoescaped) and need no script: a verdict
is a plain form POST answered by a redirect back to the entry, so it works with one click
and shows again on reload.

Safe by default:
- it listens on 127.0.0.1; on another address ``MONITOR_SERVE_TOKEN`` is required: a
  browser opens ``/?token=…`` once (the token is then kept in a same-site cookie), a script
  sends ``Authorization: Bearer …``;
- a POST must come from the page itself: same origin (``Sec-Fetch-Site`` / ``Origin``) and
  the form's CSRF token;
- everything from pages is escaped, and a Content-Security-Policy forbids every script, so
  markup a page smuggled into a title stays inert.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from monitor.config.sources import load_sources
from monitor.digest.build import (
    TOPICS,
    TZ,
    build_digest,
    day_bounds,
    digest_options,
    outlet_name,
    parse_since,
    story_entry,
    today,
)
from monitor.digest.labels import Labels
from monitor.digest.render import environment, html_context, render_atom
from monitor.errors import ConfigError, MonitorError
from monitor.ops.health import check_sources, failing_checks
from monitor.ops.review import VERDICTS, ReviewError, review
from monitor.storage.database import Storage

TOKEN_COOKIE = "monitor_token"
SEARCH_LIMIT = 200
SECURITY_HEADERS = {
    # no script at all; the inline stylesheet; pictures from the stories' sites
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                               "img-src https: http: data:; form-action 'self'; "
                               "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class ServeError(MonitorError, ValueError):
    """``monitor serve`` cannot start as asked; the message says why."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_binding(host: str, token: str) -> None:
    """Refuse to listen beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise ServeError(f"listening on {host} needs a token: set MONITOR_SERVE_TOKEN "
                         "(or listen on 127.0.0.1)")


class BadRequest(Exception):
    """A request the page cannot answer; shown as one plain line with ``status``."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def create_app(settings, *, token: str = "", storage: Storage | None = None) -> Starlette:
    """The web page's application over ``settings``' database (or ``storage``)."""
    options = digest_options(settings)
    words = Labels(options["language"])
    csrf_key = secrets.token_bytes(32)
    reviewer = settings.get("MONITOR_REVIEWER") or "web"
    env = environment()
    state = {"storage": storage}

    @asynccontextmanager
    async def lifespan(app):
        own = state["storage"] is None
        if own:
            state["storage"] = Storage.from_settings(settings)
        try:
            yield
        finally:
            if own:
                state["storage"].close()

    def db() -> Storage:
        return state["storage"]

    def csrf_token(request: Request) -> str:
        # tied to the token when there is one, so a token change ends old forms
        return hmac.new(csrf_key, token.encode(), hashlib.sha256).hexdigest()

    def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
        body = env.get_template(template).render(
            {"L": words, "csrf": csrf_token(request), "here": _here(request),
             "today": today(), **context})
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    # ------------------------------------------------------------ the pages

    def digest_page(request: Request) -> Response:
        day, since = _window(request.query_params)
        digest = build_digest(db(), day, since=since, checks=failing_checks(db(), settings),
                              **options)
        context = html_context(digest, None)
        shown = day or (since.astimezone(TZ).date() if since else today())
        return page(request, "web_digest.html", **context, day=day, since=since,
                    previous_day=shown - timedelta(days=1), next_day=shown + timedelta(days=1),
                    is_today=day == today())

    def story_page(request: Request) -> Response:
        story_id = request.path_params["story_id"]
        view = db().story_view(story_id)
        if view is None:
            raise BadRequest(f"there is no story #{story_id}", 404)
        verdicts = db().story_verdicts([story_id])
        entry = story_entry(view, verdicts.get(story_id), options["source_titles"])
        copies = [{"article": m, "outlet": outlet_name(m, options["source_titles"]),
                   "evidence": [(flag, item) for flag in TOPICS
                                for item in (m.flags or {}).get(flag, {}).get("evidence", [])]}
                  for m in view.members]
        return page(request, "web_story.html", entry=entry, view=view, copies=copies,
                    history=db().story_reviews(story_id), day=today())

    def search_page(request: Request) -> Response:
        params = request.query_params
        text = (params.get("q") or "").strip()[:200]
        flag = params.get("flag") or ""
        if flag not in ("", "any", "none", *TOPICS):
            raise BadRequest(f"unknown flag {flag!r}")
        start, end = _date(params.get("from")), _date(params.get("to"))
        searched = bool(text or start or end or flag)
        results = db().search_articles(
            text=text, flag=flag or None, limit=SEARCH_LIMIT,
            published_from=day_bounds(start)[0] if start else None,
            published_to=day_bounds(end)[1] if end else None) if searched else []
        rows = [{"article": a, "outlet": outlet_name(a, options["source_titles"])}
                for a in results]
        return page(request, "web_search.html", q=text, flag=flag, start=start, end=end,
                    rows=rows, searched=searched, capped=len(results) >= SEARCH_LIMIT)

    def sources_page(request: Request) -> Response:
        
        try:
            sources = [s for s in load_sources(settings.get("MONITOR_SOURCES")) if s.enabled]
        except ConfigError as exc:
            raise BadRequest(str(exc), 500) from exc
        checks = check_sources(db(), sources=sources, settings=settings)
        rows = []
        for source in sources:
            mine = [c for c in checks if c.source == source.name]
            last = db().recent_runs(source.name, limit=1)
            rows.append({"source": source, "checks": mine,
                         "failing": [c for c in mine if not c.ok],
                         "last": last[0] if last else None})
        return page(request, "web_sources.html", rows=rows)

    def feed(request: Request) -> Response:
        now = datetime.now(TZ)
        since = now - timedelta(days=settings.getfloat("MONITOR_FEED_DAYS"))
        digest = build_digest(db(), since=since, checks=[], **options)  # no health in feeds
        base = str(request.base_url).rstrip("/")
        return Response(render_atom(digest, f"{base}/feed.atom", base),
                        media_type="application/atom+xml; charset=utf-8",
                        headers={"X-Content-Type-Options": "nosniff"})

    async def verdict(request: Request) -> Response:
        story_id = request.path_params["story_id"]
        _same_origin(request, settings.get("MONITOR_PUBLIC_URL") or "")
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        field = {name: values[-1] for name, values in form.items()}
        if not hmac.compare_digest(field.get("csrf", ""), csrf_token(request)):
            raise BadRequest("this form is out of date: reload the page and click again", 403)
        chosen = field.get("verdict", "")
        if chosen not in VERDICTS:
            raise BadRequest(f"verdict must be one of {', '.join(VERDICTS)}")
        topics = [t for t in [field.get("topic")] if t]
        try:
            await run_in_threadpool(review, db(), story_id, chosen, topics=topics,
                                    reviewer=reviewer)
        except ReviewError as exc:
            raise BadRequest(str(exc), 404 if "no story" in str(exc) else 400) from exc
        back = field.get("next") or f"/story/{story_id}"
        if not back.startswith("/") or back.startswith("//"):
            back = f"/story/{story_id}"
        return RedirectResponse(f"{back}#story-{story_id}", status_code=303)

    # ------------------------------------------------------------ the guards

    async def guard(scope, receive, send, app):
        request = Request(scope, receive)
        if token:
            given = request.cookies.get(TOKEN_COOKIE, "")
            header = request.headers.get("authorization", "")
            if header.lower().startswith("bearer "):
                given = header[7:].strip()
            offered = request.query_params.get("token")
            if offered and hmac.compare_digest(offered, token):
                # keep it in a cookie, and take it out of the address bar and the history
                query = urlencode([(k, v) for k, v in request.query_params.multi_items()
                                   if k != "token"])
                response = RedirectResponse(request.url.path + (f"?{query}" if query else ""),
                                            status_code=303)
                response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict",
                                    secure=request.url.scheme == "https")
                await response(scope, receive, send)
                return
            if not hmac.compare_digest(given, token):
                await PlainTextResponse("a token is required: open the page as /?token=…",
                                        status_code=401, headers=SECURITY_HEADERS)(
                    scope, receive, send)
                return
        await app(scope, receive, send)

    routes = [
        Route("/", _sync(digest_page)),
        Route("/story/{story_id:int}", _sync(story_page)),
        Route("/story/{story_id:int}/verdict", verdict, methods=["POST"]),
        Route("/search", _sync(search_page)),
        Route("/sources", _sync(sources_page)),
        Route("/feed.atom", _sync(feed)),
    ]
    inner = Starlette(routes=routes, lifespan=lifespan,
                      exception_handlers={BadRequest: _plain_error})

    class Guarded:
        """The application behind the token check."""

        def __init__(self, app):
            self.app = app

        async def __call__(self, scope, receive, send):
            if scope["type"] != "http":
                await self.app(scope, receive, send)
                return
            await guard(scope, receive, send, self.app)

    inner.add_middleware(Guarded)
    return inner


def _plain_error(request: Request, exc: BadRequest) -> Response:
    return PlainTextResponse(str(exc), status_code=exc.status, headers=SECURITY_HEADERS)


def _sync(handler):
    """A page handler run in the thread pool (the database access is synchronous)."""
    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(handler, request)
    return endpoint


def _same_origin(request: Request, public_url: str) -> None:
    """Refuse a POST that another site's page sent (cross-site request forgery). Behind a
    reverse proxy the page's origin is ``MONITOR_PUBLIC_URL``'s."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise BadRequest("a verdict can only be given from this page", 403)
    origin = request.headers.get("origin")
    if origin and origin != "null":
        ours = {request.headers.get("host", ""), urlsplit(public_url).netloc} - {""}
        if urlsplit(origin).netloc not in ours:
            raise BadRequest("a verdict can only be given from this page", 403)


def _here(request: Request) -> str:
    """The page's own path and query, where a verdict returns to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise BadRequest(f"not a date (YYYY-MM-DD): {text!r}") from exc


def _window(params) -> tuple[date | None, datetime | None]:
    """``?date=D`` or ``?since=T`` as in ``monitor digest``; today by default."""
    if params.get("since"):
        try:
            return None, parse_since(params["since"])
        except ValueError as exc:
            raise BadRequest(f"not a date or time: {params['since']!r}") from exc
    return _date(params.get("date")) or today(), None


def serve(settings, host: str, port: int) -> None:
    """Run the web page with uvicorn until interrupted."""
    import uvicorn

    token = settings.get("MONITOR_SERVE_TOKEN") or ""
    check_binding(host, token)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:  # a taken port: one plain line, not uvicorn's exit
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    app = create_app(settings, token=token)
    shown = f"[{host}]" if ":" in host else host
    print(f"The reviewer's page: http://{shown}:{port}/ (Ctrl-C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False,
                server_header=False)
