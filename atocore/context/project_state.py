"""Trusted project state: hand-curated facts, the top of the trust order.

Only explicit human actions (``atocore state set``, the HTTP equivalent)
write here; nothing automatic ever does. Setting a new value for a
(project, category, key) supersedes the previous active value, which is
kept for history.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel

from atocore.db import transaction
from atocore.db.rows import from_row
from atocore.db.types import Connection
from atocore.errors import InvalidInput, NotFound
from atocore.projects.known import require_known_project
from atocore.projects.store import ensure_project, find_project_id
from atocore.timeutil import now_utc

CATEGORIES = ("status", "decision", "requirement", "contact", "milestone", "fact", "config")
STATUSES = ("active", "superseded")


class StateEntry(BaseModel):
    id: str
    project: str
    category: str
    key: str
    value: str
    source: str
    confidence: float
    status: str
    created_at: str
    updated_at: str


def _validate(category: str, key: str, value: str, confidence: float) -> None:
    if category not in CATEGORIES:
        raise InvalidInput(f"invalid category {category!r}; choose one of: {', '.join(CATEGORIES)}")
    if not key.strip():
        raise InvalidInput("state key must be non-empty")
    if not value.strip():
        raise InvalidInput("state value must be non-empty")
    if not 0.0 <= confidence <= 1.0:
        raise InvalidInput(f"confidence must be between 0 and 1, got {confidence}")


def _row(row: Any, project: str) -> StateEntry:
    return from_row(StateEntry, row, project=project)


def set_state(
    conn: Connection,
    project: str,
    category: str,
    key: str,
    value: str,
    *,
    source: str = "",
    confidence: float = 1.0,
) -> StateEntry:
    """Upsert the active value of (project, category, key)."""
    project = require_known_project(conn, project, for_write=True)
    if not project:
        raise InvalidInput("a project is required")
    key, value = key.strip(), value.strip()
    _validate(category, key, value, confidence)
    now = now_utc()
    with transaction(conn):
        project_id = ensure_project(conn, project)
        current = conn.execute(
            "SELECT * FROM project_state WHERE project_id = ? AND category = ? AND key = ? "
            "AND status = 'active'",
            (project_id, category, key),
        ).fetchall()
        for row in current:
            if row["value"] == value:
                conn.execute(
                    "UPDATE project_state SET source = ?, confidence = ?, updated_at = ? "
                    "WHERE id = ?",
                    (source or row["source"], confidence, now, row["id"]),
                )
                updated = conn.execute(
                    "SELECT * FROM project_state WHERE id = ?", (row["id"],)
                ).fetchone()
                return _row(updated, project)
        conn.execute(
            "UPDATE project_state SET status = 'superseded', updated_at = ? "
            "WHERE project_id = ? AND category = ? AND key = ? AND status = 'active'",
            (now, project_id, category, key),
        )
        entry_id = str(uuid.uuid4())
        conn.execute(
            "INSERT INTO project_state (id, project_id, category, key, value, source, "
            "confidence, status, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?)",
            (entry_id, project_id, category, key, value, source, confidence, now, now),
        )
        row = conn.execute("SELECT * FROM project_state WHERE id = ?", (entry_id,)).fetchone()
    entry = _row(row, project)
    try:  # engineering conflict detection: flags disagreeing entities, never blocks this write
        from atocore.engineering.conflicts import check_conflicts_for_state

        check_conflicts_for_state(conn, entry)
    except Exception:  # noqa: BLE001 - the curated write has already landed
        pass
    return entry


def get_state(
    conn: Connection,
    project: str,
    *,
    category: str | None = None,
    include_history: bool = False,
) -> list[StateEntry]:
    """Active entries of a project (all statuses with ``include_history``)."""
    project = require_known_project(conn, project, for_write=False)
    if category is not None and category not in CATEGORIES:
        raise InvalidInput(f"invalid category {category!r}; choose one of: {', '.join(CATEGORIES)}")
    project_id = find_project_id(conn, project) if project else None
    if project_id is None:
        return []
    sql = "SELECT * FROM project_state WHERE project_id = ?"
    params: list[Any] = [project_id]
    if category:
        sql += " AND category = ?"
        params.append(category)
    if not include_history:
        sql += " AND status = 'active'"
    sql += " ORDER BY category, key, status = 'active' DESC, updated_at DESC, id"
    return [_row(r, project) for r in conn.execute(sql, params)]


def invalidate_state(conn: Connection, project: str, category: str, key: str) -> StateEntry:
    """Mark the active value superseded (kept for history)."""
    project = require_known_project(conn, project, for_write=True)
    if category not in CATEGORIES:
        raise InvalidInput(f"invalid category {category!r}; choose one of: {', '.join(CATEGORIES)}")
    project_id = find_project_id(conn, project) if project else None
    with transaction(conn):
        row = (
            conn.execute(
                "SELECT * FROM project_state WHERE project_id = ? AND category = ? AND key = ? "
                "AND status = 'active'",
                (project_id, category, key),
            ).fetchone()
            if project_id
            else None
        )
        if row is None:
            raise NotFound(f"no active state {category}/{key} for project {project!r}")
        conn.execute(
            "UPDATE project_state SET status = 'superseded', updated_at = ? WHERE id = ?",
            (now_utc(), row["id"]),
        )
        updated = conn.execute("SELECT * FROM project_state WHERE id = ?", (row["id"],)).fetchone()
    return _row(updated, project)
