"""The cooperation graph: institutions as nodes, their partnerships summed up as edges
(institution ↔ institution, relation, how many stories, first and last date, the story IDs,
one evidence), written for people (text), scripts (JSON, CSV) and graph tools (GraphML, read
by yEd and Gephi), and laid out for the web page's SVG.

Pure functions over ``storage.institutions.PartnershipRow`` rows (``monitor partners``
and ``monitor serve`` read them). An aid edge has a direction (``a`` gives, ``b``
receives); an agreement's parties are in the order of its first story.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape

from monitor.config.zone import TZ
from monitor.digest.build import AID_RELATIONS
from monitor.digest.labels import Labels
from monitor.digest.render import FEED_NAMESPACE, NOT_XML, environment

FORMATS = ("text", "json", "csv", "graphml")
GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
LAYOUT_SEED = 22  # the force layout's seed: the same graph is drawn the same way
CSV_COLUMNS = ("a", "a_id", "a_kind", "a_place", "b", "b_id", "b_kind", "b_place",
               "relation", "directed", "stories_count", "first", "last", "stories",
               "evidence")


@dataclass
class Node:
    id: int
    name: str
    kind: str
    place: str | None
    weight: int = 0  # the stories of its edges

    def as_json(self) -> dict:
        return {"id": self.id, "name": self.name, "kind": self.kind, "place": self.place,
                "weight": self.weight}


@dataclass
class Edge:
    a: Node
    b: Node
    relation: str
    stories: list[int] = field(default_factory=list)  # story IDs (article IDs without one)
    first: date | None = None
    last: date | None = None
    evidence: str = ""  # the newest story's
    evidence_story: int | None = None

    @property
    def directed(self) -> bool:
        return self.relation in AID_RELATIONS

    @property
    def count(self) -> int:
        return len(self.stories)

    def as_json(self) -> dict:
        return {"a": self.a.name, "a_id": self.a.id, "b": self.b.name, "b_id": self.b.id,
                "relation": self.relation, "directed": self.directed, "count": self.count,
                "first": self.first.isoformat() if self.first else None,
                "last": self.last.isoformat() if self.last else None,
                "stories": self.stories, "evidence": self.evidence}


@dataclass
class Graph:
    nodes: dict[int, Node]
    edges: list[Edge]  # the most stories first, then the newest

    def as_json(self) -> dict:
        return {"institutions": [n.as_json() for n in self.nodes.values()],
                "partnerships": [e.as_json() for e in self.edges]}


def local_day(moment: datetime | None) -> date | None:
    return moment.astimezone(TZ).date() if moment else None


def build_graph(rows: Iterable) -> Graph:
    """Partnership rows (newest first, as ``Storage.partnership_rows`` gives them) summed
    up per pair of institutions and relation; a story counts once per edge."""
    nodes: dict[int, Node] = {}
    edges: dict[tuple, Edge] = {}
    for row in rows:
        a = nodes.setdefault(row.a_id, Node(row.a_id, row.a, row.a_kind, row.a_place))
        b = nodes.setdefault(row.b_id, Node(row.b_id, row.b, row.b_kind, row.b_place))
        key = (row.a_id, row.b_id, row.relation) if row.relation in AID_RELATIONS else \
            (*sorted((row.a_id, row.b_id)), row.relation)
        edge = edges.get(key)
        if edge is None:
            edge = edges[key] = Edge(a, b, row.relation)
        story = row.story_id if row.story_id is not None else row.article_id
        day = local_day(row.published_at or row.first_seen_at)
        if story not in edge.stories:
            edge.stories.append(story)
            for node in {a.id: a, b.id: b}.values():
                node.weight += 1
        if day:
            edge.first = min(edge.first or day, day)
            edge.last = max(edge.last or day, day)
        if not edge.evidence and row.evidence:
            edge.evidence, edge.evidence_story = row.evidence, story
        if row.relation not in AID_RELATIONS:  # an agreement: its first story's order
            edge.a, edge.b = a, b
    for edge in edges.values():
        edge.stories.sort()
    ordered = sorted(edges.values(), key=lambda e: (-e.count, -(e.last or date.min).toordinal(),
                                                    e.a.name, e.b.name))
    return Graph(nodes, ordered)


# ---------------------------------------------------------------- writers


def render_text(graph: Graph, words: Labels) -> str:
    """For a person: one block per pair, ``A → B（对口支援）``, its count, dates, story
    IDs and one evidence."""
    if not graph.edges:
        return words("graph.none") + "\n"
    lines = [words("graph.header", pairs=len(graph.edges), institutions=len(graph.nodes)),
             ""]
    for edge in graph.edges:
        arrow = "→" if edge.directed else "↔"
        relation = words.paren(words.relation(edge.relation))
        lines.append(f"{edge.a.name} {arrow} {edge.b.name}{relation}")
        span = edge.first.isoformat() if edge.first == edge.last or not edge.last else \
            f"{edge.first.isoformat() if edge.first else '?'} — {edge.last.isoformat()}"
        lines.append("  " + words("graph.stories", count=edge.count, span=span,
                                  ids=" ".join(f"#{s}" for s in edge.stories)))
        if edge.evidence:
            lines.append(f"  “{edge.evidence}”")
    return "\n".join(lines) + "\n"


def render_json(graph: Graph) -> str:
    return json.dumps(graph.as_json(), ensure_ascii=False, indent=2) + "\n"


def render_csv(graph: Graph) -> str:
    """One row per edge (``CSV_COLUMNS``); the story IDs separated by spaces."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for e in graph.edges:
        writer.writerow([e.a.name, e.a.id, e.a.kind, e.a.place or "", e.b.name, e.b.id,
                         e.b.kind, e.b.place or "", e.relation, str(e.directed).lower(),
                         e.count, e.first.isoformat() if e.first else "",
                         e.last.isoformat() if e.last else "",
                         " ".join(str(s) for s in e.stories), e.evidence])
    return out.getvalue()


