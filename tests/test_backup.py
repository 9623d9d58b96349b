"""Backup create / list / validate (service and CLI)."""

from __future__ import annotations

import json
import shutil

import pytest

from atocore.config import get_settings
from atocore.db import connect
from atocore.errors import InvalidInput, NotFound
from atocore.ops.backup import (
    DB_REL,
    METADATA_FILE,
    REGISTRY_REL,
    VALIDATION_FILE,
    create_backup,
    list_backups,
    validate_backup,
)
from atocore.ops.retention import parse_stamp


@pytest.fixture
def seeded(conn, p05):
    from atocore.context.project_state import set_state

    set_state(conn, "p05", "status", "phase", "alignment")
    return conn


def test_create_writes_a_self_contained_validated_snapshot(seeded):
    result = create_backup()
    root = get_settings().backups_dir / result["stamp"]
    assert parse_stamp(result["stamp"]) is not None
    assert sorted(p.name for p in root.iterdir()) == [
        METADATA_FILE,
        "config",
        "db",
        VALIDATION_FILE,
    ]
    assert sorted(p.name for p in (root / "db").iterdir()) == ["atocore.db"]  # no -wal/-shm
    metadata = json.loads((root / METADATA_FILE).read_text())
    assert metadata["validated"] is True and metadata["validation_errors"] == []
    assert metadata["db"]["path"] == DB_REL and metadata["registry"]["path"] == REGISTRY_REL
    assert metadata["kind"] == "manual"
    assert metadata["build_sha"] == "unknown"
    assert (root / REGISTRY_REL).read_bytes() == get_settings().registry_path.read_bytes()
    snap = connect(root / DB_REL, readonly=True)
    try:
        assert snap.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        value = snap.execute("SELECT value FROM project_state").fetchone()[0]
    finally:
        snap.close()
    assert value == "alignment"


def test_create_without_database_is_bad_input(cli, data_dir):
    with pytest.raises(InvalidInput):
        create_backup()
    result = cli("backup", "create")
    assert result.exit_code == 2
    assert "nothing to back up" in result.output
    assert not (data_dir / "backups").exists()


def test_back_to_back_snapshots_get_distinct_stamps(seeded):
    stamps = [create_backup()["stamp"] for _ in range(3)]
    assert len(set(stamps)) == 3
    assert stamps == sorted(stamps)
    assert [s["stamp"] for s in list_backups()["snapshots"]] == stamps


def test_dest_writes_and_lists_elsewhere(seeded, tmp_path, cli):
    dest = tmp_path / "offsite"
    result = cli.json("backup", "create", "--dest", dest)
    assert (dest / result["stamp"] / DB_REL).is_file()
    assert list_backups()["snapshots"] == []
    listed = cli.json("backup", "list", "--dest", dest)
    assert [s["stamp"] for s in listed["snapshots"]] == [result["stamp"]]
    assert cli.json("backup", "validate", result["stamp"], "--dest", dest)["valid"] is True


def test_stepped_copy_reports_progress(seeded):
    calls = []
    result = create_backup(step_pages=2, progress=lambda *a: calls.append(a))
    assert result["validated"] is True
    database = [c for c in calls if c[0] == "database"]
    assert len(database) > 2
    assert database[-1][1] == database[-1][2] > 0
    assert [c[1] for c in database] == sorted(c[1] for c in database)


def test_vectors_are_checked_with_the_extension_loaded(seeded):
    seeded.execute("CREATE VIRTUAL TABLE test_vec USING vec0(embedding float[4])")
    seeded.execute("INSERT INTO test_vec(rowid, embedding) VALUES (7, '[0.1, 0.2, 0.3, 0.4]')")
    result = create_backup()
    assert result["validated"] is True
    assert result["validation"]["db"]["vec_loaded"] is True
    assert result["validation"]["db"]["integrity"] == ["ok"]
    snap = connect(get_settings().backups_dir / result["stamp"] / DB_REL, readonly=True)
    try:
        row = snap.execute(
            "SELECT rowid FROM test_vec WHERE embedding MATCH '[0.1, 0.2, 0.3, 0.4]' AND k = 1"
        ).fetchone()
    finally:
        snap.close()
    assert row[0] == 7


def test_validation_failure_is_recorded_without_raising(seeded, cli):
    get_settings().registry_path.write_text("{not json", encoding="utf-8")
    result = create_backup()
    assert result["validated"] is False
    assert result["validation_errors"] == ["registry_invalid_json"]
    root = get_settings().backups_dir / result["stamp"]
    assert json.loads((root / METADATA_FILE).read_text())["validated"] is False
    assert json.loads((root / VALIDATION_FILE).read_text())["valid"] is False
    listed = list_backups()["snapshots"]
    assert listed[0]["valid"] is False
    out = cli("backup", "create", "--json")
    assert out.exit_code == 1
    assert json.loads(out.stdout)["validation_errors"] == ["registry_invalid_json"]


