"""Interactions: capture, list, show, reinforce, extract (candidates only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from atocore.interactions.service import Interaction, InteractionSummary
from atocore.memory.extractor import ExtractionResult
from atocore.memory.reinforcement import ReinforcementResult
from atocore.server.app import get_conn
from atocore.server.models import ExtractIn, InteractionIn

router = APIRouter(tags=["interactions"])


@router.post("/interactions", response_model=Interaction)
def capture(body: InteractionIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Store one prompt/response round-trip (reinforces unless ``reinforce`` is false).

    Without a ``context_pack``, the pack the prompt hook injected on this
    server for the same session and prompt is attached.
    """
    from atocore.context.sessions import recall_pack
    from atocore.interactions.service import record_interaction

    context_pack = body.context_pack
    if context_pack is None and body.session_id:
        context_pack = recall_pack(body.session_id, body.prompt)

    interaction = record_interaction(
        conn,
        body.prompt,
        body.response,
        project=body.project,
        client=body.client,
        session_id=body.session_id,
        context_pack=context_pack,
        memories_used=body.memories_used,
        chunks_used=body.chunks_used,
        response_summary=body.response_summary,
        reinforce=body.reinforce,
    )
    return interaction.model_dump(mode="json")


@router.get("/interactions", response_model=list[InteractionSummary])
def list_(
    project: str | None = None,
    session_id: str | None = None,
    client: str | None = None,
    since: str | None = None,
    limit: int = Query(50, ge=1),
    conn: Any = Depends(get_conn),
) -> list[dict[str, Any]]:
    """Newest first, without response bodies (as `interactions list --json`)."""
    from atocore.interactions.service import list_interactions

    items = list_interactions(
        conn, project=project, session_id=session_id, client=client, since=since, limit=limit
    )
    return [i.model_dump() for i in items]


@router.get("/interactions/{interaction_id}")
def show(interaction_id: str, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """One interaction in full (id or unique prefix)."""
    from atocore.interactions.service import get_interaction

    return get_interaction(conn, interaction_id).model_dump(mode="json", exclude={"reinforcement"})


@router.post("/interactions/{interaction_id}/reinforce", response_model=ReinforcementResult)
def reinforce(interaction_id: str, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Reinforce the active memories the stored response restates."""
    from atocore.interactions.service import reinforce_interaction

    return reinforce_interaction(conn, interaction_id).model_dump()


@router.post("/interactions/{interaction_id}/extract", response_model=ExtractionResult)
def extract(
    interaction_id: str, body: ExtractIn | None = None, conn: Any = Depends(get_conn)
) -> dict[str, Any]:
    """Propose candidate memories (preview unless ``persist``; never active)."""
    from atocore.memory.extractor import extract_from_interaction

    persist = body.persist if body else False
    return extract_from_interaction(conn, interaction_id, persist=persist).model_dump()