def render_graphml(graph: Graph) -> str:
    """GraphML: nodes with name, kind and place; edges with relation, weight (stories),
    stories, first, last and evidence; aid edges directed (yEd and Gephi read it)."""
    ET.register_namespace("", GRAPHML_NS)
    root = ET.Element(f"{{{GRAPHML_NS}}}graphml")
    keys = [("label", "node", "string"), ("kind", "node", "string"),
            ("place", "node", "string"), ("count", "node", "int"),
            ("relation", "edge", "string"), ("weight", "edge", "double"),
            ("stories", "edge", "string"), ("first", "edge", "string"),
            ("last", "edge", "string"), ("evidence", "edge", "string")]
    for key, domain, kind in keys:
        ET.SubElement(root, f"{{{GRAPHML_NS}}}key", {
            "id": key, "for": domain, "attr.name": key,
            "attr.type": kind})
    g = ET.SubElement(root, f"{{{GRAPHML_NS}}}graph", {"id": "partners",
                                                      "edgedefault": "undirected"})

    def data(parent, key, value):
        ET.SubElement(parent, f"{{{GRAPHML_NS}}}data", {"key": key}).text = str(value)

    for node in graph.nodes.values():
        element = ET.SubElement(g, f"{{{GRAPHML_NS}}}node", {"id": f"i{node.id}"})
        data(element, "label", node.name)
        data(element, "kind", node.kind)
        if node.place:
            data(element, "place", node.place)
        data(element, "count", node.weight)
    for index, edge in enumerate(graph.edges):
        element = ET.SubElement(g, f"{{{GRAPHML_NS}}}edge", {
            "id": f"e{index}", "source": f"i{edge.a.id}", "target": f"i{edge.b.id}",
            "directed": str(edge.directed).lower()})
        data(element, "relation", edge.relation)
        data(element, "weight", float(edge.count))
        data(element, "stories", " ".join(str(s) for s in edge.stories))
        if edge.first:
            data(element, "first", edge.first.isoformat())
        if edge.last:
            data(element, "last", edge.last.isoformat())
        if edge.evidence:
            data(element, "evidence", edge.evidence)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def render(graph: Graph, fmt: str, words: Labels) -> str:
    if fmt == "json":
        return render_json(graph)
    if fmt == "csv":
        return render_csv(graph)
    if fmt == "graphml":
        return render_graphml(graph)
    return render_text(graph, words)


# ---------------------------------------------------------------- an institution's feed


def render_institution_atom(institution, rows: list, words: Labels, base: str,
                            feed_url: str) -> str:
    """An Atom feed of an institution's stories (its partnership rows, newest first): one
    entry per story with its pairs and their evidence, linked to the story's page at
    ``base`` (the web page's address)."""
    stories: dict[tuple, dict] = {}
    for row in rows:
        key = ("story", row.story_id) if row.story_id is not None else ("article", row.article_id)
        story = stories.setdefault(key, {
            "id": f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, f'institution/{institution.id}/{key}')}",
            "story_id": row.story_id, "title": row.title, "url": row.url,
            "updated": row.first_seen_at, "published": row.published_at,
            "relations": [], "lines": [], "evidence": []})
        story["updated"] = max(story["updated"], row.first_seen_at)
        if row.relation not in story["relations"]:
            story["relations"].append(row.relation)
        arrow = "→" if row.relation in AID_RELATIONS else "↔"
        line = f"{row.a} {arrow} {row.b}{words.paren(words.relation(row.relation))}"
        if line not in story["lines"]:
            story["lines"].append(line)
            story["evidence"].append(row.evidence)
    for story in stories.values():
        story["html"] = "".join(
            f"<p>{escape(line)}</p>" + (f"<blockquote>{escape(quote)}</blockquote>" if quote
                                        else "")
            for line, quote in zip(story["lines"], story["evidence"], strict=True))
    entries = list(stories.values())
    updated = max((e["updated"] for e in entries), default=institution.created_at)
    feed = environment().get_template("institution.atom").render(
        L=words, institution=institution, stories=entries, base=base, feed_url=feed_url,
        feed_id=f"urn:uuid:{uuid.uuid5(FEED_NAMESPACE, f'institution/{institution.id}')}",
        updated=updated)
    return NOT_XML.sub("", feed)


