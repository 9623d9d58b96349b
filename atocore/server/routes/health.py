"""``/health``: the liveness probe (status, sources and stats are operations)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

router = APIRouter(tags=["health"])


@router.get("/health")
def health(request: Request) -> dict[str, Any]:
    """Liveness plus version/build provenance and source readiness."""
    from atocore.ops.health import collect_status

    report = collect_status(request.app.state.settings)
    return {"status": "ok", "code_version": report["version"], **report}
