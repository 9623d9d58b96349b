"""Claude Code hooks run on the server: one round trip, warm model.

A hook process with ``ATOCORE_URL`` set forwards its stdin payload here and
prints what comes back, so the pack is built next to the warm embedder and
the session state (``#atocore-off``, the injected pack) lives with the data.
The stop hook is not here: it reads a transcript on the client's disk and
posts ``/interactions``.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Response

from atocore.retrieval.search import Mode
from atocore.server.app import get_conn

router = APIRouter(tags=["hooks"])


def _hook_output(result: dict | None) -> Response:
    """The hook's stdout: its JSON, or 204 when it has nothing to say."""
    if not result:
        return Response(status_code=204)
    return Response(json.dumps(result), media_type="application/json")


@router.post("/hooks/{name}", responses={204: {"description": "nothing to inject"}})
def run_hook(
    name: Literal["prompt", "session-start"],
    payload: dict[str, Any] = Body(
        ..., description="the hook's JSON input, as Claude Code sends it"
    ),
    budget: int | None = Query(None, ge=1, le=200_000),
    mode: Mode | None = None,
    conn: Any = Depends(get_conn),
) -> Response:
    """Run the ``prompt`` or ``session-start`` hook for a client (its stdout JSON, or 204)."""
    from atocore.hooks import handlers

    if name == "prompt":
        return _hook_output(handlers.prompt(payload, conn=conn, budget=budget, mode=mode))
    return _hook_output(handlers.session_start(payload, conn=conn, budget=budget))