# ---------------------------------------------------------------- the web page's drawing


@dataclass(frozen=True)
class Drawing:
    """A graph placed in a ``width`` × ``height`` box: node positions and radii."""

    width: int
    height: int
    nodes: list[tuple[Node, float, float, float]]  # node, x, y, radius
    edges: list[tuple[Edge, float, float, float, float]]  # edge, x1, y1, x2, y2


def trim(graph: Graph, limit: int, centre: int | None = None) -> Graph:
    """At most ``limit`` nodes: the centre and those with the most stories."""
    if len(graph.nodes) <= limit:
        return graph
    ranked = sorted(graph.nodes.values(), key=lambda n: (n.id != centre, -n.weight, n.name))
    kept = {n.id for n in ranked[:limit]}
    return Graph({i: n for i, n in graph.nodes.items() if i in kept},
                 [e for e in graph.edges if e.a.id in kept and e.b.id in kept])


def layout(graph: Graph, centre: int | None = None, width: int = 900, height: int = 640,
           iterations: int = 200) -> Drawing:
    """Deterministic positions: with ``centre`` that institution in the middle and its
    partners on a circle (others on an outer one); else a force layout (Fruchterman and
    Reingold) from a fixed seed."""
    ids = sorted(graph.nodes, key=lambda i: (-graph.nodes[i].weight, graph.nodes[i].name, i))
    cx, cy = width / 2, height / 2
    margin = 90
    radius_x, radius_y = cx - margin - 60, cy - margin / 2
    spots: dict[int, tuple[float, float]] = {}
    if centre is not None and centre in graph.nodes:
        spots[centre] = (cx, cy)
        near = [i for i in ids if i != centre and any(
            {e.a.id, e.b.id} == {centre, i} for e in graph.edges)]
        far = [i for i in ids if i != centre and i not in near]
        for ring, members, scale in ((0, near, 1.0 if not far else 0.62), (1, far, 1.0)):
            for k, i in enumerate(members):
                angle = 2 * math.pi * k / max(1, len(members)) - math.pi / 2 + ring * 0.3
                spots[i] = (cx + radius_x * scale * math.cos(angle),
                            cy + radius_y * scale * math.sin(angle))
    else:
        spots = _forces(ids, graph, width - 2 * margin, height - margin, iterations)
        spots = {i: (x + margin, y + margin / 2) for i, (x, y) in spots.items()}
    top = max((n.weight for n in graph.nodes.values()), default=1) or 1
    nodes = [(graph.nodes[i], *spots[i], 6 + 10 * math.sqrt(graph.nodes[i].weight / top))
             for i in ids]
    edges = [(e, *spots[e.a.id], *spots[e.b.id]) for e in graph.edges]
    return Drawing(width, height, nodes, edges)


def _forces(ids: list[int], graph: Graph, width: float, height: float,
            iterations: int) -> dict[int, tuple[float, float]]:
    rng = random.Random(LAYOUT_SEED)
    pos = {i: [rng.uniform(0, width), rng.uniform(0, height)] for i in ids}
    if len(ids) == 1:
        return {ids[0]: (width / 2, height / 2)}
    k = 0.6 * math.sqrt(width * height / max(1, len(ids)))
    links = {(e.a.id, e.b.id) for e in graph.edges if e.a.id != e.b.id}
    temperature = width / 10
    for _ in range(iterations):
        move = {i: [0.0, 0.0] for i in ids}
        for x, i in enumerate(ids):
            for j in ids[x + 1:]:
                dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
                d = math.hypot(dx, dy) or 0.01
                f = k * k / d
                move[i][0] += dx / d * f
                move[i][1] += dy / d * f
                move[j][0] -= dx / d * f
                move[j][1] -= dy / d * f
        for i, j in links:
            dx, dy = pos[i][0] - pos[j][0], pos[i][1] - pos[j][1]
            d = math.hypot(dx, dy) or 0.01
            f = d * d / k
            move[i][0] -= dx / d * f
            move[i][1] -= dy / d * f
            move[j][0] += dx / d * f
            move[j][1] += dy / d * f
        for i in ids:
            d = math.hypot(*move[i]) or 0.01
            step = min(d, temperature)
            pos[i][0] = min(width, max(0.0, pos[i][0] + move[i][0] / d * step))
            pos[i][1] = min(height, max(0.0, pos[i][1] + move[i][1] / d * step))
        temperature = max(1.0, temperature * 0.97)
    return {i: (round(p[0], 1), round(p[1], 1)) for i, p in pos.items()}
