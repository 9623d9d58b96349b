"""The review log: who changed the status of a memory or entity, when and why.

Every promote / reject / supersede / forget / conflict resolution writes one
row here, in the same transaction as the change it records.
"""

from __future__ import annotations

import getpass

from pydantic import BaseModel

from atocore.db.rows import equal_filters
from atocore.db.types import Connection
from atocore.env import read
from atocore.timeutil import now_utc


class ReviewEntry(BaseModel):
    id: int
    target_kind: str
    target_id: str
    action: str
    from_status: str
    to_status: str
    reason: str
    actor: str
    created_at: str


def default_actor() -> str:
    """``ATOCORE_ACTOR`` or the OS user name."""
    try:
        return read("ATOCORE_ACTOR") or getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "unknown"


def record_review(
    conn: Connection,
    target_kind: str,
    target_id: str,
    action: str,
    *,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    actor: str | None = None,
) -> None:
    conn.execute(
        "INSERT INTO review_log (target_kind, target_id, action, from_status, to_status, "
        "reason, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            target_kind,
            target_id,
            action,
            from_status,
            to_status,
            reason,
            actor or default_actor(),
            now_utc(),
        ),
    )


def list_reviews(
    conn: Connection,
    *,
    target_kind: str | None = None,
    target_id: str | None = None,
    limit: int = 100,
) -> list[ReviewEntry]:
    where, params = equal_filters(target_kind=target_kind, target_id=target_id)
    sql = "SELECT * FROM review_log WHERE 1=1" + where + " ORDER BY id DESC LIMIT ?"
    params.append(min(max(limit, 1), 1000))
    return [ReviewEntry(**dict(row)) for row in conn.execute(sql, params)]
