"""Typed edges between entities of one project.

An edge counts in queries only while both of its ends are active; edges of
a superseded entity are carried over to the entity that superseded it.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from atocore.db import transaction
from atocore.db.rows import from_row
from atocore.db.types import Connection
from atocore.engineering.entities import find_entity, get_entity
from atocore.engineering.schemas import Entity, Relationship, check_relationship
from atocore.errors import InvalidInput, NotFound
from atocore.review_log import record_review
from atocore.timeutil import now_utc


def _row(row: Any) -> Relationship:
    return from_row(Relationship, row)


def add_edge(
    conn: Connection,
    source: Entity,
    rel_type: str,
    target: Entity,
    source_refs: list[dict[str, Any]] | None = None,
) -> tuple[Relationship, bool]:
    """Insert the edge unless it exists; returns (edge, created). Caller holds the txn."""
    rel = check_relationship(rel_type, source.entity_type, target.entity_type)
    if source.project != target.project:
        raise InvalidInput(
            f"cannot relate entities of different projects ({source.project} → {target.project})"
        )
    if source.id == target.id:
        raise InvalidInput("an entity cannot be related to itself")
    row = conn.execute(
        "SELECT * FROM relationships WHERE source_id = ? AND rel_type = ? AND target_id = ?",
        (source.id, rel_type, target.id),
    ).fetchone()
    if row is not None:
        return _row(row), False
    edge_id = uuid.uuid4().hex
    stamp = now_utc()
    conn.execute(
        "INSERT INTO relationships (id, project, rel_type, family, source_id, target_id, status, "
        "source_refs, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
        (
            edge_id,
            source.project,
            rel_type,
            rel.family,
            source.id,
            target.id,
            json.dumps(source_refs or [], sort_keys=True),
            stamp,
            stamp,
        ),
    )
    row = conn.execute("SELECT * FROM relationships WHERE id = ?", (edge_id,)).fetchone()
    return _row(row), True


def relate(
    conn: Connection,
    source_ref: str,
    rel_type: str,
    target_ref: str,
    *,
    project: str | None = None,
) -> Relationship:
    """Link two entities (ids, id prefixes or keys within ``project``); idempotent."""
    source = find_entity(conn, source_ref, project)
    target = find_entity(conn, target_ref, project)
    with transaction(conn):
        edge, _ = add_edge(conn, source, rel_type, target, [{"kind": "manual", "ref": "relate"}])
    return edge


def unrelate(conn: Connection, edge_id: str) -> Relationship:
    row = conn.execute("SELECT * FROM relationships WHERE id = ?", (edge_id,)).fetchone()
    if row is None:
        raise NotFound(f"no relationship {edge_id!r}")
    with transaction(conn):
        conn.execute(
            "UPDATE relationships SET status = 'invalid', updated_at = ? WHERE id = ?",
            (now_utc(), edge_id),
        )
        record_review(
            conn,
            "relationship",
            edge_id,
            "unrelate",
            from_status=row["status"],
            to_status="invalid",
        )
    return _row(conn.execute("SELECT * FROM relationships WHERE id = ?", (edge_id,)).fetchone())


def edges_of(conn: Connection, entity_id: str) -> list[Relationship]:
    """Every live edge touching the entity, sorted."""
    rows = conn.execute(
        "SELECT * FROM relationships WHERE (source_id = ? OR target_id = ?) "
        "AND status = 'active' ORDER BY rel_type, source_id, target_id",
        (entity_id, entity_id),
    ).fetchall()
    return [_row(r) for r in rows]


def carry_edges(conn: Connection, old_id: str, new_id: str) -> int:
    """Copy the old entity's edges onto its successor (history keeps the old ones)."""
    new = get_entity(conn, new_id)
    carried = 0
    for edge in edges_of(conn, old_id):
        if edge.rel_type == "supersedes":
            continue
        source_id = new_id if edge.source_id == old_id else edge.source_id
        target_id = new_id if edge.target_id == old_id else edge.target_id
        if source_id == target_id:
            continue
        source = new if source_id == new_id else get_entity(conn, source_id)
        target = new if target_id == new_id else get_entity(conn, target_id)
        try:
            _, created = add_edge(conn, source, edge.rel_type, target)
        except InvalidInput:
            continue
        carried += int(created)
    return carried


def links_of(conn: Connection, entity_id: str) -> list[dict[str, Any]]:
    """Live edges of an entity seen from it: direction, type and the entity at the other end."""
    out = []
    for edge in edges_of(conn, entity_id):
        outgoing = edge.source_id == entity_id
        other = get_entity(conn, edge.target_id if outgoing else edge.source_id)
        out.append(
            {
                "id": edge.id,
                "rel_type": edge.rel_type,
                "family": edge.family,
                "direction": "out" if outgoing else "in",
                "other": {
                    "id": other.id,
                    "type": other.entity_type,
                    "key": other.identity_key,
                    "name": other.name,
                    "status": other.status,
                },
            }
        )
    return sorted(out, key=lambda r: (r["direction"], r["rel_type"], r["other"]["name"], r["id"]))
