"""Vault structure: a keyword index over note names and tags, and the link graph.

* ``notes_fts``: FTS5 over each document's title, aliases and tags (the JSON
  lists of ``source_documents``, whose words are what matters), kept in step
  by triggers; rebuilt here so existing notes are searchable at once.
* ``note_names``: the names a ``[[wikilink]]`` may use for a note (kind 0 the
  file name, 1 the title, 2 an alias) and its tags (kind 3), as lowercase words.
* ``note_links``: every wikilink of a note; ``target_id`` is NULL while no
  note answers to ``target_key`` and is resolved again when one arrives.
* ``source_documents.vault_version``: notes parsed before this migration
  (0) get inline tags, names and links on the next ingest, without being
  re-chunked or re-embedded.
"""


def apply(conn) -> None:
    columns = {row[1] for row in conn.execute("PRAGMA table_info(source_documents)")}
    if "vault_version" not in columns:
        conn.execute(
            "ALTER TABLE source_documents ADD COLUMN vault_version INTEGER NOT NULL DEFAULT 0"
        )
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'notes_fts'"
    ).fetchone()
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS notes_fts USING fts5("
        "title, aliases, tags, content='source_documents', content_rowid='id', "
        "tokenize='porter unicode61')"
    )
    conn.execute(
        """CREATE TRIGGER IF NOT EXISTS source_documents_notes_ai
        AFTER INSERT ON source_documents BEGIN
            INSERT INTO notes_fts(rowid, title, aliases, tags)
            VALUES (new.id, new.title, new.aliases, new.tags);
        END"""
    )
    conn.execute(
        """CREATE TRIGGER IF NOT EXISTS source_documents_notes_ad
        AFTER DELETE ON source_documents BEGIN
            INSERT INTO notes_fts(notes_fts, rowid, title, aliases, tags)
            VALUES ('delete', old.id, old.title, old.aliases, old.tags);
        END"""
    )
    conn.execute(
        """CREATE TRIGGER IF NOT EXISTS source_documents_notes_au
        AFTER UPDATE OF title, aliases, tags ON source_documents BEGIN
            INSERT INTO notes_fts(notes_fts, rowid, title, aliases, tags)
            VALUES ('delete', old.id, old.title, old.aliases, old.tags);
            INSERT INTO notes_fts(rowid, title, aliases, tags)
            VALUES (new.id, new.title, new.aliases, new.tags);
        END"""
    )
    if not exists:
        conn.execute("INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS note_names (
            key TEXT NOT NULL,
            kind INTEGER NOT NULL,
            document_id INTEGER NOT NULL REFERENCES source_documents(id) ON DELETE CASCADE,
            PRIMARY KEY (key, kind, document_id)
        ) WITHOUT ROWID"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS idx_note_names_document ON note_names(document_id)")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS note_links (
            id INTEGER PRIMARY KEY,
            source_id INTEGER NOT NULL REFERENCES source_documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            target TEXT NOT NULL,
            heading TEXT NOT NULL DEFAULT '',
            alias TEXT NOT NULL DEFAULT '',
            embed INTEGER NOT NULL DEFAULT 0,
            target_key TEXT NOT NULL,
            target_id INTEGER REFERENCES source_documents(id) ON DELETE SET NULL
        )"""
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_note_links_source ON note_links(source_id, ordinal)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS idx_note_links_target ON note_links(target_id)")
    conn.execute("CREATE INDEX IF NOT EXISTS idx_note_links_key ON note_links(target_key)")
