"""Full and read-only disks, missing data dirs, failed writes: clear errors, nothing half-written.

Disk full is real SQLite SQLITE_FULL (``PRAGMA max_page_count`` caps the
file), and on a 3 MB tmpfs where this process may mount one; read-only is a
``mode=ro`` connection or a read-only mount. Failures inside a transaction
are injected with a temporary SQLite trigger, not a mock.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from factories import count

from atocore.db import connect, open_db, transaction
from atocore.engineering.create import create_entity
from atocore.engineering.entities import get_entity
from atocore.engineering.review import promote_entity
from atocore.errors import NoData, OperationFailed
from atocore.ingest.pipeline import ingest_paths
from atocore.memory.service import create_memory

TEXT = "The reference flat is mounted on three Invar pads with a kinematic clamp. " * 40


def _fill_up(conn) -> None:
    """Cap the database at its current size: the next new page is SQLITE_FULL."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")


def test_disk_full_in_a_write_says_disk_full_and_leaves_the_database_intact(conn, p05):
    create_memory(conn, "knowledge", "The laser is a HeNe at 633 nm.", project="p05")
    before = {t: count(conn, t) for t in ("memories", "memory_tokens", "review_log")}
    _fill_up(conn)
    with pytest.raises(OperationFailed) as caught:
        for i in range(50):
            create_memory(conn, "knowledge", f"{i} {TEXT[:3500]}", project="p05")
    assert str(caught.value).startswith("disk full: nothing was written")
    assert caught.value.exit_code == 1
    assert not conn.in_transaction
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("PRAGMA max_page_count = 1073741823")
    # whatever the loop stored before the cap bit is whole; the failed one left nothing
    after = {t: count(conn, t) for t in before}
    stored = after["memories"] - before["memories"]
    assert after["review_log"] - before["review_log"] == stored
    create_memory(conn, "knowledge", "Writes work again once there is room.", project="p05")


def test_disk_full_during_ingest_says_disk_full(conn, p05, tmp_path: Path, embedder):
    vault = tmp_path / "vault"
    vault.mkdir()
    for i in range(5):
        (vault / f"n{i}.md").write_text(f"# Note {i}\n\n{TEXT}\n")
    _fill_up(conn)
    with pytest.raises(OperationFailed, match="^disk full"):
        ingest_paths(conn, [vault], project="p05")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_write_to_a_read_only_database_says_read_only(conn, data_dir: Path):
    ro = connect(data_dir / "atocore.db", readonly=True)
    try:
        with pytest.raises(OperationFailed, match="^read-only: nothing was written"):
            with transaction(ro, immediate=False):
                ro.execute("INSERT INTO meta (key, value) VALUES ('x', 'y')")
        assert not ro.in_transaction
    finally:
        ro.close()


def test_missing_data_dir_is_refused_without_creating_anything(
    data_dir: Path, monkeypatch, tmp_path: Path
):
    typo = tmp_path / "mistyped" / "dir"
    monkeypatch.setenv("ATOCORE_DATA_DIR", str(typo))
    with pytest.raises(NoData) as caught:
        open_db(create=False)
    assert caught.value.exit_code == 2 and caught.value.http_status == 404
    assert str(caught.value) == f"no atocore data in {typo} — run `atocore init`"
    assert not (tmp_path / "mistyped").exists()
    typo.mkdir(parents=True)  # an empty folder is no data either
    with pytest.raises(NoData):
        open_db(create=False)
    assert list(typo.iterdir()) == []
    open_db().close()  # create=True (init, writes) still makes it
    open_db(create=False).close()


# --- failure injection: a failing last write undoes the first ones -------------------


def _fail_on_insert(conn, table: str) -> None:
    conn.execute(
        f"CREATE TEMP TRIGGER inject_{table} BEFORE INSERT ON {table} "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    )


def test_create_memory_is_all_or_nothing(conn, p05):
    _fail_on_insert(conn, "review_log")  # the last of its three writes
    with pytest.raises(Exception, match="injected failure"):
        create_memory(conn, "knowledge", "The interferometer sits on an air table.", project="p05")
    assert count(conn, "memories") == 0
    assert count(conn, "memory_tokens") == 0


def test_promote_entity_is_all_or_nothing(conn, p05):
    entity = create_entity(conn, "p05", "Decision", "Use Invar", {"statement": "Invar mount"})
    _fail_on_insert(conn, "review_log")  # after the status change
    with pytest.raises(Exception, match="injected failure"):
        promote_entity(conn, entity.id)
    assert get_entity(conn, entity.id).status == "candidate"


# --- the real thing, where this process may mount a filesystem ----------------------


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
    )
    return done.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path):
    where = tmp_path / "disk"
    if not _mount_tmpfs(where, "3m"):
        pytest.skip("needs root and mount to make a small filesystem")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def _atocore(data: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "ATOCORE_DATA_DIR": str(data)}
    env["PYTHONPATH"] = str(Path(__file__).parents[1])
    return subprocess.run(
        [sys.executable, "-m", "atocore", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=data.parent,
    )


def test_cli_on_a_full_disk_and_a_read_only_one(small_disk: Path):
    data = small_disk / "data"
    assert _atocore(data, "init").returncode == 0
    assert _atocore(data, "memory", "add", "The laser is red.").returncode == 0
    free = os.statvfs(small_disk)
    (small_disk / "filler").write_bytes(b"\0" * (free.f_bavail * free.f_frsize - 96 * 1024))
    result = None
    for i in range(20):
        result = _atocore(data, "memory", "add", f"{i} {TEXT[:3900]}")
        if result.returncode:
            break
    assert result is not None and result.returncode == 1, result.stderr
    assert result.stderr.startswith("error: disk full: nothing was written"), result.stderr
    assert "Traceback" not in result.stderr
    result = _atocore(data, "backup", "create")
    assert result.returncode == 1 and result.stderr.startswith("error: disk full:"), result.stderr
    assert not list((data / "backups" / "snapshots").glob("*"))  # no partial left behind
    full = os.statvfs(small_disk)
    (small_disk / "more").write_bytes(b"\0" * (full.f_bavail * full.f_frsize))
    result = _atocore(data, "memory", "add", "Not even the WAL fits now.")
    assert result.returncode == 1 and result.stderr.startswith("error: disk full:"), result.stderr
    (small_disk / "more").unlink()
    (small_disk / "filler").unlink()
    conn = connect(data / "atocore.db", readonly=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    for args in (["memory", "add", "Another one."], ["backup", "create"]):
        result = _atocore(data, *args)
        assert result.returncode == 1
        assert result.stderr.startswith("error: read-only:"), result.stderr
