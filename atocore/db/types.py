"""The connection type services take, without importing a SQLite module.

Connections come from the stdlib ``sqlite3`` or the ``sqlean`` drop-in
(chosen in :mod:`atocore.db.connection`); both follow the DB-API, so code is
typed against ``sqlite3.Connection``. At run time the name is only a marker:
importing sqlite3 here would cost every process that merely annotates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import sqlite3

    Connection: TypeAlias = sqlite3.Connection
else:
    Connection: TypeAlias = Any
