"""Entity store: insert, read, list and edit typed engineering entities.

The bottom of the engineering layer: it imports no other engineering
service. Creating an entity (with conflict detection) lives in
``create.py``, status changes (promote, reject, supersede) in ``review.py``,
conflict detection in ``conflicts.py``. Every entry point that takes a
project name canonicalizes it first.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from atocore.db import transaction
from atocore.db.rows import equal_filters, from_row, rows_by_id_prefix
from atocore.db.types import Connection
from atocore.engineering.schemas import (
    LIVE_STATUSES,
    STATUSES,
    Entity,
    normalize_type,
    validate_attributes,
)
from atocore.errors import ConflictError, InvalidInput, NotFound
from atocore.projects.known import require_known_project
from atocore.projects.registry import resolve_project_name
from atocore.text import content_hash
from atocore.timeutil import now_utc


def entity_hash(name: str, attributes: dict[str, Any]) -> str:
    """The stored ``content_hash`` of an entity: what an identical re-import compares."""
    data = json.dumps({"name": name, "attributes": attributes}, sort_keys=True, default=str)
    return content_hash(data)[:32]


def row_to_entity(row: Any) -> Entity:
    # Rows were validated on the way in; skip re-validation (queries load 1000s of them).
    return from_row(
        Entity,
        row,
        trusted=True,
        attributes=json.loads(row["attributes"] or "{}"),
        source_refs=json.loads(row["source_refs"] or "[]"),
    )


def insert_entity(
    conn: Connection,
    *,
    project: str,
    entity_type: str,
    name: str,
    identity_key: str,
    attributes: dict[str, Any],
    status: str,
    confidence: float,
    source_refs: list[dict[str, Any]],
    extractor_version: str,
    canonical_home: str,
    imported: bool = False,
) -> Entity:
    """Insert an already-validated row (callers hold the transaction)."""
    entity_id = uuid.uuid4().hex
    stamp = now_utc()
    conn.execute(
        "INSERT INTO entities (id, entity_type, name, project, identity_key, status, confidence, "
        "attributes, source_refs, content_hash, extractor_version, canonical_home, "
        "last_imported_at, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            entity_id,
            entity_type,
            name,
            project,
            identity_key,
            status,
            confidence,
            json.dumps(attributes, sort_keys=True),
            json.dumps(source_refs, sort_keys=True),
            entity_hash(name, attributes),
            extractor_version,
            canonical_home,
            stamp if imported else None,
            stamp,
            stamp,
        ),
    )
    return get_entity(conn, entity_id)


def get_entity(conn: Connection, entity_id: str) -> Entity:
    row = conn.execute("SELECT * FROM entities WHERE id = ?", (entity_id,)).fetchone()
    if row is None:
        raise NotFound(f"no entity {entity_id!r}")
    return row_to_entity(row)


def find_entity(conn: Connection, ref: str, project: str | None = None) -> Entity:
    """Resolve an id, a unique id prefix (6+ chars), or an identity key / name in a project.

    Among several entities with the same key or name the active one wins,
    then the newest candidate.
    """
    ref = (ref or "").strip()
    if not ref:
        raise InvalidInput("an entity id or key is required")
    row = conn.execute("SELECT * FROM entities WHERE id = ?", (ref,)).fetchone()
    if row is not None:
        return row_to_entity(row)
    if len(ref) >= 6 and re.fullmatch(r"[0-9a-f]+", ref):
        rows = rows_by_id_prefix(conn, "entities", ref)
        if len(rows) == 1:
            return row_to_entity(rows[0])
        if len(rows) > 1:
            raise InvalidInput(f"entity id prefix {ref!r} is ambiguous")
    project = resolve_project_name(project)
    sql = (
        "SELECT * FROM entities WHERE (identity_key = ? OR lower(name) = lower(?)) "
        "AND status IN ('active', 'candidate')"
    )
    params: list[Any] = [ref, ref]
    if project:
        sql += " AND project = ?"
        params.append(project)
    sql += " ORDER BY status = 'active' DESC, identity_key = ? DESC, created_at DESC, id"
    rows = conn.execute(sql, [*params, ref]).fetchall()
    if not rows:
        where = f" in project {project!r}" if project else ""
        raise NotFound(f"no entity {ref!r}{where}")
    types = {(r["entity_type"], r["identity_key"]) for r in rows if r["status"] == "active"}
    if len(types) > 1:
        raise InvalidInput(f"{ref!r} names several entities; use an id")
    return row_to_entity(rows[0])


def list_entities(
    conn: Connection,
    project: str | None = None,
    *,
    entity_type: str | None = None,
    status: str | None = "active",
    limit: int = 1000,
) -> list[Entity]:
    """Entities sorted by type, name, id (``status=None`` for every status)."""
    project = require_known_project(conn, project, for_write=False)
    entity_type = entity_type and normalize_type(entity_type)
    if status and status not in STATUSES:
        raise InvalidInput(f"invalid status {status!r}; choose one of: {', '.join(STATUSES)}")
    where, params = equal_filters(project=project, entity_type=entity_type, status=status)
    sql = f"SELECT * FROM entities WHERE 1=1{where} ORDER BY entity_type, lower(name), id LIMIT ?"
    params.append(max(1, min(limit, 100_000)))
    return [row_to_entity(r) for r in conn.execute(sql, params)]


def update_entity(
    conn: Connection,
    entity_id: str,
    *,
    name: str | None = None,
    attributes: dict[str, Any] | None = None,
    confidence: float | None = None,
    identity_key: str | None = None,
) -> Entity:
    """Edit a candidate before review (attributes are merged). Active entities change by
    superseding, so only their confidence may be edited here."""
    entity = get_entity(conn, entity_id)
    if entity.status != "candidate" and (name or attributes or identity_key):
        raise ConflictError(
            f"entity {entity.id} is {entity.status}; only candidates can be edited "
            "(supersede an active entity with a new candidate instead)"
        )
    if entity.status not in LIVE_STATUSES:
        raise ConflictError(f"entity {entity.id} is {entity.status} and cannot be edited")
    new_name = (name if name is not None else entity.name).strip()
    if not new_name:
        raise InvalidInput("entity name must be non-empty")
    attrs = entity.attributes
    if attributes:
        attrs = validate_attributes(entity.entity_type, {**entity.attributes, **attributes})
    conf = entity.confidence if confidence is None else confidence
    if not 0.0 <= conf <= 1.0:
        raise InvalidInput(f"confidence must be between 0 and 1, got {conf}")
    key = (identity_key or entity.identity_key).strip()
    with transaction(conn):
        conn.execute(
            "UPDATE entities SET name = ?, attributes = ?, confidence = ?, identity_key = ?, "
            "content_hash = ?, updated_at = ? WHERE id = ?",
            (
                new_name,
                json.dumps(attrs, sort_keys=True),
                conf,
                key,
                entity_hash(new_name, attrs),
                now_utc(),
                entity.id,
            ),
        )
    return get_entity(conn, entity.id)


def set_status(
    conn: Connection, entity_id: str, status: str, superseded_by: str | None = None
) -> None:
    conn.execute(
        "UPDATE entities SET status = ?, superseded_by = COALESCE(?, superseded_by), "
        "updated_at = ? WHERE id = ?",
        (status, superseded_by, now_utc(), entity_id),
    )


def parse_attr_pairs(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` strings → dict; values parse as JSON when they can (numbers, bools)."""
    out: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise InvalidInput(f"attribute {pair!r} must look like key=value")
        key, raw = pair.split("=", 1)
        key = key.strip()
        if not key:
            raise InvalidInput(f"attribute {pair!r} has an empty key")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[key] = value
    return out
