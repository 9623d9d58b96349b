"""Query catalog machinery: definitions, the registry and shared argument handling.

The queries themselves live in ``queries_design`` (Q-001 … Q-009) and
``queries_evidence`` (Q-010 … Q-020); ``queries`` is the public entry point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from atocore.db.types import Connection
from atocore.engineering.entities import find_entity
from atocore.engineering.graph import Graph
from atocore.engineering.schemas import Entity
from atocore.errors import NotFound


class QueryDef(BaseModel):
    id: str
    title: str
    description: str
    args: list[str] = Field(default_factory=list)
    required: list[str] = Field(default_factory=list)


class QueryResult(BaseModel):
    query: str
    title: str
    project: str
    args: dict[str, Any]
    count: int
    rows: list[dict[str, Any]]


_CATALOG: dict[str, tuple[QueryDef, Callable[..., list[dict[str, Any]]]]] = {}


def register_query(qid: str, title: str, description: str, args=(), required=()):
    def wrap(fn):
        _CATALOG[qid] = (
            QueryDef(
                id=qid,
                title=title,
                description=description,
                args=list(args),
                required=list(required),
            ),
            fn,
        )
        return fn

    return wrap


def scope_of(
    graph: Graph, subject: Entity | None, *, parts: bool = True, containers: bool = False
) -> set[str] | None:
    """The ids a query about ``subject`` covers (see :meth:`Graph.around`); ``None``,
    meaning everything, when no entity is given."""
    if subject is None:
        return None
    return graph.around(subject.id, parts=parts, containers=containers)


def touches(scope: set[str] | None, entity: Entity, linked: list[Entity]) -> bool:
    """Whether a row about ``entity``, linked to ``linked``, belongs under ``scope``."""
    return scope is None or entity.id in scope or any(x.id in scope for x in linked)


def entity_arg(conn: Connection, graph: Graph, ref: str | None) -> Entity | None:
    if not ref:
        return None
    entity = find_entity(conn, ref, graph.project)
    if entity.id not in graph.entities:
        raise NotFound(
            f"{ref!r} is not an active entity of {graph.project} (it is {entity.status})"
        )
    return entity
