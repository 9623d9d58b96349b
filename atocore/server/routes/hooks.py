"""Claude Code hooks run on the server: one round trip, warm model.

A hook process with ``ATOCORE_URL`` set forwards its stdin payload here and
prints what comes back, so the pack is built next to the warm embedder and
the session state (``#atocore-off``, the injected pack) lives with the data.
These two routes are ``raw`` operations: the body is the hook's payload and
the answer is the hook's stdout JSON, or 204 when there is nothing to inject.
The stop hook posts ``/hooks/stop`` (a generated route).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query, Response

from atocore.api import Operations
from atocore.db.types import Connection
from atocore.retrieval.modes import Mode
from atocore.server.app import get_conn

router = APIRouter(tags=["hooks"])

Payload = Body(..., description="the hook's JSON input, as Claude Code sends it")


def _hook_output(result: Any) -> Response:
    """The hook's stdout: its JSON, or 204 when it has nothing to say."""
    if result is None:
        return Response(status_code=204)
    return Response(result.model_dump_json(), media_type="application/json")


@router.post("/hooks/prompt", responses={204: {"description": "nothing to inject"}})
def prompt_hook(
    payload: dict[str, Any] = Payload,
    budget: int | None = Query(None, ge=1, le=200_000),
    mode: Mode | None = None,
    conn: Connection = Depends(get_conn),
) -> Response:
    """The context pack to inject for a prompt (as ``Injection``), or 204."""
    return _hook_output(Operations(conn).prompt_hook(payload, budget=budget, mode=mode))


@router.post("/hooks/session-start", responses={204: {"description": "nothing to inject"}})
def session_start_hook(
    payload: dict[str, Any] = Payload,
    budget: int | None = Query(None, ge=1, le=200_000),
    conn: Connection = Depends(get_conn),
) -> Response:
    """Trusted state and recent decisions for the session's project, or 204."""
    return _hook_output(Operations(conn).session_start_hook(payload, budget=budget))
