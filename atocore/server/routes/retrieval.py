"""Retrieval and context packs: query, context/build, debug/context, audit, ingest."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from atocore.server.app import get_conn
from atocore.server.models import RefreshIn
from atocore.server.security import safe_name

router = APIRouter(tags=["retrieval"])


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
