"""Project scoping that costs nothing when it cannot change the answer.

A project filter on a retriever is a per-row check: FTS5 joins every
matching row to ``source_chunks`` to read its project, sqlite-vec's exact
scan compares a metadata column for every vector. Measured on a 100K-chunk
single-project store (docs/benchmarks.md, "Hooks and server") that check was
~40 % of the keyword query and half of the exact vector scan. When no chunk
lies outside the project the filter keeps every row, so the retrievers run
unfiltered and return exactly the same hits.
"""

from __future__ import annotations

from atocore.db.types import Connection


def covers_all(conn: Connection, project: str) -> bool:
    """Whether every stored chunk belongs to ``project`` (one index probe).

    Vectors and FTS rows are kept in step with ``source_chunks`` by ingest,
    so the chunk table answers for all three.
    """
    row = conn.execute(
        "SELECT 1 FROM source_chunks WHERE project < ? OR project > ? LIMIT 1",
        (project, project),
    ).fetchone()
    return row is None


def effective_project(conn: Connection, project: str | None) -> str | None:
    """``project``, or None when filtering by it would keep every row anyway."""
    if not project:
        return None
    return None if covers_all(conn, project) else project
