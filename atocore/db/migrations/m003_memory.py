"""Memories and interactions (the reflection loop)."""

from atocore.db.migrations import add_column
from atocore.memory.tokens import TOKENS_VERSION


def apply(conn) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS memories (
            id TEXT PRIMARY KEY,
            memory_type TEXT NOT NULL,
            content TEXT NOT NULL,
            project TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'candidate',
            confidence REAL NOT NULL DEFAULT 1.0,
            source_chunk_id TEXT,
            source_interaction_id TEXT,
            reference_count INTEGER NOT NULL DEFAULT 0,
            last_referenced_at TEXT,
            superseded_by TEXT,
            graduated_to TEXT,
            token_count INTEGER,
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )"""
    )
    for column, decl in [
        ("project", "TEXT NOT NULL DEFAULT ''"),
        # memories from before the review queue existed were in use: keep them active
        ("status", "TEXT NOT NULL DEFAULT 'active'"),
        ("confidence", "REAL NOT NULL DEFAULT 1.0"),
        ("source_chunk_id", "TEXT"),
        ("source_interaction_id", "TEXT"),
        ("reference_count", "INTEGER NOT NULL DEFAULT 0"),
        ("last_referenced_at", "TEXT"),
        ("superseded_by", "TEXT"),
        ("graduated_to", "TEXT"),
        ("token_count", "INTEGER"),  # NULL = not in memory_tokens yet (atocore.memory.index)
        ("created_at", "TEXT NOT NULL DEFAULT ''"),
        ("updated_at", "TEXT NOT NULL DEFAULT ''"),
    ]:
        add_column(conn, "memories", column, decl)
    conn.execute("CREATE INDEX IF NOT EXISTS idx_memories_status ON memories(status, project)")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_memories_type_status "
        "ON memories(memory_type, status, project)"
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_memories_interaction ON memories(source_interaction_id)"
    )
    # Inverted index of memory tokens (see atocore.memory.index): which
    # memories share words with a prompt or a response, without tokenizing
    # every memory on every call.
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
    # The index starts empty and current; rows already there have token_count
    # NULL and are indexed on first use.
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('memory_tokens_version', ?)",
        (TOKENS_VERSION,),
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS interactions (
            id TEXT PRIMARY KEY,
            prompt TEXT NOT NULL,
            response TEXT NOT NULL DEFAULT '',
            response_summary TEXT NOT NULL DEFAULT '',
            context_pack TEXT,
            memories_used TEXT NOT NULL DEFAULT '[]',
            chunks_used TEXT NOT NULL DEFAULT '[]',
            client TEXT NOT NULL DEFAULT '',
            session_id TEXT NOT NULL DEFAULT '',
            project TEXT NOT NULL DEFAULT '',
            response_truncated INTEGER NOT NULL DEFAULT 0,
            memories_reinforced TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )"""
    )
    for column, decl in [
        ("response_summary", "TEXT NOT NULL DEFAULT ''"),
        ("context_pack", "TEXT"),
        ("memories_used", "TEXT NOT NULL DEFAULT '[]'"),
        ("chunks_used", "TEXT NOT NULL DEFAULT '[]'"),
        ("client", "TEXT NOT NULL DEFAULT ''"),
        ("session_id", "TEXT NOT NULL DEFAULT ''"),
        ("project", "TEXT NOT NULL DEFAULT ''"),
        ("response_truncated", "INTEGER NOT NULL DEFAULT 0"),
        ("memories_reinforced", "TEXT NOT NULL DEFAULT '[]'"),
        ("created_at", "TEXT NOT NULL DEFAULT ''"),
    ]:
        add_column(conn, "interactions", column, decl)
    conn.execute("CREATE INDEX IF NOT EXISTS idx_interactions_created ON interactions(created_at)")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_interactions_project ON interactions(project, created_at)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS idx_interactions_session ON interactions(session_id)")
