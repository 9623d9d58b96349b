"""Core tables: meta, projects, trusted project state."""

from atocore.db.migrations import add_column


def apply(conn) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS projects (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )"""
    )
    add_column(conn, "projects", "created_at", "TEXT NOT NULL DEFAULT ''")
    add_column(conn, "projects", "updated_at", "TEXT NOT NULL DEFAULT ''")
    conn.execute("CREATE INDEX IF NOT EXISTS idx_projects_name ON projects(lower(name))")
    conn.execute(
        """CREATE TABLE IF NOT EXISTS project_state (
            id TEXT PRIMARY KEY,
            project_id TEXT NOT NULL REFERENCES projects(id),
            category TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT '',
            confidence REAL NOT NULL DEFAULT 1.0,
            status TEXT NOT NULL DEFAULT 'active',
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
        )"""
    )
    for column, decl in [
        ("source", "TEXT NOT NULL DEFAULT ''"),
        ("confidence", "REAL NOT NULL DEFAULT 1.0"),
        ("status", "TEXT NOT NULL DEFAULT 'active'"),
        ("created_at", "TEXT NOT NULL DEFAULT ''"),
        ("updated_at", "TEXT NOT NULL DEFAULT ''"),
    ]:
        add_column(conn, "project_state", column, decl)
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_project_state_lookup "
        "ON project_state(project_id, category, key, status)"
    )
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
