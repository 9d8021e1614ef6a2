"""The web page's institutions and cooperation graph (``monitor serve``): the institutions
with their counts (``/institutions``), an institution's page (``/institution/ID``: its names,
kind and place, its partners by relation, its stories as a timeline, the reviewer's merge
and split forms), any name's page (``/institution?name=…``, what the digest links), the
graph drawn on the server as SVG (``/graph``) and an Atom feed per institution
(``/institution/ID/feed.atom``).

Rendered like the other pages (``monitor.ops.web``): no script, the same guards; a merge or
split is a form POST from the page itself (same origin, the form's anti-forgery token)
answered by a redirect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.digest.build import day_bounds
from monitor.digest.graph import build_graph, layout, render_institution_atom, trim
from monitor.digest.labels import Labels
from monitor.judgement.partners import RELATIONS
from monitor.ops.partners import partners_graph
from monitor.storage.database import Storage
from monitor.storage.institutions import InstitutionError

GRAPH_NODES = 60  # the graph page draws at most this many institutions
LIST_LIMIT = 500
FEED_ROWS = 200  # an institution's feed: its newest partnerships


@dataclass
class Pages:
    """What the pages take from ``monitor.ops.web.create_app``."""

    db: Callable[[], Storage]
    page: Callable[..., Response]  # page(request, template, status=200, **context)
    form: Callable[[Request], Awaitable[dict]]  # a POST's fields, checked (origin, token)
    bad_request: type[Exception]  # BadRequest(what, status, **values)
    date: Callable[[str | None], object]  # ?since=YYYY-MM-DD
    words: Labels
    settings: object


def routes(pages: Pages) -> list[Route]:
    db, bad = pages.db, pages.bad_request

    def institution_or_404(institution_id: int):
        found = db().institution(institution_id)
        if found is None:
            raise bad("no_institution", 404, id=institution_id)
        return found

    def relation_param(request: Request) -> str:
        relation = request.query_params.get("relation") or ""
        if relation and relation not in RELATIONS:
            raise bad("bad_relation", relation=relation)
        return relation

    def since_param(request: Request) -> datetime | None:
        day = pages.date(request.query_params.get("since"))
        return day_bounds(day)[0] if day else None

    def institutions_page(request: Request) -> Response:
        q = (request.query_params.get("q") or "").strip()[:100]
        kind = request.query_params.get("kind") or ""
        rows = db().list_institutions(kind=kind or None, search=q or None, limit=LIST_LIMIT)
        return pages.page(request, "web_institutions.html", rows=rows, q=q, kind=kind)

    def by_name(request: Request) -> Response:
        name = (request.query_params.get("name") or "").strip()
        found = db().find_institution(name) if name and not name.startswith("#") else None
        if found is None:  # a name no partnership holds: the articles that name it
            return RedirectResponse("/search?" + urlencode({"q": name}), status_code=303)
        return RedirectResponse(f"/institution/{found.id}", status_code=303)

    def institution_page(request: Request) -> Response:
        institution = institution_or_404(request.path_params["institution_id"])
        rows = db().partnership_rows(institution_id=institution.id)
        graph = build_graph(rows)
        by_relation = []
        for relation in RELATIONS:
            edges = [e for e in graph.edges if e.relation == relation]
            if edges:
                by_relation.append((relation, [
                    (e.b if e.a.id == institution.id else e.a, e) for e in edges]))
        stories = len({r.story_id if r.story_id is not None else -r.article_id for r in rows})
        return pages.page(request, "web_institution.html", institution=institution,
                          aliases=db().institution_aliases(institution.id),
                          by_relation=by_relation, rows=rows, stories=stories,
                          partners=len(graph.nodes) - 1 if graph.nodes else 0)

    def graph_page(request: Request) -> Response:
        params = request.query_params
        centre = None
        if params.get("institution"):
            text = params["institution"]
            if not text.isdigit():
                raise bad("no_institution", 404, id=text)
            centre = institution_or_404(int(text))
        relation, since = relation_param(request), since_param(request)
        graph = partners_graph(db(), institution=centre, relation=relation or None,
                               since=since)
        shown = trim(graph, GRAPH_NODES, centre.id if centre else None)
        drawing = layout(shown, centre.id if centre else None)
        return pages.page(request, "web_graph.html", drawing=drawing, graph=graph,
                          trimmed=len(shown.nodes) < len(graph.nodes), limit=GRAPH_NODES,
                          centre=centre, relation=relation,
                          since=params.get("since") or "", RELATIONS=RELATIONS)

    def feed(request: Request) -> Response:
        institution = institution_or_404(request.path_params["institution_id"])
        rows = db().partnership_rows(institution_id=institution.id, limit=FEED_ROWS)
        base = str(request.base_url).rstrip("/")
        body = render_institution_atom(institution, rows, pages.words, base,
                                       f"{base}/institution/{institution.id}/feed.atom")
        return Response(body, media_type="application/atom+xml; charset=utf-8",
                        headers={"X-Content-Type-Options": "nosniff"})

    async def merge(request: Request) -> Response:
        institution_id = request.path_params["institution_id"]
        field = await pages.form(request)
        other = (field.get("other") or "").strip()
        try:
            into = await run_in_threadpool(db().merge_institutions, other,
                                           f"#{institution_id}")
        except InstitutionError as exc:
            raise bad("merge", error=str(exc)) from exc
        return RedirectResponse(f"/institution/{into.id}", status_code=303)

    async def split(request: Request) -> Response:
        field = await pages.form(request)
        try:
            new = await run_in_threadpool(db().split_alias, field.get("alias") or "")
        except InstitutionError as exc:
            raise bad("split", error=str(exc)) from exc
        return RedirectResponse(f"/institution/{new.id}", status_code=303)

    def sync(handler):
        async def endpoint(request: Request) -> Response:
            return await run_in_threadpool(handler, request)
        return endpoint

    return [
        Route("/institutions", sync(institutions_page)),
        Route("/institution", sync(by_name)),
        Route("/institution/{institution_id:int}", sync(institution_page)),
        Route("/institution/{institution_id:int}/feed.atom", sync(feed)),
        Route("/institution/{institution_id:int}/merge", merge, methods=["POST"]),
        Route("/institution/{institution_id:int}/split", split, methods=["POST"]),
        Route("/graph", sync(graph_page)),
    ]
