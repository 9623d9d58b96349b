"""The data dir's database: a connection migrated to the latest schema.

Kept apart from ``connection`` because migrations use its ``transaction``:
connection <- migrations <- database, one way.
"""

from __future__ import annotations

from typing import Any

from atocore.db.connection import connect
from atocore.db.types import Connection
from atocore.errors import NoData


def open_db(settings: Any = None, *, migrate: bool = True, create: bool = True) -> Connection:
    """Connection to the data dir's database, migrated to the latest schema.

    ``create=False`` is for operations that only read: a data dir without a
    database (a mistyped ATOCORE_DATA_DIR) is refused with :class:`NoData`
    and nothing is created there.
    """
    # Late imports: settings and the migration machinery (dataclasses) stay off
    # the import of ``atocore.db``, which the prompt hook pays for.
    from atocore.config import get_settings
    from atocore.db.migrations import apply_migrations

    settings = settings or get_settings()
    if not create and not settings.db_path.is_file():
        raise NoData(f"no atocore data in {settings.data_dir} — run `atocore init`")
    conn = connect(settings.db_path, busy_timeout_ms=settings.busy_timeout_ms, create=create)
    if migrate:
        try:
            apply_migrations(conn)
        except Exception:
            conn.close()
            raise
    return conn