def _damage(root, how):
    if how == "db_missing":
        (root / DB_REL).unlink()
    elif how == "metadata_missing":
        (root / METADATA_FILE).unlink()
    elif how == "metadata_invalid_json":
        (root / METADATA_FILE).write_text("[1, 2")
    elif how == "registry_invalid_json":
        (root / REGISTRY_REL).write_text("{")
    elif how == "registry_invalid":
        (root / REGISTRY_REL).write_text(json.dumps({"projects": [{"id": "Bad Id"}]}))
    elif how == "registry_missing":
        (root / REGISTRY_REL).unlink()
    elif how == "db_checksum_mismatch":
        with (root / DB_REL).open("ab") as handle:
            handle.write(b"\0" * 4096)
    elif how == "db_integrity_check_failed":
        data = bytearray((root / DB_REL).read_bytes())
        page = 4096
        for offset in range(page * 2, len(data) - page, page):  # trash every page past the 2nd
            data[offset + 8 : offset + page - 8] = b"\xa5" * (page - 16)
        (root / DB_REL).write_bytes(bytes(data))


@pytest.mark.parametrize(
    "how",
    [
        "db_missing",
        "metadata_missing",
        "metadata_invalid_json",
        "registry_invalid_json",
        "registry_invalid",
        "registry_missing",
        "db_checksum_mismatch",
        "db_integrity_check_failed",
    ],
)
def test_validate_reports_specific_error_codes(seeded, cli, how):
    stamp = create_backup()["stamp"]
    _damage(get_settings().backups_dir / stamp, how)
    result = validate_backup(stamp)
    assert result["valid"] is False
    assert how in result["errors"]
    assert how in result["error_details"]
    out = cli("backup", "validate", stamp, "--json")
    assert out.exit_code == 1
    assert how in json.loads(out.stdout)["errors"]
    assert (
        json.loads((get_settings().backups_dir / stamp / VALIDATION_FILE).read_text())["errors"]
        == result["errors"]
    )


def test_validate_does_not_modify_the_snapshot(seeded):
    stamp = create_backup()["stamp"]
    db_file = get_settings().backups_dir / stamp / DB_REL
    before = db_file.read_bytes()
    validate_backup(stamp)
    assert db_file.read_bytes() == before
    assert sorted(p.name for p in db_file.parent.iterdir()) == ["atocore.db"]


def test_validate_unknown_or_malformed_stamp(seeded, cli):
    with pytest.raises(NotFound):
        validate_backup("20200101T000000Z")
    for bad in ("../../etc", "2020-01-01", "20201301T000000Z"):
        with pytest.raises(InvalidInput):
            validate_backup(bad)
    out = cli("backup", "validate", "../x")
    assert out.exit_code == 2 and "invalid snapshot stamp" in out.output
    missing = cli("backup", "validate", "20200101T000000Z", "--json")
    assert missing.exit_code == 2
    assert json.loads(missing.stdout)["error"]["code"] == "not_found"


def test_validate_latest(seeded, cli):
    assert cli("backup", "validate", "latest").exit_code == 2  # nothing yet
    create_backup()
    newest = create_backup()["stamp"]
    assert cli.json("backup", "validate", "latest")["stamp"] == newest


def test_list_json_shape_and_foreign_entries(seeded, cli):
    stamp = create_backup()["stamp"]
    root = get_settings().backups_dir
    (root / "manual-copy").mkdir()
    (root / "notes.txt").write_text("hi")
    listed = cli.json("backup", "list")
    assert listed["root"] == str(root)
    assert listed["other"] == ["manual-copy", "notes.txt"]
    (entry,) = listed["snapshots"]
    assert entry["stamp"] == stamp and entry["valid"] is True and entry["has_registry"] is True
    for key in ("path", "kind", "created_at", "db_bytes", "schema_version", "validated_at"):
        assert key in entry
    assert cli("backup", "list").exit_code == 0


def test_failed_create_leaves_no_partial_snapshot(seeded, monkeypatch):
    import atocore.ops.backup as backup

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(backup, "_fsync_file", boom)
    with pytest.raises(backup.OperationFailed):
        create_backup()
    root = get_settings().backups_dir
    assert list(root.iterdir()) == []


def test_template_overrides_are_captured(seeded, data_dir):
    override = data_dir / "templates" / "mirror" / "project.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text("custom {{ project }}")
    result = create_backup()
    copied = get_settings().backups_dir / result["stamp"] / "templates" / "mirror" / override.name
    assert copied.read_text() == "custom {{ project }}"
    assert result["templates"] == ["templates"]
    shutil.rmtree(copied.parent)
    assert validate_backup(result["stamp"])["errors"] == ["templates_missing"]
