"""Database access: the one place that opens SQLite connections."""

from atocore.db.connection import connect, open_db, transaction, vec_available

__all__ = ["connect", "open_db", "transaction", "vec_available"]
