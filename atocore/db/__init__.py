"""Database access: the one place that opens SQLite connections."""

from atocore.db.connection import connect, transaction, vec_available
from atocore.db.database import open_db

__all__ = ["connect", "open_db", "transaction", "vec_available"]
