"""Engineering layer: entities, relationships, conflicts and their members."""

from atocore.db.migrations import add_column


def apply(conn) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS entities (
            id TEXT PRIMARY KEY,
            entity_type TEXT NOT NULL,
            name TEXT NOT NULL,
            project TEXT NOT NULL DEFAULT '',
            identity_key TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'candidate',
            confidence REAL NOT NULL DEFAULT 1.0,
            attributes TEXT NOT NULL DEFAULT '{}',
            source_refs TEXT NOT NULL DEFAULT '[]',
            content_hash TEXT NOT NULL DEFAULT '',
            extractor_version TEXT NOT NULL DEFAULT '',
            canonical_home TEXT NOT NULL DEFAULT 'atocore',
            superseded_by TEXT,
            last_imported_at TEXT,
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )"""
    )
    for column, decl in [
        ("confidence", "REAL NOT NULL DEFAULT 1.0"),
        ("attributes", "TEXT NOT NULL DEFAULT '{}'"),
        ("source_refs", "TEXT NOT NULL DEFAULT '[]'"),
        ("content_hash", "TEXT NOT NULL DEFAULT ''"),
        ("extractor_version", "TEXT NOT NULL DEFAULT ''"),
        ("canonical_home", "TEXT NOT NULL DEFAULT 'atocore'"),
        ("superseded_by", "TEXT"),
        ("last_imported_at", "TEXT"),
    ]:
        add_column(conn, "entities", column, decl)
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_entities_slot "
        "ON entities(project, entity_type, identity_key, status)"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS idx_entities_status ON entities(project, status)")
    conn.execute("CREATE INDEX IF NOT EXISTS idx_entities_updated ON entities(project, updated_at)")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS relationships (
            id TEXT PRIMARY KEY,
            project TEXT NOT NULL DEFAULT '',
            rel_type TEXT NOT NULL,
            family TEXT NOT NULL,
            source_id TEXT NOT NULL REFERENCES entities(id),
            target_id TEXT NOT NULL REFERENCES entities(id),
            status TEXT NOT NULL DEFAULT 'active',
            source_refs TEXT NOT NULL DEFAULT '[]',
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )"""
    )
    conn.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS idx_relationships_edge "
        "ON relationships(source_id, rel_type, target_id)"
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_relationships_target ON relationships(target_id, rel_type)"
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_relationships_project ON relationships(project, rel_type)"
    )
    conn.execute(
        """CREATE TABLE IF NOT EXISTS conflicts (
            id TEXT PRIMARY KEY,
            project TEXT NOT NULL DEFAULT '',
            slot_key TEXT NOT NULL,
            entity_type TEXT NOT NULL DEFAULT '',
            identity_key TEXT NOT NULL DEFAULT '',
            field TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT 'open',
            resolution TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            detected_by TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            resolved_at TEXT
        )"""
    )
    conn.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS idx_conflicts_open_slot "
        "ON conflicts(slot_key) WHERE status = 'open'"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS idx_conflicts_project ON conflicts(project, status)")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS conflict_members (
            conflict_id TEXT NOT NULL REFERENCES conflicts(id),
            member_kind TEXT NOT NULL,
            member_id TEXT NOT NULL,
            value TEXT NOT NULL DEFAULT '',
            role TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (conflict_id, member_kind, member_id)
        )"""
    )
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_conflict_members_member "
        "ON conflict_members(member_kind, member_id)"
    )
