"""Engineering layer: entities, relationships, KB-CAD/KB-FEM imports, conflicts, queries."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Query

from atocore.engineering.conflicts import Conflict
from atocore.engineering.imports import ImportSummary
from atocore.engineering.schemas import Entity, Relationship
from atocore.errors import InvalidInput
from atocore.server.app import changed, get_conn
from atocore.server.models import (
    ConflictResolve,
    EngQueryIn,
    EntityEdit,
    EntityIn,
    EntitySupersede,
    RelateIn,
    ReviewIn,
)

router = APIRouter(tags=["engineering"])


@router.get("/entities", response_model=list[Entity])
def list_(
    project: str | None = None,
    entity_type: str | None = None,
    status: str = "active",
    limit: int = Query(200, ge=1),
    conn: Any = Depends(get_conn),
) -> list[dict[str, Any]]:
    """Entities (active by default; ``status=all`` for every status)."""
    from atocore.engineering.entities import list_entities

    rows = list_entities(
        conn,
        project,
        entity_type=entity_type,
        status=None if status == "all" else status,
        limit=limit,
    )
    return [r.model_dump() for r in rows]


@router.post("/entities", status_code=201, response_model=Entity)
def add(body: EntityIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Add an entity (a candidate unless ``active``)."""
    from atocore.engineering.create import create_entity

    return changed(
        create_entity(
            conn,
            body.project,
            body.entity_type,
            body.name,
            body.attributes,
            identity_key=body.identity_key,
            status="active" if body.active else "candidate",
            confidence=body.confidence,
            source_refs=[{"kind": "manual", "ref": body.source}] if body.source else None,
        ).model_dump()
    )


@router.get("/entities/{ref}")
def show(ref: str, project: str | None = None, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """One entity with its relationships (id, prefix, or key/name with ``project``)."""
    from atocore.engineering.entities import find_entity
    from atocore.engineering.relationships import edges_of

    entity = find_entity(conn, ref, project)
    return {
        "entity": entity.model_dump(),
        "relationships": [r.model_dump() for r in edges_of(conn, entity.id)],
    }


@router.put("/entities/{ref}", response_model=Entity)
def edit(ref: str, body: EntityEdit, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Edit a candidate before promoting it."""
    from atocore.engineering.entities import find_entity
    from atocore.engineering.review import edit_entity

    fields = body.model_dump(exclude={"reason"}, exclude_none=True)
    if not fields:
        raise InvalidInput("nothing to edit: give name, attributes or confidence")
    return changed(
        edit_entity(conn, find_entity(conn, ref).id, reason=body.reason, **fields).model_dump()
    )


@router.post("/entities/{ref}/promote", response_model=Entity)
def promote(
    ref: str, body: ReviewIn | None = None, conn: Any = Depends(get_conn)
) -> dict[str, Any]:
    """candidate → active (refused while in an open conflict)."""
    from atocore.engineering.entities import find_entity
    from atocore.engineering.review import promote_entity

    reason = body.reason if body else ""
    return changed(promote_entity(conn, find_entity(conn, ref).id, reason=reason).model_dump())


@router.post("/entities/{ref}/reject", response_model=Entity)
def reject(ref: str, body: ReviewIn | None = None, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """candidate → invalid."""
    from atocore.engineering.entities import find_entity
    from atocore.engineering.review import reject_entity

    reason = body.reason if body else ""
    return changed(reject_entity(conn, find_entity(conn, ref).id, reason=reason).model_dump())


@router.post("/entities/{ref}/supersede", response_model=Entity)
def supersede(ref: str, body: EntitySupersede, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """active → superseded, optionally by a successor."""
    from atocore.engineering.entities import find_entity
    from atocore.engineering.review import supersede_entity

    entity = find_entity(conn, ref)
    return changed(supersede_entity(conn, entity.id, by=body.by, reason=body.reason).model_dump())


@router.post("/relationships", status_code=201, response_model=Relationship)
def relate(body: RelateIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Link two entities with a typed relationship."""
    from atocore.engineering.relationships import relate

    return relate(conn, body.source, body.rel_type, body.target, project=body.project).model_dump()


def _import(kind: str, data: Any, project: str | None, dry_run: bool, conn: Any) -> dict:
    from atocore.engineering.imports import import_export

    return changed(
        import_export(
            conn, kind, data, project=project, dry_run=dry_run, source=f"http:{kind}"
        ).model_dump()
    )


@router.post("/ingest/kb-cad", response_model=ImportSummary)
def import_kb_cad(
    export: Any = Body(..., description="The KB-CAD export JSON."),
    project: str | None = None,
    dry_run: bool = False,
    conn: Any = Depends(get_conn),
) -> dict[str, Any]:
    """Import a KB-CAD export: new facts become candidates, changed values open conflicts."""
    return _import("kb-cad", export, project, dry_run, conn)


@router.post("/ingest/kb-fem", response_model=ImportSummary)
def import_kb_fem(
    export: Any = Body(..., description="The KB-FEM export JSON."),
    project: str | None = None,
    dry_run: bool = False,
    conn: Any = Depends(get_conn),
) -> dict[str, Any]:
    """Import a KB-FEM export (analysis models, results, validation claims)."""
    return _import("kb-fem", export, project, dry_run, conn)


@router.get("/conflicts", response_model=list[Conflict])
def conflicts(
    project: str | None = None, status: str = "open", conn: Any = Depends(get_conn)
) -> list[dict[str, Any]]:
    """Conflicts (open ones by default; ``status=all`` for every status)."""
    from atocore.engineering.conflicts import list_conflicts

    rows = list_conflicts(conn, project, status=None if status == "all" else status)
    return [c.model_dump() for c in rows]


@router.get("/conflicts/{conflict_id}", response_model=Conflict)
def conflict(conflict_id: str, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """One conflict and its members."""
    from atocore.engineering.conflicts import get_conflict

    return get_conflict(conn, conflict_id).model_dump()


@router.post("/conflicts/{conflict_id}/resolve", response_model=Conflict)
def resolve(
    conflict_id: str, body: ConflictResolve, conn: Any = Depends(get_conn)
) -> dict[str, Any]:
    """Resolve: supersede_others | no_action | dismiss."""
    from atocore.engineering.conflicts import resolve_conflict

    return changed(
        resolve_conflict(
            conn, conflict_id, body.action, winner=body.winner, reason=body.reason
        ).model_dump()
    )


@router.get("/eng/queries")
def catalog() -> list[dict[str, Any]]:
    """The engineering query catalog."""
    from atocore.engineering.queries import catalog

    return [q.model_dump() for q in catalog()]


@router.post("/eng/queries/{query_id}")
def run(query_id: str, body: EngQueryIn, conn: Any = Depends(get_conn)) -> dict[str, Any]:
    """Run one catalog query (e.g. Q-006) against a project's active entities."""
    from atocore.engineering.queries import run_query

    return run_query(
        conn,
        query_id,
        project=body.project,
        entity=body.entity,
        material=body.material,
        days=body.days,
    ).model_dump()
