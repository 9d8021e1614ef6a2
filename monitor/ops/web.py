"""The reviewer's web page (``monitor serve``): the digest of a day or since a moment, each
story with every copy and its evidence, a search over the stored articles, the sources'
health, and on every story two buttons that record a verdict in one click (the same store
as ``monitor review``).

Built on Starlette, served by uvicorn. The pages are rendered on the server from the
templates of the digest (``monitor/templates``, autoescaped) and need no script: a verdict
is a plain form POST answered by a redirect back to the entry, so it works with one click
and shows again on reload.

Safe by default:
- it listens on 127.0.0.1; on another address ``MONITOR_SERVE_TOKEN`` (at least 16
  characters) is required: a browser opens ``/?token=…`` once (the token is then kept in a
  same-site cookie), a script sends ``Authorization: Bearer …``, a feed reader (no cookie
  jar) subscribes to ``/feed.atom?token=…``;
- it answers only under the names it is served as (``Host``: localhost, 127.0.0.1, ::1,
  ``--host``, the host of ``MONITOR_PUBLIC_URL``): another site whose name was made to point
  at 127.0.0.1 (DNS rebinding) gets 400, not the stored articles and the form's token;
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
import sys
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
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
from monitor.ops.web_graph import Pages
from monitor.ops.web_graph import routes as graph_routes
from monitor.storage.database import Storage

TOKEN_COOKIE = "monitor_token"
MIN_TOKEN_LENGTH = 16
MAKE_TOKEN = 'python -c "import secrets; print(secrets.token_urlsafe(24))"'
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
ERROR_TITLES = (400, 401, 403, 404, 405, 500)  # the statuses with a title of their own
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


def check_token(token: str) -> None:
    """A token short enough to guess is refused (the page holds every stored article)."""
    if token and len(token) < MIN_TOKEN_LENGTH:
        raise ServeError(f"MONITOR_SERVE_TOKEN is too short ({len(token)} characters, at "
                         f"least {MIN_TOKEN_LENGTH}): make one with {MAKE_TOKEN}")


def check_port(port: int) -> None:
    if not 1 <= port <= 65535:
        raise ServeError(f"--port {port} is not a port number (1 to 65535)")


def served_names(host: str, public_url: str = "") -> frozenset[str]:
    """The host names the page answers under: this machine's loopback names, the address it
    listens on and the host of its public address; on every address (0.0.0.0, ::) also the
    machine's own names."""
    names = {*LOOPBACK_NAMES, host.strip("[]").lower()}
    if urlsplit(public_url).hostname:
        names.add(urlsplit(public_url).hostname)
    if _is_wildcard(host):
        names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
    return frozenset(names - {""})


