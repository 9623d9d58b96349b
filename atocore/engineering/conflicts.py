"""Conflicts: two live representations disagree on the same slot.

A slot is ``(project, entity type, identity key, field)``. Detection runs
synchronously on every active write (entity create/promote, KB import,
``project_state`` set): it flags, it never blocks — the write still lands.
At most one conflict per slot is open at a time; a second detection on the
same slot adds members to the open conflict instead of creating another.
A pair that a reviewer already dismissed (or resolved with ``no_action``)
is not flagged again.

Project-state entries take part through their key: ``<entity key or
name>.<field>`` (``/`` or ``:`` also separate), e.g. ``mirror-mount.material``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import BaseModel

from atocore.db import transaction
from atocore.db.rows import equal_filters, from_row, rows_by_id_prefix
from atocore.db.types import Connection
from atocore.engineering.entities import (
    find_entity,
    get_entity,
    row_to_entity,
    set_status,
)
from atocore.engineering.relationships import add_edge, carry_edges
from atocore.engineering.schemas import Entity, field_names
from atocore.errors import ConflictError, InvalidInput, NotFound
from atocore.projects.known import require_known_project
from atocore.projects.registry import resolve_project_name
from atocore.review_log import record_review
from atocore.text import slugify
from atocore.timeutil import now_utc

ACTIONS = ("supersede_others", "no_action", "dismiss")
CONFLICT_STATUSES = ("open", "resolved", "dismissed")


class ConflictMember(BaseModel):
    kind: str  # entity | project_state
    id: str
    role: str  # existing | incoming | curated
    value: str
    status: str
    label: str


class Conflict(BaseModel):
    id: str
    project: str
    slot_key: str
    entity_type: str
    identity_key: str
    field: str
    status: str
    resolution: str
    reason: str
    detected_by: str
    created_at: str
    resolved_at: str | None
    members: list[ConflictMember]


# --- values -----------------------------------------------------------------------


def _value(entity: Entity, field: str) -> Any:
    return entity.name if field == "name" else entity.attributes.get(field)


def _norm(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            return float(text)
        except ValueError:
            return text.lower()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True)
    return value


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def compared_fields(entity_type: str) -> list[str]:
    return ["name", *field_names(entity_type)]


def differing_fields(a: Entity, b: Entity) -> list[str]:
    return [f for f in compared_fields(a.entity_type) if _norm(_value(a, f)) != _norm(_value(b, f))]


# --- flagging ---------------------------------------------------------------------


def _flag(
    conn: Connection,
    *,
    project: str,
    entity_type: str,
    identity_key: str,
    field: str,
    members: list[tuple[str, str, str, str]],
    detected_by: str,
) -> str | None:
    """Open (or join) the slot's conflict. members: (kind, id, value, role)."""
    slot = f"{project}|{entity_type}|{identity_key}|{field}"
    wanted = {(kind, mid) for kind, mid, _, _ in members}
    row = conn.execute(
        "SELECT id FROM conflicts WHERE slot_key = ? AND status = 'open'", (slot,)
    ).fetchone()
    if row is None:
        for past in conn.execute(
            "SELECT id FROM conflicts WHERE slot_key = ? AND status != 'open'", (slot,)
        ).fetchall():
            seen = {
                (m["member_kind"], m["member_id"])
                for m in conn.execute(
                    "SELECT member_kind, member_id FROM conflict_members WHERE conflict_id = ?",
                    (past["id"],),
                )
            }
            if wanted <= seen:
                return None  # the reviewer already ruled on exactly this disagreement
        conflict_id = uuid.uuid4().hex
        conn.execute(
            "INSERT INTO conflicts (id, project, slot_key, entity_type, identity_key, field, "
            "status, detected_by, created_at) VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            (conflict_id, project, slot, entity_type, identity_key, field, detected_by, now_utc()),
        )
    else:
        conflict_id = row["id"]
    for kind, mid, value, role in members:
        conn.execute(
            "INSERT OR IGNORE INTO conflict_members (conflict_id, member_kind, member_id, value, "
            "role) VALUES (?, ?, ?, ?, ?)",
            (conflict_id, kind, mid, value, role),
        )
    return conflict_id


