"""Chunk vectors in sqlite-vec: the one module that knows how they are stored.

Vectors are keyed by the integer id of their source chunk and carry the
chunk's project so searches can be scoped. The table is created on first
use for the embedding dimension in force (see ``atocore.embed``).

Two search paths, chosen automatically by :func:`search_vectors`:

- **exact**: sqlite-vec's brute-force KNN over the float vectors
  (``chunk_vectors``). Always right, and fast enough for small stores.
- **quantized**: once the store holds :data:`QUANTIZE_MIN_VECTORS` vectors,
  a binary-quantized prefilter (:mod:`atocore.retrieval.quantized`) picks
  ``k * oversample`` candidates by Hamming distance and re-scores them
  on an int8 copy (cosine within ~1e-3 of exact). Its tables are built
  automatically when an upsert crosses the threshold and are kept in sync
  by every upsert/delete here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from atocore.db.types import Connection
from atocore.errors import InvalidInput, OperationFailed

TABLE = "chunk_vectors"

# Chosen from bench/vector_search.py (docs/benchmarks.md, "Vector search"): the
# exact scan costs ~0.75 µs per vector here, so below 5,000 vectors it stays
# under ~4 ms, and exactness is worth more than the few ms saved.
QUANTIZE_MIN_VECTORS = 5_000
# Re-centre the quantized index when the store has grown this many times over
# since the index was built (the mean direction of a small store is noisy).
REBUILD_GROWTH = 4

SEARCH_MODES = ("auto", "exact", "quantized")


def _serialize(vector: Any) -> bytes:
    import sqlite_vec

    if hasattr(vector, "astype"):
        return vector.astype("float32").tobytes()
    return sqlite_vec.serialize_float32(list(vector))


def table_exists(conn: Connection) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone()
    return row is not None


def vector_dimension(conn: Connection) -> int | None:
    """Dimension the vector table was created with (None when there is no table)."""
    import re

    row = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (TABLE,)).fetchone()
    if row is None:
        return None
    match = re.search(r"float\[(\d+)\]", row[0])
    return int(match.group(1)) if match else None


def ensure_vector_table(conn: Connection, dim: int) -> None:
    """Create the vector table for ``dim``-dimensional vectors if missing."""
    if table_exists(conn):
        return
    try:
        conn.execute(
            f"CREATE VIRTUAL TABLE {TABLE} USING vec0("
            f"embedding float[{int(dim)}] distance_metric=cosine, project text)"
        )
    except Exception as exc:  # extension missing or broken
        raise OperationFailed(
            f"cannot create vector table (sqlite-vec unavailable?): {exc}"
        ) from exc


def _transaction(conn: Connection):
    from atocore.db.connection import transaction

    return transaction(conn)


def upsert_vectors(conn: Connection, items: Iterable[tuple[int, str, Any]]) -> None:
    """Store ``(chunk_id, project, vector)`` triples, replacing existing ids."""
    from atocore.retrieval import quantized

    latest = {int(cid): (project or "", vec) for cid, project, vec in items}  # last one wins
    if not latest:
        return
    rows = [(cid, project, _serialize(vec)) for cid, (project, vec) in latest.items()]
    dim = vector_dimension(conn)
    if dim is not None:
        for cid, _, blob in rows:
            if len(blob) != 4 * dim:
                raise InvalidInput(
                    f"vector for chunk {cid} has {len(blob) // 4} dimensions, "
                    f"the vector store has {dim}"
                )
    with _transaction(conn):
        conn.executemany(f"DELETE FROM {TABLE} WHERE rowid = ?", [(r[0],) for r in rows])
        conn.executemany(f"INSERT INTO {TABLE}(rowid, project, embedding) VALUES (?, ?, ?)", rows)
        if quantized.exists(conn):
            meta = quantized.read_meta(conn)
            grown = count_vectors(conn) >= REBUILD_GROWTH * max(int(meta["built_count"]), 1)
            fits = quantized.fits(conn, [r[0] for r in rows], {r[1] for r in rows})
            if grown or int(meta["dim"]) != dim or not fits:
                build_quantized_index(conn)
            else:
                import numpy as np

                matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float32)
                quantized.upsert(conn, [(r[0], r[1]) for r in rows], matrix)
        elif count_vectors(conn) >= QUANTIZE_MIN_VECTORS:
            build_quantized_index(conn)


def delete_vectors(conn: Connection, chunk_ids: Sequence[int]) -> None:
    from atocore.retrieval import quantized

    if chunk_ids and table_exists(conn):
        ids = [int(c) for c in chunk_ids]
        with _transaction(conn):
            conn.executemany(f"DELETE FROM {TABLE} WHERE rowid = ?", [(c,) for c in ids])
            if quantized.exists(conn):
                quantized.delete(conn, ids)


def count_vectors(conn: Connection) -> int:
    if not table_exists(conn):
        return 0
    try:  # vec0's rowid shadow table counts in well under a ms; the vtable scans
        return conn.execute(f"SELECT count(*) FROM {TABLE}_rowids").fetchone()[0]
    except Exception:  # noqa: BLE001 - another sqlite-vec layout
        return conn.execute(f"SELECT count(*) FROM {TABLE}").fetchone()[0]


def holds_at_least(conn: Connection, n: int) -> bool:
    """Whether the store holds ``n`` or more vectors (reads at most ``n`` rowids).

    What :func:`choose_mode` needs on every search: counting all of a 100K
    store took ~0.6 ms of it.
    """
    if n <= 0:
        return True
    if not table_exists(conn):
        return False
    try:
        row = conn.execute(
            f"SELECT 1 FROM {TABLE}_rowids LIMIT 1 OFFSET ?", (int(n) - 1,)
        ).fetchone()
    except Exception:  # noqa: BLE001 - another sqlite-vec layout
        return count_vectors(conn) >= n
    return row is not None


def drop_vectors(conn: Connection) -> None:
    """Remove every vector (model change → reindex)."""
    from atocore.retrieval import quantized

    conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
    quantized.drop(conn)


def build_quantized_index(conn: Connection) -> int:
    """(Re)build the quantized index from the float vectors; returns its size."""
    from atocore.retrieval import quantized

    dim = vector_dimension(conn)
    if dim is None:
        raise OperationFailed("no vector table to index (nothing embedded yet)")
    with _transaction(conn), _page_cache(conn, mib=64):
        rows = [
            (r[0], r[1] or "", r[2])
            for r in conn.execute(f"SELECT rowid, project, embedding FROM {TABLE}")
        ]
        return quantized.build(conn, dim, rows)


@contextlib.contextmanager
def _page_cache(conn: Connection, *, mib: int) -> Iterator[None]:
    """A larger page cache for a full scan of the vec0 table.

    vec0 keeps 1,024 vectors per blob and re-reads that blob for each row it
    returns; with SQLite's default 2 MB cache and uncommitted writes in the
    same transaction (an upsert that crosses the threshold) the blob's pages
    are evicted between rows, and the scan ran ~15x slower when measured.
    """
    old = conn.execute("PRAGMA cache_size").fetchone()[0]
    conn.execute(f"PRAGMA cache_size = {-1024 * int(mib)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(old)}")


def vector_index_info(conn: Connection) -> dict[str, Any]:
    """Vector store facts for status/bench output."""
    from atocore.retrieval import quantized

    count = count_vectors(conn)
    return {
        "vectors": count,
        "dim": vector_dimension(conn),
        "quantized": quantized.info(conn),
        "auto_mode": choose_mode(conn, count=count),
        "quantize_min_vectors": QUANTIZE_MIN_VECTORS,
    }


def choose_mode(conn: Connection, *, count: int | None = None) -> str:
    """What ``mode="auto"`` runs: ``"quantized"`` for big indexed stores, else ``"exact"``."""
    from atocore.retrieval import quantized

    if not quantized.exists(conn) or not quantized.usable(conn):
        return "exact"
    if count is None:
        enough = holds_at_least(conn, QUANTIZE_MIN_VECTORS)
    else:
        enough = count >= QUANTIZE_MIN_VECTORS
    return "quantized" if enough else "exact"


def search_vectors(
    conn: Connection, query: Any, k: int, *, project: str | None = None, mode: str = "auto"
) -> list[tuple[int, float]]:
    """Nearest chunks to ``query``: ``(chunk_id, cosine distance)``, best first.

    ``mode``: ``"auto"`` (default: quantized for large stores, exact
    otherwise), ``"exact"`` or ``"quantized"`` (needs the index).
    """
    if mode not in SEARCH_MODES:
        raise InvalidInput(f"unknown search mode {mode!r} (use one of {', '.join(SEARCH_MODES)})")
    if k <= 0 or not table_exists(conn):
        return []
    if mode == "auto":
        mode = choose_mode(conn)
    if mode == "quantized":
        from atocore.retrieval import quantized

        if not quantized.exists(conn):
            raise OperationFailed("no quantized vector index (build_quantized_index first)")
        return quantized.search(conn, query, k, project=project)
    sql = f"SELECT rowid, distance FROM {TABLE} WHERE embedding MATCH ? AND k = ?"
    params: list[Any] = [_serialize(query), int(k)]
    if project:
        sql += " AND project = ?"
        params.append(project)
    sql += " ORDER BY distance"
    return [(row[0], row[1]) for row in conn.execute(sql, params)]
