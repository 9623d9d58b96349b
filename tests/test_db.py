"""Connection choice, pragmas and migrations on fresh and old databases."""

from __future__ import annotations

import sqlite3
import types

from atocore.db import open_db, vec_available
from atocore.db.connection import (
    can_load_extensions,
    choose_sqlite_module,
    connect,
    sqlite_module,
    transaction,
)
from atocore.db.migrations import apply_migrations, discover, latest_version, schema_version


def _fake_module(name: str, loads_extensions: bool) -> types.ModuleType:
    module = types.ModuleType(name)

    class Connection:
        pass

    if loads_extensions:
        Connection.enable_load_extension = lambda self, flag: None  # type: ignore[attr-defined]
    module.Connection = Connection  # type: ignore[attr-defined]
    return module


def test_choice_prefers_stdlib_when_it_can_load_extensions():
    stdlib = _fake_module("sqlite3", loads_extensions=True)
    sqlean = _fake_module("sqlean", loads_extensions=True)
    assert choose_sqlite_module([stdlib, sqlean]) is stdlib


def test_choice_falls_back_when_stdlib_cannot_load_extensions():
    stdlib = _fake_module("sqlite3", loads_extensions=False)
    sqlean = _fake_module("sqlean", loads_extensions=True)
    assert choose_sqlite_module([stdlib, sqlean]) is sqlean


def test_real_choice_matches_this_python():
    chosen = sqlite_module()
    assert can_load_extensions(chosen)
    if can_load_extensions(sqlite3):
        assert chosen is sqlite3
    else:
        assert chosen.__name__.startswith("sqlean")


def test_connection_has_vec_wal_fk_and_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setenv("ATOCORE_BUSY_TIMEOUT_MS", "1234")
    from atocore.config import get_settings

    conn = open_db(get_settings())
    try:
        assert vec_available(conn)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    finally:
        conn.close()


def _schema(conn) -> list[tuple]:
    return sorted(
        tuple(r)
        for r in conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master")
        if not r[1].startswith("sqlite_")
    )


def test_fresh_migration_records_every_version_and_is_idempotent(conn):
    versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [m.version for m in discover()]
    assert schema_version(conn) == latest_version()
    before = _schema(conn)
    assert apply_migrations(conn) == []
    assert _schema(conn) == before


def test_migrations_are_safe_to_rerun_even_unrecorded(conn):
    """Each migration body can run again on a migrated DB (additive, idempotent)."""
    before = _schema(conn)
    for migration in discover():
        with transaction(conn):
            migration.apply(conn)
    assert _schema(conn) == before


def test_old_shaped_database_upgrades_in_place(data_dir):
    """A DB made before migrations existed (fewer columns, no migrations table)."""
    data_dir.mkdir(parents=True)
    old = connect(data_dir / "atocore.db")
    old.execute("CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT)")
    old.execute(
        "CREATE TABLE project_state (id TEXT PRIMARY KEY, project_id TEXT, category TEXT, "
        "key TEXT, value TEXT)"
    )
    old.execute("INSERT INTO projects VALUES ('id-1', 'legacy', 'old row')")
    old.execute("INSERT INTO project_state VALUES ('s-1', 'id-1', 'status', 'phase', 'prototype')")
    old.close()

    conn = open_db()
    try:
        assert schema_version(conn) == latest_version()
        row = conn.execute("SELECT * FROM project_state WHERE id = 's-1'").fetchone()
        assert row["value"] == "prototype"
        assert row["status"] == "active"  # new column, default applied to the old row
        assert conn.execute("SELECT name FROM projects").fetchone()[0] == "legacy"
        from atocore.context.project_state import get_state

        assert [e.value for e in get_state(conn, "legacy")] == ["prototype"]
    finally:
        conn.close()
    # and a second open changes nothing
    conn = open_db()
    try:
        assert apply_migrations(conn) == []
    finally:
        conn.close()


def test_transaction_rolls_back_on_error(conn):
    import pytest

    with pytest.raises(RuntimeError):
        with transaction(conn):
            conn.execute("INSERT INTO projects (id, name) VALUES ('x', 'x')")
            raise RuntimeError("boom")
    assert conn.execute("SELECT count(*) FROM projects").fetchone()[0] == 0
