"""Can vector search run, and is every chunk embedded? (for ``atocore status``).

Cheap: it never loads the model — it checks the extension, the recorded
model against the configured one, the model's files, and coverage.
"""

from __future__ import annotations

from typing import Any

from atocore.db.connection import vec_available
from atocore.db.types import Connection


def _model_files_problem(spec: Any) -> str:
    """'' when the configured model's files look loadable, else why not."""
    if spec.origin == "env-path":
        if spec.path is None or not spec.path.is_dir():
            return f"ATOCORE_EMBED_MODEL_PATH {spec.path} is not a directory"
        if not (spec.path / "tokenizer.json").exists():
            return f"no tokenizer.json in ATOCORE_EMBED_MODEL_PATH {spec.path}"
        return ""
    if spec.origin == "package":
        from atocore.embed.model import offline_sources

        try:
            sources = offline_sources()
        except Exception as exc:  # noqa: BLE001 - any failure means "cannot load"
            return f"offline model package unavailable: {exc}"
        for path in (sources["model"], sources["tokenizer"]):
            if not path.is_file():
                return f"offline model file missing: {path}"
    return ""


def vector_health(conn: Connection) -> dict[str, Any]:
    """``{available, reason, model, configured_model, chunks, vectors, unembedded_files}``."""
    from atocore.embed import resolve_model, stored_model
    from atocore.embed.meta import mismatch_message
    from atocore.retrieval.vectors import count_vectors

    spec = resolve_model()
    stored, stored_dim = stored_model(conn)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    chunks = (
        conn.execute("SELECT count(*) FROM source_chunks").fetchone()[0]
        if "source_chunks" in tables
        else 0
    )
    report: dict[str, Any] = {
        "available": True,
        "reason": "",
        "model": stored,
        "configured_model": spec.model_id,
        "chunks": chunks,
        "vectors": 0,
        "unembedded_files": 0,
    }

    def down(reason: str) -> dict[str, Any]:
        report["available"] = False
        report["reason"] = reason
        return report

    if not vec_available(conn):
        return down("sqlite-vec extension could not be loaded")
    report["vectors"] = count_vectors(conn)
    if stored is not None and stored != spec.model_id:
        return down(mismatch_message(stored, stored_dim, spec.model_id, None))
    problem = _model_files_problem(spec)
    if problem:
        return down(problem)
    if "source_documents" in tables:
        report["unembedded_files"] = conn.execute(
            "SELECT count(*) FROM source_documents WHERE embed_model != ?", (spec.model_id,)
        ).fetchone()[0]
    if chunks and report["vectors"] < chunks:
        missing = chunks - report["vectors"]
        return down(
            f"{missing} of {chunks} chunks have no vector — run `atocore ingest` "
            "(or `atocore reindex`) to embed them"
        )
    return report
