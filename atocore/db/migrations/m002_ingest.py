"""Ingested sources: documents, their chunks and the FTS5 index over chunks.

``chunks_fts`` is an external-content FTS5 table over ``source_chunks``
kept in step by triggers, so a chunk row and its index entry are always
written (and removed) in the same transaction. Chunk ids use AUTOINCREMENT
so an id is never reused: a stale vector can never point at a new chunk.
"""

from atocore.db.migrations import add_column


def apply(conn) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS source_documents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            path TEXT NOT NULL UNIQUE,
            rel_path TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL DEFAULT 'markdown',
            project TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            aliases TEXT NOT NULL DEFAULT '[]',
            frontmatter TEXT NOT NULL DEFAULT '{}',
            content_hash TEXT NOT NULL DEFAULT '',
            size INTEGER NOT NULL DEFAULT 0,
            mtime_ns INTEGER NOT NULL DEFAULT 0,
            chunk_sig TEXT NOT NULL DEFAULT '',
            chunk_count INTEGER NOT NULL DEFAULT 0,
            embed_model TEXT NOT NULL DEFAULT '',
            ingested_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )"""
    )
    for column, decl in [
        ("rel_path", "TEXT NOT NULL DEFAULT ''"),
        ("kind", "TEXT NOT NULL DEFAULT 'markdown'"),
        ("project", "TEXT NOT NULL DEFAULT ''"),
        ("title", "TEXT NOT NULL DEFAULT ''"),
        ("tags", "TEXT NOT NULL DEFAULT '[]'"),
        ("aliases", "TEXT NOT NULL DEFAULT '[]'"),
        ("frontmatter", "TEXT NOT NULL DEFAULT '{}'"),
        ("content_hash", "TEXT NOT NULL DEFAULT ''"),
        ("size", "INTEGER NOT NULL DEFAULT 0"),
        ("mtime_ns", "INTEGER NOT NULL DEFAULT 0"),
        ("chunk_sig", "TEXT NOT NULL DEFAULT ''"),
        ("chunk_count", "INTEGER NOT NULL DEFAULT 0"),
        ("embed_model", "TEXT NOT NULL DEFAULT ''"),
        ("ingested_at", "TEXT NOT NULL DEFAULT ''"),
        ("updated_at", "TEXT NOT NULL DEFAULT ''"),
    ]:
        add_column(conn, "source_documents", column, decl)
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_source_documents_project ON source_documents(project)"
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS source_chunks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES source_documents(id) ON DELETE CASCADE,
            project TEXT NOT NULL DEFAULT '',
            ordinal INTEGER NOT NULL DEFAULT 0,
            title TEXT NOT NULL DEFAULT '',
            heading_path TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            char_start INTEGER NOT NULL DEFAULT 0,
            char_end INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT NOT NULL DEFAULT ''
        )"""
    )
    for column, decl in [
        ("project", "TEXT NOT NULL DEFAULT ''"),
        ("ordinal", "INTEGER NOT NULL DEFAULT 0"),
        ("title", "TEXT NOT NULL DEFAULT ''"),
        ("heading_path", "TEXT NOT NULL DEFAULT ''"),
        ("char_start", "INTEGER NOT NULL DEFAULT 0"),
        ("char_end", "INTEGER NOT NULL DEFAULT 0"),
        ("content_hash", "TEXT NOT NULL DEFAULT ''"),
    ]:
        add_column(conn, "source_chunks", column, decl)
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_source_chunks_document "
        "ON source_chunks(document_id, ordinal)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS idx_source_chunks_project ON source_chunks(project)")
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5("
        "text, heading_path, title, content='source_chunks', content_rowid='id', "
        "tokenize='porter unicode61')"
    )
    conn.execute(
        """CREATE TRIGGER IF NOT EXISTS source_chunks_ai AFTER INSERT ON source_chunks BEGIN
            INSERT INTO chunks_fts(rowid, text, heading_path, title)
            VALUES (new.id, new.text, new.heading_path, new.title);
        END"""
    )
    conn.execute(
        """CREATE TRIGGER IF NOT EXISTS source_chunks_ad AFTER DELETE ON source_chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text, heading_path, title)
            VALUES ('delete', old.id, old.text, old.heading_path, old.title);
        END"""
    )
    conn.execute(
        """CREATE TRIGGER IF NOT EXISTS source_chunks_au AFTER UPDATE ON source_chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, text, heading_path, title)
            VALUES ('delete', old.id, old.text, old.heading_path, old.title);
            INSERT INTO chunks_fts(rowid, text, heading_path, title)
            VALUES (new.id, new.text, new.heading_path, new.title);
        END"""
    )
