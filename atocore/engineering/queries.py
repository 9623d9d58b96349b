"""The engineering query catalog Q-001 … Q-020 (docs/architecture/engineering-query-catalog.md).

Each query is a plain function over a :class:`Graph` of the project's
active entities, returning rows (dicts) in a deterministic order. Only
active entities count; an empty result is an empty list, never an error.
``run_query(conn, "Q-006", project="p05")`` is the single entry point the
CLI, the HTTP server and the Human Mirror share.
"""

from __future__ import annotations

from typing import Any

from atocore.db.types import Connection
from atocore.engineering.graph import Graph
from atocore.engineering.queries_design import (  # noqa: F401 - registers Q-001 … Q-009
    q001,
    q002,
    q003,
    q004,
    q005,
    q006,
    q007,
    q008,
    q009,
)
from atocore.engineering.queries_evidence import (  # noqa: F401 - registers Q-010 … Q-020
    q010,
    q011,
    q012,
    q013,
    q014,
    q016,
    q017,
    q018,
    q019,
    q020,
)
from atocore.engineering.query_registry import _CATALOG, QueryDef, QueryResult
from atocore.errors import InvalidInput
from atocore.projects.known import require_known_project

__all__ = ["QueryDef", "QueryResult", "catalog", "normalize_query_id", "run_query"]


def catalog() -> list[QueryDef]:
    return [_CATALOG[k][0] for k in sorted(_CATALOG)]


# --- entry points -----------------------------------------------------------------------------


def normalize_query_id(qid: str) -> str:
    raw = (qid or "").strip().upper().replace("Q", "").lstrip("-")
    if not raw.isdigit():
        raise InvalidInput(f"query id must look like Q-006, got {qid!r}")
    name = f"Q-{int(raw):03d}"
    if name not in _CATALOG:
        known = ", ".join(sorted(_CATALOG))
        raise InvalidInput(f"no query {name} (Q-015 is deferred); available: {known}")
    return name


def run_query(conn: Connection, qid: str, *, project: str, **args: Any) -> QueryResult:
    """Run a catalog query against a project's active entities."""
    project = require_known_project(conn, project, for_write=False)
    if not project:
        raise InvalidInput("a project is required (--project)")
    name = normalize_query_id(qid)
    definition, fn = _CATALOG[name]
    given = {k: v for k, v in args.items() if v is not None and v != ""}
    unknown = set(given) - set(definition.args)
    if unknown:
        raise InvalidInput(
            f"{name} does not take {', '.join(sorted(unknown))} "
            f"(takes: {', '.join(definition.args) or 'no arguments'})"
        )
    missing = [a for a in definition.required if a not in given]
    if missing:
        raise InvalidInput(f"{name} needs --{missing[0]}")
    rows = fn(conn, Graph.load(conn, project), **given)
    return QueryResult(
        query=name,
        title=definition.title,
        project=project,
        args=given,
        count=len(rows),
        rows=rows,
    )
