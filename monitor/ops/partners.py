"""The cooperation graph as asked for: by ``monitor partners`` and the web page's graph,
institution and feed pages (``monitor.digest.graph`` builds and writes it)."""

from __future__ import annotations

from datetime import datetime

from monitor.digest.graph import Graph, build_graph
from monitor.errors import MonitorError
from monitor.judgement.partners import RELATIONS
from monitor.storage.database import Storage
from monitor.storage.models import Institution


class PartnersError(MonitorError, ValueError):
    """An institution or relation asked for that is not known."""


def pick_institution(storage: Storage, name: str | None) -> Institution | None:
    """The institution ``name`` (any of its names, or its ID) stands for; None for none."""
    if not name:
        return None
    found = storage.find_institution(name)
    if found is None:
        raise PartnersError(f"no institution goes by the name {name} (see `monitor "
                            "institutions --search …`)")
    return found


def check_relation(relation: str | None) -> str | None:
    if relation and relation not in RELATIONS:
        raise PartnersError(f"no relation {relation!r}: one of {', '.join(RELATIONS)}")
    return relation or None


def partners_graph(storage: Storage, *, institution: Institution | None = None,
                   relation: str | None = None, since: datetime | None = None) -> Graph:
    """The partnerships (of ``institution``, of ``relation``, since ``since``) summed up
    per pair of institutions."""
    rows = storage.partnership_rows(institution_id=institution.id if institution else None,
                                    relation=check_relation(relation), since=since)
    return build_graph(rows)
