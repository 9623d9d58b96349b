"""Projects (the registry) and trusted project state."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends

from atocore.context.project_state import StateEntry
from atocore.projects.registry import RegisteredProject
from atocore.server.app import changed, get_conn
from atocore.server.models import DetectIn, ProjectIn, ProjectUpdate, StateKey, StateSet
from atocore.server.security import safe_name

router = APIRouter(tags=["projects"])


def _roots(roots: list | None) -> list[dict] | None:
    return None if roots is None else [r.model_dump() for r in roots]


@router.get("/projects", response_model=list[RegisteredProject])
def list_projects() -> list[dict[str, Any]]:
    """Registered projects (same shape as `atocore projects list --json`)."""
    from atocore.projects.registry import list_projects

    return [p.model_dump() for p in list_projects()]


@router.get("/projects/template")
def template() -> dict[str, Any]:
    """An example registry entry to copy."""
    from atocore.projects.registry import template

    return {"projects": [template()]}


@router.post("/projects/proposal", response_model=RegisteredProject)
def propose(body: ProjectIn) -> dict[str, Any]:
    """Validate a registration without writing it."""
    from atocore.projects.registry import propose_project

    return propose_project(
        body.project_id, body.aliases, body.description, _roots(body.ingest_roots)
    ).model_dump()


@router.post("/projects/register", status_code=201, response_model=RegisteredProject)
def register(body: ProjectIn) -> dict[str, Any]:
    """Add a project to the registry."""
    from atocore.projects.registry import register_project

    return register_project(
        body.project_id, body.aliases, body.description, _roots(body.ingest_roots)
    ).model_dump()


@router.post("/projects/detect")
def detect(body: DetectIn) -> dict[str, Any]:
    """The project a prompt (or working directory) belongs to, or null."""
    from atocore.projects.registry import detect_project

    project = detect_project(body.text, Path(body.cwd) if body.cwd else None)
    return {"project": project.id if project else None}


@router.get("/projects/{name}")
def show(name: str) -> dict[str, Any]:
    """One project with its resolved roots (as `atocore projects show --json`)."""
    from atocore.projects.registry import project_roots, require_project

    project = require_project(safe_name(name, "project name"))
    data = project.model_dump()
    data["resolved_roots"] = [
        {"path": str(p), "exists": p.is_dir()} for p in project_roots(project)
    ]
    return data


@router.put("/projects/{name}", response_model=RegisteredProject)
def update(name: str, body: ProjectUpdate) -> dict[str, Any]:
    """Replace aliases, description or roots (the id never changes)."""
    from atocore.projects.registry import update_project

    return update_project(
        safe_name(name, "project name"),
        aliases=body.aliases,
        description=body.description,
        ingest_roots=_roots(body.ingest_roots),
    ).model_dump()


@router.get("/project/state/{project}", response_model=list[StateEntry])
def get_state(
    project: str,
    category: str | None = None,
    all: bool = False,  # the public query parameter name
    conn: Any = Depends(get_conn),
) -> list[dict[str, Any]]:
    """Active state of a project (full history with ``all=true``)."""
    from atocore.context.project_state import get_state

    entries = get_state(
        conn, safe_name(project, "project name"), category=category, include_history=all
    )
    return [e.model_dump() for e in entries]


@router.post("/project/state", response_model=StateEntry)
def set_state(body: StateSet, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Set the active value of project/category/key (old value → history)."""
    from atocore.context.project_state import set_state

    return changed(
        set_state(
            conn,
            body.project,
            body.category,
            body.key,
            body.value,
            source=body.source,
            confidence=body.confidence,
        ).model_dump()
    )


@router.delete("/project/state", response_model=StateEntry)
def invalidate_state(body: StateKey, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Retire the active value of project/category/key (kept as history)."""
    from atocore.context.project_state import invalidate_state

    return changed(invalidate_state(conn, body.project, body.category, body.key).model_dump())


@router.post("/project/state/invalidate", response_model=StateEntry)
def invalidate_state_post(body: StateKey, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Same as DELETE /project/state, for clients that cannot send a DELETE body."""
    return invalidate_state(body, conn)
