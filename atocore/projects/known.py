"""Known projects: the one check every service entry point with a project runs.

A project is *known* when it is registered (id or alias) or when rows
already carry its name (legacy data written before it was registered). A
write may only name a known project — a typo must not create trusted
state no pack will ever read; registering (``atocore projects register``)
is how a new project is created explicitly. A read of a name that is not
known says so instead of answering "nothing".
"""

from __future__ import annotations

import difflib

from atocore.db.types import Connection
from atocore.errors import NotFound
from atocore.projects.names import check_name
from atocore.projects.registry import get_registered_project, load_registry, resolve_project_name

# Tables whose ``project`` column names a project (the projects table is by name).
_DATA_TABLES = ("memories", "entities", "source_documents", "interactions")


def require_known_project(conn: Connection, name: str | None, *, for_write: bool) -> str:
    """The canonical name of a known project ("" for no project), else ``NotFound``.

    Writes also check the name grammar (``InvalidInput``). Unregistered names
    present in the data pass through unchanged, so legacy rows stay readable.
    """
    canonical = resolve_project_name(name)
    if not canonical or get_registered_project(canonical) is not None:
        return canonical
    if for_write:
        check_name(canonical)
    if _in_data(conn, canonical):
        return canonical
    hint = _suggestion(conn, canonical)
    if for_write:
        raise NotFound(
            f"unknown project {canonical!r}{hint}: register it first "
            f"(`atocore projects register {canonical.lower()}`)"
        )
    raise NotFound(f"unknown project {canonical!r}{hint}: not registered and no data")


def _in_data(conn: Connection, name: str) -> bool:
    if conn.execute("SELECT 1 FROM projects WHERE lower(name) = lower(?)", (name,)).fetchone():
        return True
    return any(
        conn.execute(f"SELECT 1 FROM {table} WHERE project = ? LIMIT 1", (name,)).fetchone()
        for table in _DATA_TABLES
    )


def known_names(conn: Connection) -> list[str]:
    """Every registered id and alias plus every project name in the data."""
    names = {n for p in load_registry().projects for n in p.names()}
    names.update(r[0] for r in conn.execute("SELECT name FROM projects"))
    for table in _DATA_TABLES:
        names.update(r[0] for r in conn.execute(f"SELECT DISTINCT project FROM {table}"))
    names.discard("")
    return sorted(names)


def _suggestion(conn: Connection, name: str) -> str:
    lowered = {n.lower(): n for n in known_names(conn)}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]}?)" if close else ""
