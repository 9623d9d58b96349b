"""A backup taken while another process writes is consistent and valid."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from atocore.config import get_settings
from atocore.db import connect
from atocore.ops.backup import DB_REL, create_backup, validate_backup

WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from atocore.db.connection import connect

    conn = connect(Path(sys.argv[1]))
    stop = Path(sys.argv[2])
    n = conn.execute("SELECT coalesce(max(n), -1) + 1 FROM load_a").fetchone()[0]
    print("ready", flush=True)
    while not stop.exists():
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO load_a (n, payload) VALUES (?, ?)", (n, "x" * 1500))
        conn.execute("INSERT INTO load_b (n) VALUES (?)", (n,))
        conn.execute("COMMIT")
        n += 1
        time.sleep(0.002)
    conn.close()
    print(n, flush=True)
    """
)


def _count(conn) -> int:
    return conn.execute("SELECT count(*) FROM load_a").fetchone()[0]


@pytest.fixture
def writer(conn, data_dir, tmp_path):
    conn.execute("CREATE TABLE load_a (n INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
    conn.execute("CREATE TABLE load_b (n INTEGER PRIMARY KEY)")
    conn.execute("BEGIN")
    for n in range(300):
        conn.execute("INSERT INTO load_a VALUES (?, ?)", (n, "y" * 1500))
        conn.execute("INSERT INTO load_b VALUES (?)", (n,))
    conn.execute("COMMIT")
    stop = tmp_path / "stop"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(get_settings().db_path), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "ATOCORE_DATA_DIR": str(data_dir)},
    )
    assert proc.stdout.readline().strip() == "ready"

    def wait_for_writes(minimum: int) -> int:
        deadline = time.monotonic() + 60
        while _count(conn) < minimum:
            assert proc.poll() is None, "writer died"
            assert time.monotonic() < deadline, "writer made no progress"
            time.sleep(0.01)
        return _count(conn)

    yield wait_for_writes
    stop.touch()
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert int(out.strip()) > 300


def _check_snapshot(stamp: str) -> int:
    snap = connect(get_settings().backups_dir / stamp / DB_REL, readonly=True)
    try:
        a = snap.execute("SELECT count(*), max(n) FROM load_a").fetchone()
        b = snap.execute("SELECT count(*), max(n) FROM load_b").fetchone()
    finally:
        snap.close()
    # Both inserts of every writer transaction, and a gap-free prefix of them.
    assert tuple(a) == tuple(b)
    assert a[0] == a[1] + 1
    return a[0]


def test_backup_during_writes_is_consistent(writer, conn):
    writer(310)
    result = create_backup()
    assert result["validated"] is True, result["validation_errors"]
    rows = _check_snapshot(result["stamp"])
    assert rows >= 310
    after = writer(rows + 5)  # the writer keeps going after the snapshot
    assert after > rows


def test_stepped_backup_restarted_by_writes_is_consistent(writer, conn):
    """Force writes between copy steps: SQLite restarts the copy; the result stays exact."""
    start = writer(305)
    seen = {"calls": 0}

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "database" and seen["calls"] < 3:
            seen["calls"] += 1
            writer(_count(conn) + 1)  # block this step until another commit lands

    result = create_backup(step_pages=8, progress=progress)
    assert seen["calls"] >= 2
    assert result["db"]["restarts"] >= 1
    assert result["validated"] is True, result["validation_errors"]
    rows = _check_snapshot(result["stamp"])
    assert rows > start
    assert validate_backup(result["stamp"])["valid"] is True
