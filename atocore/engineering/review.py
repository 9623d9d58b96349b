"""Entity review: the candidate queue and the status transitions a reviewer makes.

candidate → active (promote) | invalid (reject); active → superseded
(supersede). Every transition is written to the review log with its reason
in the same transaction. Nothing here runs automatically.
"""

from __future__ import annotations

from typing import Any

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.engineering.conflicts import detect_for_entity, open_conflicts_for, sweep_obsolete
from atocore.engineering.entities import (
    find_entity,
    get_entity,
    list_entities,
    set_status,
    update_entity,
)
from atocore.engineering.relationships import add_edge, carry_edges
from atocore.engineering.schemas import Entity
from atocore.errors import ConflictError, InvalidInput
from atocore.review_log import record_review


def list_entity_candidates(
    conn: Connection, project: str | None = None, entity_type: str | None = None
) -> list[Entity]:
    """The entity review queue (canonicalizes ``project``)."""
    return list_entities(conn, project, entity_type=entity_type, status="candidate")


def _guard_open_conflicts(conn: Connection, entity: Entity) -> None:
    for conflict in open_conflicts_for(conn, entity.id):
        rivals = [
            m
            for m in conflict.members
            if m.kind == "entity" and m.id != entity.id and m.status == "active"
        ]
        if rivals:
            raise ConflictError(
                f"entity {entity.id} is in open conflict {conflict.id} ({conflict.field}) with "
                f"active entity {rivals[0].id}; resolve it with `atocore conflicts resolve "
                f"{conflict.id} --action ...` first"
            )


def _activate(conn: Connection, entity: Entity, reason: str, action: str = "promote") -> Entity:
    if not entity.source_refs:
        raise InvalidInput(
            f"entity {entity.id} has no provenance (source_refs) and cannot be active"
        )
    set_status(conn, entity.id, "active")
    record_review(
        conn,
        "entity",
        entity.id,
        action,
        from_status=entity.status,
        to_status="active",
        reason=reason,
    )
    active = get_entity(conn, entity.id)
    detect_for_entity(conn, active, detected_by="promote")
    return active


def promote_entity(conn: Connection, entity_id: str, reason: str = "") -> Entity:
    """candidate → active. Refused while the entity is in an open conflict with an active
    entity; a promotion that creates a new conflict still succeeds (flag, never block)."""
    entity = get_entity(conn, entity_id)
    if entity.status != "candidate":
        raise ConflictError(f"entity {entity.id} is {entity.status}, not a candidate")
    _guard_open_conflicts(conn, entity)
    with transaction(conn):
        return _activate(conn, entity, reason)


def reject_entity(conn: Connection, entity_id: str, reason: str = "") -> Entity:
    """candidate → invalid."""
    entity = get_entity(conn, entity_id)
    if entity.status != "candidate":
        raise ConflictError(f"entity {entity.id} is {entity.status}, not a candidate")
    with transaction(conn):
        set_status(conn, entity.id, "invalid")
        record_review(
            conn,
            "entity",
            entity.id,
            "reject",
            from_status="candidate",
            to_status="invalid",
            reason=reason,
        )
        sweep_obsolete(conn, project=entity.project, member_ids={entity.id})
    return get_entity(conn, entity.id)


def edit_entity(conn: Connection, entity_id: str, reason: str = "", **fields: Any) -> Entity:
    """Edit a candidate (name, attributes, confidence, identity_key) before promoting it."""
    allowed = {"name", "attributes", "confidence", "identity_key"}
    unknown = set(fields) - allowed
    if unknown:
        raise InvalidInput(
            f"cannot edit {', '.join(sorted(unknown))}; editable: name, "
            "attributes, confidence, identity_key"
        )
    before = get_entity(conn, entity_id)
    with transaction(conn):
        after = update_entity(conn, entity_id, **fields)
        record_review(
            conn,
            "entity",
            after.id,
            "edit",
            from_status=before.status,
            to_status=after.status,
            reason=reason or "edited: " + ", ".join(sorted(fields)),
        )
    return after


def supersede_entity(
    conn: Connection, entity_id: str, *, by: str | None = None, reason: str = ""
) -> Entity:
    """active → superseded, optionally by a successor of the same type (promoted if it is
    a candidate; the old entity's relationships are carried over to it)."""
    old = get_entity(conn, entity_id)
    if old.status != "active":
        raise ConflictError(f"entity {old.id} is {old.status}; only active entities are superseded")
    new = find_entity(conn, by, old.project) if by else None
    if new is not None:
        if new.id == old.id:
            raise InvalidInput("an entity cannot supersede itself")
        if new.entity_type != old.entity_type or new.project != old.project:
            raise InvalidInput("the successor must be an entity of the same type and project")
        if new.status not in ("candidate", "active"):
            raise ConflictError(f"successor {new.id} is {new.status}")
    with transaction(conn):
        set_status(conn, old.id, "superseded", new.id if new else None)
        record_review(
            conn,
            "entity",
            old.id,
            "supersede",
            from_status="active",
            to_status="superseded",
            reason=reason,
        )
        if new is not None:
            if new.status == "candidate":
                new = _activate(conn, new, reason or f"supersedes {old.id}")
            add_edge(conn, new, "supersedes", get_entity(conn, old.id))
            carry_edges(conn, old.id, new.id)
        sweep_obsolete(conn, project=old.project, member_ids={old.id})
    return get_entity(conn, old.id)