def detect_for_entity(conn: Connection, entity: Entity, *, detected_by: str) -> list[str]:
    """Flag every field where ``entity`` disagrees with an active entity of the same slot
    or with curated project state. Caller holds the transaction."""
    others = conn.execute(
        "SELECT * FROM entities WHERE project = ? AND entity_type = ? AND identity_key = ? "
        "AND status = 'active' AND id != ? ORDER BY created_at, id",
        (entity.project, entity.entity_type, entity.identity_key, entity.id),
    ).fetchall()
    # (field, the member the entity disagrees with), in flagging order
    disagreements: list[tuple[str, tuple[str, str, str, str]]] = []
    for row in others:
        other = row_to_entity(row)
        for field in differing_fields(other, entity):
            disagreements.append(
                (field, ("entity", other.id, _show(_value(other, field)), "existing"))
            )
    for state_row, field in _state_rows_for(conn, entity):
        if _norm(state_row["value"]) != _norm(_value(entity, field)):
            curated = ("project_state", state_row["id"], state_row["value"], "curated")
            disagreements.append((field, curated))
    found: list[str] = []
    for field, member in disagreements:
        cid = _flag(
            conn,
            project=entity.project,
            entity_type=entity.entity_type,
            identity_key=entity.identity_key,
            field=field,
            members=[member, ("entity", entity.id, _show(_value(entity, field)), "incoming")],
            detected_by=detected_by,
        )
        if cid:
            found.append(cid)
    return sorted(set(found))


def _split_state_key(key: str) -> tuple[str, str] | None:
    for sep in (".", "/", ":"):
        if sep in key:
            ref, field = key.rsplit(sep, 1)
            return ref.strip(), field.strip().lower().replace("-", "_").replace(" ", "_")
    return None


def _matches(entity: Entity, ref: str) -> bool:
    return entity.identity_key.lower() == ref.lower() or slugify(entity.name) == slugify(ref)


def _state_rows_for(conn: Connection, entity: Entity) -> list[tuple[Any, str]]:
    rows = conn.execute(
        "SELECT s.* FROM project_state s JOIN projects p ON p.id = s.project_id "
        "WHERE lower(p.name) = lower(?) AND s.status = 'active' ORDER BY s.id",
        (entity.project,),
    ).fetchall()
    fields = compared_fields(entity.entity_type)
    out = []
    for row in rows:
        split = _split_state_key(row["key"])
        if split and split[1] in fields and _matches(entity, split[0]):
            out.append((row, split[1]))
    return out


def check_conflicts_for_state(conn: Connection, entry: Any) -> list[str]:
    """Run detection for a freshly set project-state entry (a ``StateEntry``).

    Flags active entities whose field disagrees with the curated value; never
    raises for a disagreement. Returns the ids of conflicts opened or joined.
    """
    project = resolve_project_name(entry.project)
    split = _split_state_key(entry.key)
    with transaction(conn):
        sweep_obsolete(conn, project=project)
        if split is None:
            return []
        ref, field = split
        rows = conn.execute(
            "SELECT * FROM entities WHERE project = ? AND status = 'active' "
            "AND (lower(identity_key) = lower(?) OR lower(name) = lower(?)) ORDER BY id",
            (project, ref, ref.replace("-", " ").replace("_", " ")),
        ).fetchall()
        found: list[str] = []
        for row in rows:
            entity = row_to_entity(row)
            if field not in compared_fields(entity.entity_type) or not _matches(entity, ref):
                continue
            if _norm(entry.value) == _norm(_value(entity, field)):
                continue
            cid = _flag(
                conn,
                project=project,
                entity_type=entity.entity_type,
                identity_key=entity.identity_key,
                field=field,
                members=[
                    ("project_state", entry.id, entry.value, "curated"),
                    ("entity", entity.id, _show(_value(entity, field)), "existing"),
                ],
                detected_by="project_state",
            )
            if cid:
                found.append(cid)
    return sorted(set(found))


