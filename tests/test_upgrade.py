"""Old databases upgrade in place: one fixture per earlier schema shape.

tests/fixtures/schemas/vNN-<commit>.sql are SQL dumps of data dirs made by
the code of each commit that shipped a different schema (see
make_fixtures.py there). Each is loaded, opened with the current code, and
must keep its rows and support the everyday writes and reads.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest

from atocore.db import connect, open_db
from atocore.db.migrations import columns, discover

FIXTURES = Path(__file__).parent / "fixtures" / "schemas"
DUMPS = sorted(FIXTURES.glob("v*.sql"))
MIGRATIONS = Path(__file__).parents[1] / "atocore" / "db" / "migrations"
MANIFEST = Path(__file__).parent / "migrations_sha256.json"
P = "p05-interferometer"


def load_dump(dump: Path, data_dir: Path, vault: Path) -> Path:
    """Write the dump into ``data_dir``'s database, its vault paths pointing at ``vault``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copytree(FIXTURES / "vault", vault)
    db = data_dir / "atocore.db"
    conn = connect(db)  # the current driver: it has the vec0 module the dump names
    conn.execute("PRAGMA foreign_keys = OFF")  # a dump lists tables by name, not by reference
    conn.executescript(dump.read_text().replace("/FIXTURE_VAULT", str(vault)))
    conn.close()
    return db


def test_there_is_a_fixture_for_every_schema():
    assert len(DUMPS) == 9  # one per commit in make_fixtures.COMMITS


@pytest.fixture(params=DUMPS, ids=lambda p: p.stem)
def old_db(request, data_dir: Path, tmp_path: Path, p05) -> Path:
    return load_dump(request.param, data_dir, tmp_path / "vault")


def test_old_database_upgrades_keeping_its_rows(old_db: Path):
    raw = connect(old_db)
    tables = [
        r[0]
        for r in raw.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN "
            "('projects', 'project_state', 'review_log', 'memories', 'interactions', "
            "'entities', 'relationships', 'conflicts', 'conflict_members', "
            "'mirror_regeneration_failures', 'source_documents', 'source_chunks')"
        )
    ]
    before = {t: [dict(r) for r in raw.execute(f"SELECT * FROM {t} ORDER BY 1")] for t in tables}
    raw.close()
    assert sum(len(rows) for rows in before.values()) >= len(tables)

    conn = open_db()
    try:
        assert {m.version for m in discover()} <= {
            r[0] for r in conn.execute("SELECT version FROM schema_migrations")
        }
        for table, rows in before.items():
            after = [dict(r) for r in conn.execute(f"SELECT * FROM {table} ORDER BY 1")]
            # every old row is still there with its old values; new columns may be added
            assert [{k: row[k] for k in old} for row, old in zip(after, rows, strict=True)] == rows
        assert "token_count" in columns(conn, "memories")
        assert "memories_reinforced" in columns(conn, "interactions")
        assert conn.execute("SELECT count(*) FROM memory_tokens").fetchone()[0] >= 0
        assert conn.execute("SELECT count(*) FROM review_log").fetchone()[0] >= 0
    finally:
        conn.close()


def test_old_database_supports_memory_capture_and_packs(old_db: Path, cli, embedder):
    del old_db
    added = cli.json("memory", "add", "The interferometer laser warms up for 30 minutes.", "-p", P)
    assert added["status"] == "active"

    capture = cli.json(
        "interactions",
        "capture",
        "How long does the laser warm up?",
        "The interferometer laser warms up for 30 minutes before fringes are stable.",
        "-p",
        P,
    )
    assert added["id"] in capture["memories_reinforced"]

    pack = cli.json("context", "interferometer laser warm up reference flat", "-p", P)
    kinds = {block["kind"] for block in pack["blocks"]}
    assert "memory" in kinds, pack
    text = json.dumps(pack)
    assert "30 minutes" in text
    conn = open_db()
    try:
        old_memory = conn.execute("SELECT 1 FROM memories WHERE id = 'mem-1'").fetchone()
        indexed = {r[0] for r in conn.execute("SELECT DISTINCT memory_id FROM memory_tokens")}
    finally:
        conn.close()
    if old_memory:  # the fixture's own memory is indexed like a new one
        assert "mem-1" in indexed
        assert "lambda/20" in text


@pytest.mark.parametrize(
    "dump", [d for d in DUMPS if "source_chunks" in d.read_text()], ids=lambda p: p.stem
)
def test_first_ingest_after_upgrade_reembeds_nothing_unchanged(
    dump: Path, data_dir: Path, tmp_path: Path, p05, cli
):
    """A vault ingested by older code (same model; a chunker whose options changed
    but whose output for these notes did not) is not embedded again."""
    vault = tmp_path / "vault"
    load_dump(dump, data_dir, vault)
    report = cli.json("ingest", str(vault), "-p", P)
    assert report["vectors_added"] == 0, report
    assert report["unchanged"] == report["files_seen"] == 2
    again = cli.json("ingest", str(vault), "-p", P)
    assert again["unchanged"] == 2 and again["vectors_added"] == 0


# --- shipped migrations never change --------------------------------------------------


def _migration_files() -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(MIGRATIONS.glob("m[0-9][0-9][0-9]_*.py"))
    }


def test_shipped_migrations_are_unchanged():
    """A shipped migration is never edited: fixes are new numbered files. A new
    migration is added to tests/migrations_sha256.json in the commit that ships it."""
    manifest = json.loads(MANIFEST.read_text())
    files = _migration_files()
    assert set(files) == set(manifest), "add new migrations to tests/migrations_sha256.json"
    changed = [name for name in files if files[name] != manifest[name]]
    assert not changed, f"shipped migration(s) edited: {changed}; write a new migration instead"


# Shipped before the rule existed; the list may only shrink.
IMPORTS_APP_CODE = {"m003_memory.py"}


def _imports(path: Path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add(node.module or "")
    return names


def test_migrations_import_only_stdlib():
    """Migrations run against any old database; app code they import can change
    under them. Allowed: the stdlib and the migration framework's helpers."""
    offenders = set()
    for path in sorted(MIGRATIONS.glob("m[0-9][0-9][0-9]_*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if name != "atocore.db.migrations" and top not in sys.stdlib_module_names:
                offenders.add(path.name)
    assert offenders == IMPORTS_APP_CODE
