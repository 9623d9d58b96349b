"""Human Mirror: a record of failed page regenerations."""

from atocore.db.migrations import add_column


def apply(conn) -> None:
    conn.execute(
        """CREATE TABLE IF NOT EXISTS mirror_regeneration_failures (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            project TEXT NOT NULL,
            trigger TEXT NOT NULL DEFAULT '',
            error TEXT NOT NULL,
            failed_at TEXT NOT NULL
        )"""
    )
    add_column(conn, "mirror_regeneration_failures", "trigger", "TEXT NOT NULL DEFAULT ''")
    conn.execute(
        "CREATE INDEX IF NOT EXISTS idx_mirror_failures_project "
        "ON mirror_regeneration_failures(project, failed_at)"
    )