# --- reading ------------------------------------------------------------------------


def _member_status(conn: Connection, kind: str, member_id: str) -> tuple[str, str]:
    if kind == "entity":
        row = conn.execute(
            "SELECT status, entity_type, name FROM entities WHERE id = ?", (member_id,)
        ).fetchone()
        return (row["status"], f"{row['entity_type']} {row['name']}") if row else ("missing", "")
    row = conn.execute(
        "SELECT status, category, key FROM project_state WHERE id = ?", (member_id,)
    ).fetchone()
    return (row["status"], f"state {row['category']}/{row['key']}") if row else ("missing", "")


def _load(conn: Connection, row: Any) -> Conflict:
    members = []
    for m in conn.execute(
        "SELECT * FROM conflict_members WHERE conflict_id = ? "
        "ORDER BY role, member_kind, member_id",
        (row["id"],),
    ):
        status, label = _member_status(conn, m["member_kind"], m["member_id"])
        members.append(
            ConflictMember(
                kind=m["member_kind"],
                id=m["member_id"],
                role=m["role"],
                value=m["value"],
                status=status,
                label=label,
            )
        )
    return from_row(Conflict, row, members=members)


def get_conflict(conn: Connection, conflict_id: str) -> Conflict:
    row = conn.execute("SELECT * FROM conflicts WHERE id = ?", (conflict_id,)).fetchone()
    if row is None and len(conflict_id) >= 6:
        rows = rows_by_id_prefix(conn, "conflicts", conflict_id)
        row = rows[0] if len(rows) == 1 else None
    if row is None:
        raise NotFound(f"no conflict {conflict_id!r}")
    return _load(conn, row)


def list_conflicts(
    conn: Connection, project: str | None = None, *, status: str | None = "open"
) -> list[Conflict]:
    """Conflicts sorted by slot, then creation time."""
    project = require_known_project(conn, project, for_write=False)
    if status is not None and status not in CONFLICT_STATUSES:
        raise InvalidInput(
            f"invalid conflict status {status!r}; choose one of: {', '.join(CONFLICT_STATUSES)}"
        )
    where, params = equal_filters(project=project, status=status)
    sql = "SELECT * FROM conflicts WHERE 1=1" + where + " ORDER BY slot_key, created_at, id"
    return [_load(conn, r) for r in conn.execute(sql, params).fetchall()]


def open_conflicts_for(conn: Connection, entity_id: str) -> list[Conflict]:
    rows = conn.execute(
        "SELECT c.* FROM conflicts c JOIN conflict_members m ON m.conflict_id = c.id "
        "WHERE m.member_kind = 'entity' AND m.member_id = ? AND c.status = 'open' "
        "ORDER BY c.slot_key, c.id",
        (entity_id,),
    ).fetchall()
    return [_load(conn, r) for r in rows]


# --- resolving ------------------------------------------------------------------------


def _live(member: ConflictMember) -> bool:
    if member.kind == "entity":
        return member.status in ("active", "candidate")
    return member.status == "active"


def sweep_obsolete(
    conn: Connection, *, project: str | None = None, member_ids: set[str] | None = None
):
    """Close open conflicts that no longer have two live members."""
    sql = "SELECT * FROM conflicts WHERE status = 'open'"
    params: list[Any] = []
    if project:
        sql += " AND project = ?"
        params.append(project)
    for row in conn.execute(sql, params).fetchall():
        conflict = _load(conn, row)
        if member_ids is not None and not {m.id for m in conflict.members} & member_ids:
            continue
        if sum(_live(m) for m in conflict.members) < 2:
            conn.execute(
                "UPDATE conflicts SET status = 'resolved', resolution = 'obsolete', "
                "reason = 'a member was superseded, rejected or replaced', resolved_at = ? "
                "WHERE id = ?",
                (now_utc(), conflict.id),
            )
            record_review(
                conn, "conflict", conflict.id, "obsolete", from_status="open", to_status="resolved"
            )


