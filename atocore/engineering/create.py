"""Creating an entity: validate, derive its identity key, insert, detect conflicts.

Above both the entity store and conflict detection, so the dependency runs
one way: entities <- conflicts <- create.
"""

from __future__ import annotations

from typing import Any

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.engineering.conflicts import detect_for_entity
from atocore.engineering.entities import insert_entity
from atocore.engineering.schemas import (
    LIVE_STATUSES,
    Entity,
    SourceRef,
    canonical_home_for,
    normalize_type,
    validate_attributes,
)
from atocore.errors import InvalidInput
from atocore.projects.known import require_known_project
from atocore.review_log import default_actor
from atocore.text import slugify
from atocore.timeutil import now_utc


def check_source_refs(refs: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    out = []
    for i, ref in enumerate(refs or []):
        try:
            out.append(SourceRef.model_validate(ref).model_dump(exclude_defaults=False))
        except Exception as exc:  # pydantic error → one line
            raise InvalidInput(f"source_refs[{i}] is invalid: {exc}".splitlines()[0]) from exc
    return out


def manual_ref() -> dict[str, Any]:
    return {"kind": "manual", "ref": f"entered by {default_actor()} at {now_utc()}"}


def create_entity(
    conn: Connection,
    project: str,
    entity_type: str,
    name: str,
    attributes: dict[str, Any] | None = None,
    *,
    identity_key: str | None = None,
    status: str = "candidate",
    confidence: float = 1.0,
    source_refs: list[dict[str, Any]] | None = None,
    extractor_version: str = "manual",
    canonical_home: str | None = None,
) -> Entity:
    """Create an entity (candidate by default). An active create runs conflict detection."""
    project = require_known_project(conn, project, for_write=True)
    if not project:
        raise InvalidInput("a project is required")
    entity_type = normalize_type(entity_type)
    name = (name or "").strip()
    if not name:
        raise InvalidInput("entity name must be non-empty")
    if status not in LIVE_STATUSES:
        raise InvalidInput(f"new entities are 'candidate' or 'active', not {status!r}")
    if not 0.0 <= confidence <= 1.0:
        raise InvalidInput(f"confidence must be between 0 and 1, got {confidence}")
    attrs = validate_attributes(entity_type, attributes or {})
    refs = check_source_refs(source_refs) or [manual_ref()]
    key = (identity_key or "").strip() or slugify(name)
    if not key:
        raise InvalidInput(f"cannot derive an identity key from name {name!r}")
    with transaction(conn):
        entity = insert_entity(
            conn,
            project=project,
            entity_type=entity_type,
            name=name,
            identity_key=key,
            attributes=attrs,
            status=status,
            confidence=confidence,
            source_refs=refs,
            extractor_version=extractor_version,
            canonical_home=canonical_home or canonical_home_for(entity_type),
        )
        if status == "active":
            detect_for_entity(conn, entity, detected_by="create")
    return entity