def host_allowed(header: str, names: frozenset[str], wildcard: bool = False) -> bool:
    """Whether a request's ``Host`` names this page. A name chosen by another site (DNS
    rebinding) is refused; on every address (0.0.0.0, ::) an address is taken too, since an
    address cannot be rebound."""
    if any(c in header for c in "@/\\?#"):
        return False
    try:
        name = (urlsplit(f"//{header}").hostname or "").rstrip(".")
    except ValueError:  # "[nonsense" and the like
        return False
    if name in names:
        return True
    if not wildcard or not name:
        return False
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_wildcard(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host == ""


class BadRequest(Exception):
    """A request the page cannot answer; shown on an error page with ``status``: the label
    ``error.<what>`` of monitor.digest.labels, filled with ``values``."""

    def __init__(self, what: str, status: int = 400, **values):
        super().__init__(what)
        self.what = what
        self.status = status
        self.values = values


def create_app(settings, *, token: str = "", storage: Storage | None = None,
               host: str = "127.0.0.1") -> Starlette:
    """The web page's application over ``settings``' database (or ``storage``), served on
    ``host``."""
    options = digest_options(settings)
    public_url = settings.get("MONITOR_PUBLIC_URL")
    names = served_names(host, public_url)
    wildcard = _is_wildcard(host)
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

    def error_page(request: Request, status: int, what: str, **values) -> HTMLResponse:
        """An error in the page's own frame and language; no form token on it."""
        body = env.get_template("web_error.html").render(
            {"L": words, "here": _here(request), "status": status,
             "title": words(f"error.{status if status in ERROR_TITLES else 400}"),
             "message": words(f"error.{what}", **values)})
        return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)

    def refused(request: Request, exc: BadRequest) -> Response:
        return error_page(request, exc.status, exc.what, **exc.values)

    def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return error_page(request, 404, "no_page", path=request.url.path)
        if exc.status_code == 405:
            return error_page(request, 405, "method", method=request.method)
        return error_page(request, exc.status_code, "bad_request")

    def server_error(request: Request, exc: Exception) -> Response:
        return error_page(request, 500, "server")

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
            raise BadRequest("no_story", 404, id=story_id)
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
            raise BadRequest("bad_flag", flag=flag)
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
            raise BadRequest("sources", 500, error=str(exc)) from exc
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
        _same_origin(request, public_url)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        field = {name: values[-1] for name, values in form.items()}
        if not hmac.compare_digest(field.get("csrf", ""), csrf_token(request)):
            raise BadRequest("form_expired", 403)
        chosen = field.get("verdict", "")
        if chosen not in VERDICTS:
            raise BadRequest("bad_verdict")
        topics = [t for t in [field.get("topic")] if t]
        try:
            await run_in_threadpool(review, db(), story_id, chosen, topics=topics,
                                    reviewer=reviewer)
        except ReviewError as exc:
            if "no story" in str(exc):
                raise BadRequest("no_story", 404, id=story_id) from exc
            raise BadRequest("bad_review") from exc
        back = field.get("next") or f"/story/{story_id}"
        if not back.startswith("/") or back.startswith("//"):
            back = f"/story/{story_id}"
        return RedirectResponse(f"{back}#story-{story_id}", status_code=303)

    async def checked_form(request: Request) -> dict:
        """A POST's fields, when it comes from the page itself (same origin, the form's
        anti-forgery token)."""
        _same_origin(request, public_url)
        form = parse_qs((await request.body()).decode("utf-8", "replace"))
        field = {name: values[-1] for name, values in form.items()}
        if not hmac.compare_digest(field.get("csrf", ""), csrf_token(request)):
            raise BadRequest("form_expired", 403)
        return field

    graph_pages = Pages(db=db, page=page, form=checked_form, bad_request=BadRequest,
                        date=_date, words=words, settings=settings)

    # ------------------------------------------------------------ the guards

    async def guard(scope, receive, send, app):
        request = Request(scope, receive)
        if not host_allowed(request.headers.get("host", ""), names, wildcard):
            # another name pointed at this machine (DNS rebinding): not this page
            await error_page(request, 400, "bad_host",
                             host=request.headers.get("host", ""))(scope, receive, send)
            return
        if token:
            given = request.cookies.get(TOKEN_COOKIE, "")
            header = request.headers.get("authorization", "")
            if header.lower().startswith("bearer "):
                given = header[7:].strip()
            offered = request.query_params.get("token")
            if offered and request.url.path.endswith("/feed.atom"):
                given = offered  # a feed reader keeps no cookie: the feed takes the token
            elif offered and hmac.compare_digest(offered, token):
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
                await error_page(request, 401, "token")(scope, receive, send)
                return
        await app(scope, receive, send)

    routes = [
        Route("/", _sync(digest_page)),
        Route("/story/{story_id:int}", _sync(story_page)),
        Route("/story/{story_id:int}/verdict", verdict, methods=["POST"]),
        Route("/search", _sync(search_page)),
        Route("/sources", _sync(sources_page)),
        Route("/feed.atom", _sync(feed)),
        *graph_routes(graph_pages),
    ]
    inner = Starlette(routes=routes, lifespan=lifespan,
                      exception_handlers={BadRequest: refused, HTTPException: http_error,
                                          Exception: server_error})

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
        raise BadRequest("cross_site", 403)
    origin = request.headers.get("origin")
    if origin and origin != "null":
        ours = {request.headers.get("host", ""), urlsplit(public_url).netloc} - {""}
        if urlsplit(origin).netloc not in ours:
            raise BadRequest("cross_site", 403)


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
        raise BadRequest("bad_date", text=text) from exc


def _window(params) -> tuple[date | None, datetime | None]:
    """``?date=D`` or ``?since=T`` as in ``monitor digest``; today by default."""
    if params.get("since"):
        try:
            return None, parse_since(params["since"])
        except ValueError as exc:
            raise BadRequest("bad_time", text=params["since"]) from exc
    return _date(params.get("date")) or today(), None


def check_serve(settings, host: str, port: int) -> None:
    """Everything ``monitor serve`` can check before it starts: the port, the token, the
    address (beyond this machine only with a token) and that the port is free."""
    check_port(port)
    token = settings.get("MONITOR_SERVE_TOKEN")
    check_token(token)
    check_binding(host, token)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family) as probe:  # a taken port: one plain line, not uvicorn's exit
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def startup_line(host: str, port: int, token: str, on_terminal: bool) -> str:
    """What ``monitor serve`` prints when it starts: where to open the page (and the feed).
    The token itself only on a terminal, never into a log file or the journal."""
    base = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    if not token:
        return f"The reviewer's page: {base}/ (Ctrl-C to stop)"
    shown = quote(token, safe="") if on_terminal else "$MONITOR_SERVE_TOKEN"
    return (f"The reviewer's page: open {base}/?token={shown} once (the browser then keeps "
            f"the token in a cookie); the feed: {base}/feed.atom?token={shown} (Ctrl-C to stop)")


def serve(settings, host: str, port: int, storage: Storage | None = None) -> None:
    """Run the web page with uvicorn until interrupted (over ``storage`` when given)."""
    import uvicorn  # start-up: only `monitor serve` runs the server

    check_serve(settings, host, port)
    token = settings.get("MONITOR_SERVE_TOKEN")
    app = create_app(settings, token=token, storage=storage, host=host)
    print(startup_line(host, port, token, sys.stdout.isatty()), flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning", proxy_headers=False,
                server_header=False)
