"""Health, status, sources, stats."""

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


@router.get("/status")
def status(request: Request) -> dict[str, Any]:
    """Exactly what `atocore status --json` prints."""
    from atocore.ops.health import collect_status

    return collect_status(request.app.state.settings)


@router.get("/sources")
def sources(request: Request) -> list[dict[str, Any]]:
    """Every registered ingest root and whether it exists."""
    from atocore.projects.registry import list_projects, load_registry, resolve_root

    registry = load_registry(request.app.state.settings.registry_path)
    rows = []
    for project in list_projects():
        for root in project.ingest_roots:
            path = resolve_root(root, registry)
            rows.append(
                {
                    "project": project.id,
                    "source": root.source,
                    "subpath": root.subpath,
                    "path": str(path),
                    "exists": path.is_dir(),
                }
            )
    return rows


@router.get("/stats")
def stats(request: Request) -> dict[str, Any]:
    """Row counts per table."""
    from atocore.ops.health import collect_status

    report = collect_status(request.app.state.settings)
    return {"counts": report["counts"], "embedding": report["embedding"]}
