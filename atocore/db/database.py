"""The data dir's database: a connection migrated to the latest schema.

Kept apart from ``connection`` because migrations use its ``transaction``:
connection <- migrations <- database, one way.
"""

from __future__ import annotations

from typing import Any

from atocore.db.connection import connect


def open_db(settings: Any = None, *, migrate: bool = True) -> Any:
    """Connection to the data dir's database, migrated to the latest schema."""
    # Late imports: settings and the migration machinery (dataclasses, ~15 ms)
    # stay off the import of ``atocore.db``, which the prompt hook pays for.
    from atocore.config import get_settings
    from atocore.db.migrations import apply_migrations

    settings = settings or get_settings()
    conn = connect(settings.db_path, busy_timeout_ms=settings.busy_timeout_ms)
    if migrate:
        try:
            apply_migrations(conn)
        except Exception:
            conn.close()
            raise
    return conn
