"""Numbered, additive, idempotent schema migrations.

Each module ``mNNN_<name>.py`` in this package defines ``apply(conn)``.
Migrations run in number order inside one transaction each and are
recorded in ``schema_migrations``. Every statement is written to be safe
on a database that already has (part of) the schema, so an old database
created before the migrations table existed upgrades in place.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from atocore.db.connection import transaction
from atocore.db.types import Connection

_NAME = re.compile(r"^m(\d{3})_(\w+)$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Any


def discover() -> list[Migration]:
    """All migrations in this package, ordered by number."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        match = _NAME.match(info.name)
        if not match:
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(Migration(int(match.group(1)), match.group(2), module.apply))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"duplicate migration numbers: {versions}")
    return found


def latest_version() -> int:
    migrations = discover()
    return migrations[-1].version if migrations else 0


def applied_versions(conn: Connection) -> set[int]:
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
    )
    return {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}


def schema_version(conn: Connection) -> int:
    versions = applied_versions(conn)
    return max(versions) if versions else 0


def apply_migrations(conn: Connection) -> list[str]:
    """Apply every pending migration; return the names applied."""
    done = applied_versions(conn)
    applied = []
    for migration in discover():
        if migration.version in done:
            continue
        with transaction(conn):
            migration.apply(conn)
            conn.execute(
                "INSERT OR IGNORE INTO schema_migrations (version, name, applied_at) "
                "VALUES (?, ?, ?)",
                (migration.version, migration.name, datetime.now(UTC).isoformat()),
            )
        applied.append(f"{migration.version:03d}_{migration.name}")
    return applied


def columns(conn: Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}


def add_column(conn: Connection, table: str, column: str, decl: str) -> None:
    """``ALTER TABLE ADD COLUMN`` unless the column already exists."""
    if column not in columns(conn, table):
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {decl}")
