"""The storage timestamp: every ``created_at`` / ``updated_at`` column uses it."""

from __future__ import annotations

from datetime import UTC, datetime

# UTC, second precision, no zone suffix: sorts lexically and compares with SQLite's
# own ``datetime('now')``.
STORAGE_FORMAT = "%Y-%m-%d %H:%M:%S"


def now_utc() -> str:
    """Now as a storage timestamp (``YYYY-MM-DD HH:MM:SS`` in UTC)."""
    return datetime.now(UTC).strftime(STORAGE_FORMAT)
