"""Restore: round trip, refusals, sidecars, safety snapshot; process locks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from atocore.config import get_settings
from atocore.context.project_state import get_state, set_state
from atocore.db import connect, open_db
from atocore.errors import ConflictError, InvalidInput
from atocore.ops.backup import DB_REL, create_backup, list_backups
from atocore.ops.locks import hold_process_lock, running_processes
from atocore.ops.restore import restore_backup


def _state(project="p05"):
    conn = open_db()
    try:
        return {(e.key, e.value) for e in get_state(conn, project)}
    finally:
        conn.close()


def _set(key, value):
    conn = open_db()
    try:
        set_state(conn, "p05", "status", key, value)
    finally:
        conn.close()


@pytest.fixture
def baseline(p05, data_dir):
    _set("phase", "alignment")
    return create_backup()["stamp"]


def test_round_trip_reverses_mutations_and_keeps_them_in_the_pre_snapshot(baseline, registry):
    _set("phase", "MUTATED")
    _set("drill_marker", "DRILL-MARKER")
    registry([{"id": "other-project", "aliases": [], "description": "", "ingest_roots": []}])

    result = restore_backup(baseline, confirm_stopped=True)

    assert result["db_restored"] and result["restored_integrity_ok"]
    assert result["registry_restored"] is True
    assert _state() == {("phase", "alignment")}
    assert "p05-interferometer" in get_settings().registry_path.read_text()
    pre = result["pre_restore_snapshot"]
    assert pre and pre != baseline and result["pre_restore_snapshot_valid"] is True
    snap = connect(get_settings().backups_dir / pre / DB_REL, readonly=True)
    try:
        values = {r[0] for r in snap.execute("SELECT value FROM project_state")}
    finally:
        snap.close()
    assert {"MUTATED", "DRILL-MARKER"} <= values
    kinds = {s["stamp"]: s["kind"] for s in list_backups()["snapshots"]}
    assert kinds[pre] == "pre-restore"

    # Restoring the pre-restore snapshot undoes the restore.
    undo = restore_backup(pre, confirm_stopped=True, pre_snapshot=False)
    assert undo["pre_restore_snapshot"] is None
    assert ("drill_marker", "DRILL-MARKER") in _state("p05-interferometer")
    assert "other-project" in get_settings().registry_path.read_text()


def test_refuses_without_confirmation(baseline, cli):
    _set("phase", "after")
    with pytest.raises(InvalidInput, match="--confirm-stopped"):
        restore_backup(baseline)
    out = cli("backup", "restore", baseline)
    assert out.exit_code == 2 and "--confirm-stopped" in out.output
    assert _state() == {("phase", "after")}
    assert len(list_backups()["snapshots"]) == 1  # no pre-restore snapshot taken


HOLDER = textwrap.dedent(
    """
    import sys, time
    from atocore.ops.locks import hold_process_lock
    with hold_process_lock(sys.argv[1]):
        print("ready", flush=True)
        sys.stdin.readline()
    """
)


@pytest.fixture
def live_process(data_dir):
    procs = []

    def start(name: str) -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "ATOCORE_DATA_DIR": str(data_dir)},
        )
        assert proc.stdout.readline().strip() == "ready"
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        proc.stdin.close()
        proc.wait(timeout=30)


def test_refuses_while_serve_or_watch_runs(baseline, live_process, cli):
    proc = live_process("serve")
    _set("phase", "after")
    live = running_processes()
    assert [(p.name, p.pid) for p in live] == [("serve", proc.pid)]
    with pytest.raises(ConflictError, match="serve"):
        restore_backup(baseline, confirm_stopped=True)
    out = cli("backup", "restore", baseline, "--confirm-stopped", "--json")
    assert out.exit_code == 2
    error = json.loads(out.stdout)["error"]
    assert error["code"] == "conflict" and error["running"][0]["pid"] == proc.pid
    assert _state() == {("phase", "after")}

    proc.stdin.close()
    proc.wait(timeout=30)
    assert running_processes() == []
    assert restore_backup(baseline, confirm_stopped=True)["restored_integrity_ok"]


def test_stale_pid_file_is_ignored(baseline):
    run_dir = get_settings().run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "watch.pid").write_text(json.dumps({"pid": 999999, "name": "watch"}))
    assert running_processes() == []
    assert restore_backup(baseline, confirm_stopped=True)["restored_integrity_ok"]
    with hold_process_lock("watch") as info:  # a stale file is taken over
        assert info.pid == os.getpid()
    assert not (run_dir / "watch.pid").exists()


def test_refuses_an_invalid_snapshot(baseline, cli):
    (get_settings().backups_dir / baseline / DB_REL).unlink()
    _set("phase", "after")
    with pytest.raises(InvalidInput, match="db_missing"):
        restore_backup(baseline, confirm_stopped=True)
    out = cli("backup", "restore", baseline, "--confirm-stopped", "--json")
    assert out.exit_code == 2
    assert json.loads(out.stdout)["error"]["validation"]["errors"] == ["db_missing"]
    assert _state() == {("phase", "after")}
    assert len(list_backups()["snapshots"]) == 1


def test_unknown_stamp_is_not_found(baseline, cli):
    out = cli("backup", "restore", "20000101T000000Z", "--confirm-stopped")
    assert out.exit_code == 2 and "no snapshot" in out.output


def test_stale_sidecars_are_removed(baseline):
    db_path = get_settings().db_path
    wal = db_path.with_name(db_path.name + "-wal")
    shm = db_path.with_name(db_path.name + "-shm")
    junk = b"STALE-SIDECAR-BYTES" * 200
    wal.write_bytes(junk)
    shm.write_bytes(junk)
    result = restore_backup(baseline, confirm_stopped=True, pre_snapshot=False)
    removed = {os.path.basename(s["path"]): s["bytes"] for s in result["sidecars_removed"]}
    assert removed == {wal.name: len(junk), shm.name: len(junk)}
    for sidecar in (wal, shm):
        assert not sidecar.exists() or b"STALE-SIDECAR" not in sidecar.read_bytes()
    assert result["restored_integrity_ok"] is True
    assert _state() == {("phase", "alignment")}


def test_no_pre_snapshot_flag(baseline, cli):
    _set("phase", "after")
    result = cli.json("backup", "restore", baseline, "--confirm-stopped", "--no-pre-snapshot")
    assert result["pre_restore_snapshot"] is None
    assert len(list_backups()["snapshots"]) == 1
    assert _state() == {("phase", "alignment")}


def test_cli_restore_json_shape(baseline, cli):
    result = cli.json("backup", "restore", baseline, "--confirm-stopped")
    for key in (
        "stamp",
        "pre_restore_snapshot",
        "db_restored",
        "registry_restored",
        "restored_integrity_ok",
        "restored_schema_version",
        "sidecars_removed",
    ):
        assert key in result
    human = cli("backup", "restore", baseline, "--confirm-stopped")
    assert human.exit_code == 0 and "pre-restore snapshot" in human.output


def test_restore_onto_a_missing_database(baseline):
    db_path = get_settings().db_path
    db_path.unlink()
    result = restore_backup(baseline, confirm_stopped=True)
    assert result["pre_restore_snapshot"] is None  # nothing live to protect
    assert _state() == {("phase", "alignment")}


def test_template_overrides_restored(p05, data_dir):
    override = data_dir / "templates" / "mirror" / "project.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("v1")
    _set("phase", "x")
    stamp = create_backup()["stamp"]
    override.write_text("v2")
    (override.parent / "extra.md.j2").write_text("later")
    result = restore_backup(stamp, confirm_stopped=True, pre_snapshot=False)
    assert result["templates_restored"] == ["templates"]
    assert override.read_text() == "v1"
    assert not (override.parent / "extra.md.j2").exists()


# --- locks -----------------------------------------------------------------------


def test_second_holder_of_the_same_lock_is_refused(data_dir):
    with hold_process_lock("watch"):
        with pytest.raises(ConflictError, match="already running"):
            with hold_process_lock("watch"):
                pass
        with hold_process_lock("serve"):
            names = [p.name for p in running_processes()]
            assert names == ["serve", "watch"]
    assert running_processes() == []


def test_serve_cannot_start_during_a_restore(data_dir):
    with hold_process_lock("restore"):
        with pytest.raises(ConflictError, match="restore is running"):
            with hold_process_lock("serve"):
                pass


def test_bad_lock_name(data_dir):
    with pytest.raises(InvalidInput):
        with hold_process_lock("../evil"):
            pass


def test_restore_and_backup_exclude_each_other(baseline):
    with hold_process_lock("backup-4242-1"):  # a backup running in another process
        with pytest.raises(ConflictError, match="backup-4242-1"):
            restore_backup(baseline, confirm_stopped=True)
    with hold_process_lock("restore"):
        with pytest.raises(ConflictError, match="restore is running"):
            create_backup()
    assert running_processes() == []
    assert restore_backup(baseline, confirm_stopped=True)["pre_restore_snapshot"]


def test_refuses_a_snapshot_from_a_newer_schema(baseline):
    import hashlib

    from atocore.ops.backup import METADATA_FILE, validate_backup

    root = get_settings().backups_dir / baseline
    snap = connect(root / DB_REL)
    snap.execute(
        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')"
    )
    snap.execute("PRAGMA journal_mode = DELETE")
    snap.close()
    metadata = json.loads((root / METADATA_FILE).read_text())
    metadata["db"]["sha256"] = hashlib.sha256((root / DB_REL).read_bytes()).hexdigest()
    (root / METADATA_FILE).write_text(json.dumps(metadata))

    result = validate_backup(baseline)
    assert result["valid"] is True  # a warning, not damage
    assert result["warnings"] == ["db_schema_newer_than_code"]
    _set("phase", "after")
    with pytest.raises(InvalidInput, match="newer atocore"):
        restore_backup(baseline, confirm_stopped=True)
    assert _state() == {("phase", "after")}


def test_old_schema_snapshot_restores_and_upgrades_in_place(data_dir, p05):
    """A snapshot taken by an older atocore restores, then migrates on first open."""
    from atocore.db.migrations import latest_version, m001_core

    old = connect(get_settings().db_path)
    m001_core.apply(old)
    old.execute(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"
    )
    old.execute("INSERT INTO schema_migrations VALUES (1, 'core', 'then')")
    old.execute("INSERT INTO projects (id, name) VALUES ('pid', 'p05-interferometer')")
    old.execute(
        "INSERT INTO project_state (id, project_id, category, key, value) "
        "VALUES ('s1', 'pid', 'status', 'phase', 'legacy')"
    )
    old.close()
    stamp = create_backup()["stamp"]
    _set("phase", "new value")  # opens with migrations: the live db is now current

    result = restore_backup(stamp, confirm_stopped=True)
    assert result["restored_schema_version"] == 1
    assert _state() == {("phase", "legacy")}  # first open migrated it in place
    conn = open_db()
    try:
        assert conn.execute("SELECT max(version) FROM schema_migrations").fetchone()[0] == (
            latest_version()
        )
    finally:
        conn.close()
