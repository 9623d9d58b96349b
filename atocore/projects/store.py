"""Project rows in the database (the ``projects`` table).

Callers pass names that are already canonical (see
``resolve_project_name``); lookups are case-insensitive.
"""

from __future__ import annotations

import uuid

from atocore.db.types import Connection


def find_project_id(conn: Connection, name: str) -> str | None:
    row = conn.execute(
        "SELECT id FROM projects WHERE lower(name) = lower(?) ORDER BY created_at LIMIT 1",
        (name,),
    ).fetchone()
    return row[0] if row else None


def ensure_project(conn: Connection, name: str, description: str = "") -> str:
    """Id of the row for ``name``, creating it when missing."""
    existing = find_project_id(conn, name)
    if existing:
        return existing
    project_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO projects (id, name, description) VALUES (?, ?, ?)",
        (project_id, name, description),
    )
    return project_id
