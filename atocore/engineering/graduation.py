"""Memory → entity graduation.

A reviewed memory whose type belongs to the engineering layer becomes an
entity *candidate* that carries the memory's text and provenance:

========== ============== ===========================================
memory     entity type    why
========== ============== ===========================================
adaptation Decision       an adaptation records what was decided
project    Requirement    project memories state what the project needs
           (Decision)     ... unless it records a decision ("Decision: …",
                          "we decided …"), as the extractor writes them
knowledge  Constraint     knowledge memories state limits that hold
========== ============== ===========================================

The memory becomes ``graduated`` with a forward pointer (``graduated_to``)
to the new entity, leaves context packs, and stays in the database:
promoting or rejecting the entity never deletes it. Identity, preference
and episodic memories are personal and do not graduate.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.engineering.create import create_entity
from atocore.engineering.schemas import Entity, normalize_type
from atocore.errors import ConflictError, InvalidInput
from atocore.text import slugify

GRADUATION_MAP = {"adaptation": "Decision", "project": "Requirement", "knowledge": "Constraint"}
EXTRACTOR_VERSION = "graduation/1"


class Graduation(BaseModel):
    memory: dict[str, Any]
    entity: Entity


def _name_from(content: str) -> str:
    first = content.strip().splitlines()[0].strip() if content.strip() else ""
    return first if len(first) <= 80 else first[:77].rstrip() + "..."


def graduation_target(memory: Any) -> str | None:
    """The entity type a memory graduates to by default (see the module doc)."""
    from atocore.memory.extractor import is_decision

    if memory.memory_type == "project" and is_decision(memory.content):
        return "Decision"
    return GRADUATION_MAP.get(memory.memory_type)


def graduate_memory(
    conn: Connection,
    memory_id: str,
    *,
    entity_type: str | None = None,
    name: str | None = None,
    project: str | None = None,
    reason: str = "",
) -> Graduation:
    """Turn an active (or candidate) memory into an entity candidate; see the module doc."""
    from atocore.memory.service import get_memory, mark_graduated

    memory = get_memory(conn, memory_id)
    if memory.status not in ("active", "candidate"):
        raise ConflictError(
            f"memory {memory.id} is {memory.status}; only active or candidate memories graduate"
        )
    target = normalize_type(entity_type) if entity_type else graduation_target(memory)
    if target is None:
        raise InvalidInput(
            f"{memory.memory_type} memories do not graduate (only "
            f"{', '.join(f'{k} → {v}' for k, v in GRADUATION_MAP.items())})"
        )
    project = project or memory.project
    if not project:
        raise InvalidInput(f"memory {memory.id} has no project; pass --project")
    title = (name or _name_from(memory.content)).strip()
    if not title:
        raise InvalidInput(f"memory {memory.id} is empty")
    attributes: dict[str, Any] = {}
    if target in ("Decision", "Requirement", "Constraint", "Assumption", "ValidationClaim"):
        attributes["statement"] = memory.content.strip()
    else:
        attributes["description"] = memory.content.strip()
    refs: list[dict[str, Any]] = [{"kind": "memory", "ref": memory.id}]
    if memory.source_chunk_id:
        refs.append({"kind": "chunk", "ref": memory.source_chunk_id})
    if memory.source_interaction_id:
        refs.append({"kind": "interaction", "ref": memory.source_interaction_id})
    with transaction(conn):
        entity = create_entity(
            conn,
            project,
            target,
            title,
            attributes,
            identity_key=f"{slugify(title)[:60]}-{memory.id[:8]}",
            status="candidate",
            confidence=memory.confidence,
            source_refs=refs,
            extractor_version=EXTRACTOR_VERSION,
        )
        graduated = mark_graduated(
            conn, memory.id, entity.id, reason=reason or f"graduated to {target} {entity.id}"
        )
    return Graduation(memory=graduated.model_dump(), entity=entity)
