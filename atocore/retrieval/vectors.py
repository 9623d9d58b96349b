"""Chunk vectors in sqlite-vec: the one module that knows how they are stored.

Vectors are keyed by the integer id of their source chunk and carry the
chunk's project so searches can be scoped. The table is created on first
use for the embedding dimension in force (see ``atocore.embed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from atocore.errors import OperationFailed

TABLE = "chunk_vectors"


def _serialize(vector: Any) -> bytes:
    import sqlite_vec

    if hasattr(vector, "astype"):
        return vector.astype("float32").tobytes()
    return sqlite_vec.serialize_float32(list(vector))


def table_exists(conn: Any) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone()
    return row is not None


def ensure_vector_table(conn: Any, dim: int) -> None:
    """Create the vector table for ``dim``-dimensional vectors if missing."""
    if table_exists(conn):
        return
    try:
        conn.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING vec0("
            f"embedding float[{int(dim)}] distance_metric=cosine, project text)"
        )
    except Exception as exc:  # noqa: BLE001 - extension missing or broken
        raise OperationFailed(f"cannot create vector table (sqlite-vec unavailable?): {exc}") from exc


def upsert_vectors(conn: Any, items: Iterable[tuple[int, str, Any]]) -> None:
    """Store ``(chunk_id, project, vector)`` triples, replacing existing ids."""
    rows = [(int(cid), project or "", _serialize(vec)) for cid, project, vec in items]
    if not rows:
        return
    conn.executemany(f"DELETE FROM {TABLE} WHERE rowid = ?", [(r[0],) for r in rows])
    conn.executemany(
        f"INSERT INTO {TABLE}(rowid, project, embedding) VALUES (?, ?, ?)", rows
    )


def delete_vectors(conn: Any, chunk_ids: Sequence[int]) -> None:
    if chunk_ids and table_exists(conn):
        conn.executemany(f"DELETE FROM {TABLE} WHERE rowid = ?", [(int(c),) for c in chunk_ids])


def count_vectors(conn: Any) -> int:
    if not table_exists(conn):
        return 0
    return conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]


def drop_vectors(conn: Any) -> None:
    """Remove every vector (model change → reindex)."""
    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")


def search_vectors(
    conn: Any, query: Any, k: int, *, project: str | None = None
) -> list[tuple[int, float]]:
    """Nearest chunks to ``query``: ``(chunk_id, cosine distance)``, best first."""
    if k <= 0 or not table_exists(conn):
        return []
    sql = f"SELECT rowid, distance FROM {TABLE} WHERE embedding MATCH ? AND k = ?"
    params: list[Any] = [_serialize(query), int(k)]
    if project:
        sql += " AND project = ?"
        params.append(project)
    sql += " ORDER BY distance"
    return [(row[0], row[1]) for row in conn.execute(sql, params)]
