"""What is ingested, from where: the services behind ``atocore sources`` and ``stats``."""

from __future__ import annotations

import os
from typing import Any

from atocore.db.types import Connection
from atocore.projects.registry import list_projects, load_registry, resolve_root


def _under(path: str, root: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def list_sources(conn: Connection) -> list[dict[str, Any]]:
    """Every registered ingest root: where it points, whether it exists, what it holds."""
    registry = load_registry()
    docs = conn.execute("SELECT path, chunk_count, updated_at FROM source_documents").fetchall()
    rows = []
    for project in list_projects():
        for root in project.ingest_roots:
            path = resolve_root(root, registry)
            key = str(path)
            mine = [d for d in docs if _under(d["path"], key)]
            rows.append(
                {
                    "project": project.id,
                    "source": root.source,
                    "subpath": root.subpath,
                    "path": key,
                    "exists": path.is_dir(),
                    "documents": len(mine),
                    "chunks": sum(d["chunk_count"] for d in mine),
                    "last_ingested": max((d["updated_at"] for d in mine), default=None),
                }
            )
    return rows


def index_stats(conn: Connection) -> dict[str, Any]:
    """Documents, chunks and vectors, overall and per project; the embedding model."""
    from atocore.embed import resolve_model, stored_model
    from atocore.retrieval.vectors import count_vectors

    model, dim = stored_model(conn)
    per_project = [
        {"project": r[0] or "", "documents": r[1], "chunks": r[2] or 0}
        for r in conn.execute(
            "SELECT project, count(*), sum(chunk_count) FROM source_documents "
            "GROUP BY project ORDER BY project"
        )
    ]
    configured = resolve_model().model_id
    try:
        vectors = count_vectors(conn)
    except Exception:  # noqa: BLE001 - sqlite-vec not loadable: no vectors readable
        vectors = None
    return {
        "documents": conn.execute("SELECT count(*) FROM source_documents").fetchone()[0],
        "chunks": conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0],
        "vectors": vectors,
        "embed_model": model,
        "embed_dim": dim,
        "configured_model": configured,
        "unembedded_documents": conn.execute(
            "SELECT count(*) FROM source_documents WHERE embed_model != ?", (configured,)
        ).fetchone()[0],
        "last_ingested": conn.execute("SELECT max(updated_at) FROM source_documents").fetchone()[0],
        "projects": per_project,
    }
