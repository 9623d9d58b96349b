"""Retrieval and context packs: query, context/build, debug/context, audit, ingest."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from atocore.context.builder import ContextPack
from atocore.retrieval.search import SearchResult
from atocore.server.app import get_conn
from atocore.server.models import ContextIn, QueryIn, RefreshIn
from atocore.server.security import safe_name

router = APIRouter(tags=["retrieval"])


@router.post("/query", response_model=SearchResult)
def query(body: QueryIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Hybrid (BM25 + vector) search over ingested chunks (as `atocore query --json`)."""
    from atocore.retrieval.search import search

    return search(
        conn, body.query, project=body.project, top_k=body.top_k, mode=body.mode
    ).model_dump()


@router.post("/query/audit")
def audit(body: QueryIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Label each corpus-wide hit on-/off-project (as `atocore audit-query --json`)."""
    from atocore.retrieval.audit import audit_query

    return audit_query(
        conn, body.query, project=body.project, top_k=body.top_k, mode=body.mode
    ).model_dump()


@router.post("/context/build", response_model=ContextPack)
def build(body: ContextIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """A budgeted context pack in trust order (``project`` may be an alias or "auto")."""
    from atocore.context.builder import ContextOptions, build_context

    pack = build_context(
        conn,
        body.prompt,
        project=body.project,
        options=ContextOptions(budget=body.budget, retrieval_mode=body.mode),
    )
    return pack.model_dump()


@router.get("/debug/context", response_model=ContextPack)
def last_context() -> dict[str, Any]:
    """The last pack built in this data dir (as `atocore context --last --json`)."""
    from atocore.context.builder import load_last_pack

    return load_last_pack().model_dump()


@router.post("/ingest/sources")
def ingest_sources(body: RefreshIn | None = None, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Ingest the roots of every registered project (only registered roots, never a path)."""
    from atocore.ingest.pipeline import ingest_all

    purge = body.purge_deleted if body else False
    return ingest_all(conn, purge_deleted=purge).model_dump()


@router.post("/projects/{name}/refresh")
def refresh(
    name: str, body: RefreshIn | None = None, conn: Any = Depends(get_conn)
) -> dict[str, Any]:
    """Re-ingest one registered project's roots."""
    from atocore.ingest.pipeline import ingest_project

    purge = body.purge_deleted if body else False
    return ingest_project(conn, safe_name(name, "project name"), purge_deleted=purge).model_dump()
