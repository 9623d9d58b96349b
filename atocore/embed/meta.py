"""The embedding model recorded in the database (``meta`` table).

Vectors of two models must never be mixed: the first embedding run
records the model id and dimension; any later run with another model is
refused until ``atocore reindex`` re-embeds everything.
"""

from __future__ import annotations

from atocore.db.types import Connection
from atocore.errors import ConflictError

MODEL_KEY = "embed_model"
DIM_KEY = "embed_dim"


def stored_model(conn: Connection) -> tuple[str | None, int | None]:
    """``(model_id, dim)`` recorded in the DB, or ``(None, None)``."""
    rows = dict(
        conn.execute(
            "SELECT key, value FROM meta WHERE key IN (?, ?)", (MODEL_KEY, DIM_KEY)
        ).fetchall()
    )
    dim = rows.get(DIM_KEY)
    return rows.get(MODEL_KEY), int(dim) if dim else None


def record_model(conn: Connection, model_id: str, dim: int) -> None:
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [(MODEL_KEY, model_id), (DIM_KEY, str(int(dim)))],
    )


def mismatch_message(stored: str, stored_dim: int | None, model_id: str, dim: int | None) -> str:
    return (
        f"the index was embedded with {stored} ({stored_dim or '?'} dims) but the configured "
        f"model is {model_id} ({dim or '?'} dims); vectors of two models cannot be mixed — "
        "run `atocore reindex` to re-embed everything with the new model, or restore the "
        "previous model setting"
    )


def check_model(conn: Connection, model_id: str, dim: int | None = None) -> None:
    """Raise :class:`ConflictError` if the DB holds vectors of another model."""
    stored, stored_dim = stored_model(conn)
    if stored is None:
        return
    if stored != model_id or (dim is not None and stored_dim is not None and stored_dim != dim):
        raise ConflictError(mismatch_message(stored, stored_dim, model_id, dim))


def ensure_model(conn: Connection, model_id: str, dim: int) -> None:
    """Check compatibility, then record the model if nothing was recorded yet."""
    check_model(conn, model_id, dim)
    stored, _ = stored_model(conn)
    if stored is None:
        record_model(conn, model_id, dim)
