"""Migration 003: memories and interactions, fresh and upgraded in place."""

from __future__ import annotations

from atocore.db import connect, open_db
from atocore.db.migrations import apply_migrations, columns
from atocore.db.migrations.m003_memory import apply as apply_003

MEMORY_COLUMNS = {
    "id",
    "memory_type",
    "content",
    "project",
    "status",
    "confidence",
    "source_chunk_id",
    "source_interaction_id",
    "reference_count",
    "last_referenced_at",
    "superseded_by",
    "graduated_to",
    "token_count",
    "created_at",
    "updated_at",
}
INTERACTION_COLUMNS = {
    "id",
    "prompt",
    "response",
    "response_summary",
    "context_pack",
    "memories_used",
    "chunks_used",
    "client",
    "session_id",
    "project",
    "response_truncated",
    "memories_reinforced",
    "turn_key",  # m007: one capture per (session, turn)
    "created_at",
}


def _indexes(conn, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA index_list({table})")}


def test_fresh_schema(conn):
    assert columns(conn, "memories") == MEMORY_COLUMNS
    assert columns(conn, "interactions") == INTERACTION_COLUMNS
    assert {
        "idx_memories_status",
        "idx_memories_type_status",
        "idx_memories_interaction",
    } <= _indexes(conn, "memories")
    assert {
        "idx_interactions_created",
        "idx_interactions_project",
        "idx_interactions_session",
    } <= _indexes(conn, "interactions")
    apply_003(conn)  # re-running is harmless
    assert columns(conn, "memories") == MEMORY_COLUMNS


def test_old_shaped_tables_upgrade_in_place(data_dir):
    from atocore.config import get_settings

    path = get_settings().db_path
    old = connect(path)
    # the shape of a database from before projects, statuses and sessions
    old.execute(
        "CREATE TABLE memories (id TEXT PRIMARY KEY, memory_type TEXT NOT NULL, "
        "content TEXT NOT NULL, confidence REAL DEFAULT 1.0, created_at TEXT)"
    )
    old.execute(
        "CREATE TABLE interactions (id TEXT PRIMARY KEY, prompt TEXT NOT NULL, "
        "response TEXT, created_at TEXT)"
    )
    old.execute(
        "INSERT INTO memories VALUES ('m1', 'preference', 'Prefers SI units', 0.8, "
        "'2025-01-01 00:00:00')"
    )
    old.execute("INSERT INTO interactions VALUES ('i1', 'hi', 'hello', '2025-01-01 00:00:00')")
    old.close()

    conn = open_db()
    try:
        assert MEMORY_COLUMNS <= columns(conn, "memories")
        assert INTERACTION_COLUMNS <= columns(conn, "interactions")
        row = conn.execute("SELECT * FROM memories WHERE id = 'm1'").fetchone()
        assert (row["content"], row["confidence"], row["status"], row["project"]) == (
            "Prefers SI units",
            0.8,
            "active",
            "",
        )
        from atocore.interactions.service import get_interaction, list_interactions
        from atocore.memory.service import reject_memory

        assert get_interaction(conn, "i1").memories_used == []
        assert [i.id for i in list_interactions(conn, since="2025-01-01")] == ["i1"]
        assert reject_memory(conn, "m1").status == "invalid"
        assert apply_migrations(conn) == []
    finally:
        conn.close()
