"""Repair databases migrated before m001 and m003 were edited after shipping.

m001 later gained ``review_log``; m003 later gained
``interactions.memories_reinforced``, ``memories.token_count``, the
``memory_tokens`` index and ``idx_memories_type_status``. A database that
recorded those migrations before the edits never got them. This restates
each addition (all idempotent). Existing memories keep ``token_count``
NULL and no ``memory_tokens_version`` is written, so the memory index
(atocore.memory.index.ensure_indexed) tokenizes them on first use with the
current tokenizer: no tokenizer copy lives here.

Stdlib only, like every migration from m006 on: the migration framework's
own helpers are the one import allowed.
"""

from atocore.db.migrations import add_column


def apply(conn) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS review_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            target_kind TEXT NOT NULL,
            target_id TEXT NOT NULL,
            action TEXT NOT NULL,
            from_status TEXT NOT NULL DEFAULT '',
            to_status TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            actor TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        )"""
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_review_log_target ON review_log(target_kind, target_id)"
    )
    add_column(conn, "interactions", "memories_reinforced", "TEXT NOT NULL DEFAULT '[]'")
    add_column(conn, "memories", "token_count", "INTEGER")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_memories_type_status "
        "ON memories(memory_type, status, project)"
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS memory_tokens (
            token TEXT NOT NULL,
            memory_id TEXT NOT NULL REFERENCES memories(id) ON DELETE CASCADE,
            PRIMARY KEY (token, memory_id)
        ) WITHOUT ROWID"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS idx_memory_tokens_memory ON memory_tokens(memory_id)")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_memories_unindexed ON memories(id) "
        "WHERE token_count IS NULL"
    )
