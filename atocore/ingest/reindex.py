"""Re-embed every stored chunk with the configured model (``atocore reindex``).

Used after a model change: the old vectors are dropped and the new model
recorded in one transaction, after all embeddings were computed, so a
failure midway leaves the previous index untouched.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from pydantic import BaseModel

from atocore.db import transaction
from atocore.db.connection import vec_available
from atocore.db.types import Connection
from atocore.errors import OperationFailed
from atocore.ingest.pipeline import embed_text

if TYPE_CHECKING:
    from atocore.embed.types import Embedder


class ReindexReport(BaseModel):
    previous_model: str | None
    previous_dim: int | None
    model: str
    dim: int
    chunks: int
    documents: int
    duration_ms: float


def reindex(
    conn: Connection,
    *,
    embedder: Embedder | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReindexReport:
    """Drop all vectors and re-embed every chunk; record the new model."""
    from atocore.embed import get_embedder, record_model, stored_model
    from atocore.retrieval.vectors import drop_vectors, ensure_vector_table, upsert_vectors

    started = time.perf_counter()
    if not vec_available(conn):
        raise OperationFailed("cannot reindex: the sqlite-vec extension could not be loaded")
    embedder = (embedder or get_embedder()).load()
    previous, previous_dim = stored_model(conn)
    rows = conn.execute(
        "SELECT id, project, title, heading_path, text FROM source_chunks ORDER BY id"
    ).fetchall()
    total = len(rows)
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(done, total)

    texts = [embed_text(r["title"], r["heading_path"], r["text"]) for r in rows]
    matrix = embedder.embed_documents(texts, progress=tick)
    vectors = {r["id"]: (r["project"], matrix[i]) for i, r in enumerate(rows)}
    with transaction(conn):
        # chunks written meanwhile (e.g. by `atocore watch`) are embedded now, under
        # the write lock; chunks deleted meanwhile are left out
        current = conn.execute(
            "SELECT id, project, title, heading_path, text FROM source_chunks ORDER BY id"
        ).fetchall()
        late = [r for r in current if r["id"] not in vectors]
        if late:
            extra = embedder.embed_documents(
                [embed_text(r["title"], r["heading_path"], r["text"]) for r in late]
            )
            vectors.update({r["id"]: (r["project"], extra[i]) for i, r in enumerate(late)})
        drop_vectors(conn)
        conn.execute("DELETE FROM meta WHERE key IN ('embed_model', 'embed_dim')")
        record_model(conn, embedder.model_id, embedder.dim)
        ensure_vector_table(conn, embedder.dim)
        upsert_vectors(conn, [(r["id"], r["project"], vectors[r["id"]][1]) for r in current])
        total = len(current)
        documents = conn.execute(
            "UPDATE source_documents SET embed_model = ?", (embedder.model_id,)
        ).rowcount
    return ReindexReport(
        previous_model=previous,
        previous_dim=previous_dim,
        model=embedder.model_id,
        dim=embedder.dim,
        chunks=total,
        documents=documents,
        duration_ms=round((time.perf_counter() - started) * 1000, 1),
    )
