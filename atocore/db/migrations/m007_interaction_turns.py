"""Interactions: one row per (session, turn), so a Stop hook run twice captures once.

``turn_key`` is a digest of the turn's prompt and response, set by the
capture service; rows captured before this migration keep ``''`` and are
outside the unique index (they may hold duplicates already).
"""

from atocore.db.migrations import add_column


def apply(conn) -> None:
    add_column(conn, "interactions", "turn_key", "TEXT NOT NULL DEFAULT ''")
    conn.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS uq_interactions_turn "
        "ON interactions(session_id, turn_key) WHERE turn_key != ''"
    )
