"""Memories: list, add, show, edit, promote, reject, supersede."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from atocore.memory.service import Memory
from atocore.server.app import changed, get_conn
from atocore.server.models import MemoryEdit, MemoryIn, ReviewIn, SupersedeIn

router = APIRouter(tags=["memory"])


@router.get("/memory", response_model=list[Memory])
def list_(
    memory_type: str | None = None,
    project: str | None = None,
    status: str | None = None,
    interaction: str | None = None,
    limit: int = Query(100, ge=1),
    conn: Any = Depends(get_conn),
) -> list[dict[str, Any]]:
    """Memories newest first (as `memory list --json`); status=candidate is the queue."""
    from atocore.memory.service import list_memories

    memories = list_memories(
        conn,
        memory_type=memory_type,
        project=project,
        status=status,
        source_interaction_id=interaction,
        limit=limit,
    )
    return [m.model_dump() for m in memories]


@router.post("/memory", status_code=201, response_model=Memory)
def add(body: MemoryIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Add a memory (active, or a candidate with ``candidate: true``)."""
    from atocore.memory.service import create_memory

    return changed(
        create_memory(
            conn,
            body.memory_type,
            body.content,
            project=body.project,
            status="candidate" if body.candidate else "active",
            confidence=body.confidence,
            reason=body.reason or "added over HTTP",
        ).model_dump()
    )


@router.get("/memory/{memory_id}")
def show(memory_id: str, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """One memory with provenance and review history (as `memory show --json`)."""
    from atocore.memory.review_queue import memory_provenance
    from atocore.memory.service import get_memory
    from atocore.review_log import list_reviews

    memory = get_memory(conn, memory_id)
    return {
        "memory": memory.model_dump(),
        "provenance": memory_provenance(conn, memory),
        "history": [
            r.model_dump()
            for r in reversed(list_reviews(conn, target_kind="memory", target_id=memory.id))
        ],
    }


@router.put("/memory/{memory_id}", response_model=Memory)
def edit(memory_id: str, body: MemoryEdit, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Change a candidate or active memory."""
    from atocore.memory.service import edit_memory

    return changed(
        edit_memory(
            conn,
            memory_id,
            content=body.content,
            memory_type=body.memory_type,
            project=body.project,
            confidence=body.confidence,
            reason=body.reason,
        ).model_dump()
    )


@router.post("/memory/{memory_id}/promote", response_model=Memory)
def promote(
    memory_id: str, body: ReviewIn | None = None, conn: Any = Depends(get_conn)
) -> dict[str, Any]:
    """candidate → active."""
    from atocore.memory.service import promote_memory

    return changed(promote_memory(conn, memory_id, reason=body.reason if body else "").model_dump())


@router.post("/memory/{memory_id}/reject", response_model=Memory)
def reject(
    memory_id: str, body: ReviewIn | None = None, conn: Any = Depends(get_conn)
) -> dict[str, Any]:
    """candidate (or wrong active) → invalid."""
    from atocore.memory.service import reject_memory

    return changed(reject_memory(conn, memory_id, reason=body.reason if body else "").model_dump())


@router.post("/memory/{memory_id}/supersede")
def supersede(memory_id: str, body: SupersedeIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Mark an active memory superseded, optionally by a replacement."""
    from atocore.memory.service import supersede_memory

    old, new = supersede_memory(
        conn, memory_id, by=body.by, new_content=body.content, reason=body.reason
    )
    return {"superseded": old.model_dump(), "replacement": new.model_dump() if new else None}