def _pick_winner(conn: Connection, conflict: Conflict, winner: str | None) -> ConflictMember:
    live = [m for m in conflict.members if _live(m)]
    if winner:
        for m in live:
            if m.id == winner or (len(winner) >= 6 and m.id.startswith(winner)):
                return m
        try:
            entity = find_entity(conn, winner, conflict.project)
        except (NotFound, InvalidInput):
            entity = None
        for m in live:
            if entity is not None and m.id == entity.id:
                return m
        raise InvalidInput(f"{winner!r} is not a live member of conflict {conflict.id}")
    curated = [m for m in live if m.kind == "project_state"]
    if curated:
        return curated[0]
    incoming = [m for m in live if m.role == "incoming"]
    pool = incoming or live
    return max(pool, key=lambda m: (get_entity(conn, m.id).created_at, m.id))


def resolve_conflict(
    conn: Connection, conflict_id: str, action: str, *, winner: str | None = None, reason: str = ""
) -> Conflict:
    """Apply a reviewer's ruling.

    - ``supersede_others``: the winner (default: curated state, else the incoming
      entity) stays or becomes active; other entity members become superseded
      (active) or invalid (candidate).
    - ``no_action``: close the conflict and leave every member as it is.
    - ``dismiss``: the members are not about the same thing; close the conflict and
      never flag this pair on this slot again.
    """
    if action not in ACTIONS:
        raise InvalidInput(f"invalid action {action!r}; choose one of: {', '.join(ACTIONS)}")
    conflict = get_conflict(conn, conflict_id)
    if conflict.status != "open":
        raise ConflictError(f"conflict {conflict.id} is already {conflict.status}")
    touched: set[str] = {m.id for m in conflict.members}
    with transaction(conn):
        if action == "supersede_others":
            win = _pick_winner(conn, conflict, winner)
            losers = [m for m in conflict.members if _live(m) and m.id != win.id]
            if any(m.kind == "project_state" for m in losers):
                raise ConflictError(
                    "curated project state cannot lose a conflict here; change it with "
                    "`atocore state set` or `atocore state invalidate` first"
                )
            win_entity = get_entity(conn, win.id) if win.kind == "entity" else None
            if win_entity is not None and win_entity.status == "candidate":
                set_status(conn, win_entity.id, "active")
                record_review(
                    conn,
                    "entity",
                    win_entity.id,
                    "promote",
                    from_status="candidate",
                    to_status="active",
                    reason=f"won conflict {conflict.id}: {reason}".strip(),
                )
            for m in losers:
                loser = get_entity(conn, m.id)
                new_status = "superseded" if loser.status == "active" else "invalid"
                set_status(conn, loser.id, new_status, win_entity.id if win_entity else None)
                record_review(
                    conn,
                    "entity",
                    loser.id,
                    "supersede" if new_status == "superseded" else "reject",
                    from_status=loser.status,
                    to_status=new_status,
                    reason=f"lost conflict {conflict.id}: {reason}".strip(),
                )
                if win_entity is not None and loser.status == "active":
                    add_edge(conn, get_entity(conn, win_entity.id), "supersedes", loser)
                    carry_edges(conn, loser.id, win_entity.id)
            status = "resolved"
        elif action == "no_action":
            status = "resolved"
        else:
            status = "dismissed"
        conn.execute(
            "UPDATE conflicts SET status = ?, resolution = ?, reason = ?, resolved_at = ? "
            "WHERE id = ?",
            (status, action, reason, now_utc(), conflict.id),
        )
        record_review(
            conn,
            "conflict",
            conflict.id,
            action,
            from_status="open",
            to_status=status,
            reason=reason,
        )
        sweep_obsolete(conn, project=conflict.project, member_ids=touched)
    return get_conflict(conn, conflict.id)
