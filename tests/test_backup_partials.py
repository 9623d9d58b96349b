"""Interrupted backups: their ``*.partial`` folders are reported and cleared.

A backup killed with SIGKILL (a real child process, stopped while it copies
page by page) leaves a ``*.partial`` folder. A live backup holds a lock on
its own folder, so only stale ones are removed — by the next backup or by
``backup cleanup --confirm`` — and list/validate report them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atocore.memory.service import create_memory
from atocore.ops.backup import cleanup_backups, create_backup, list_backups, validate_backup

SLOW_BACKUP = r"""
import sys, time
from atocore.ops.backup import create_backup
create_backup(step_pages=1, progress=lambda *a: time.sleep(0.2))
"""


def _partial_of(root: Path, deadline: float = 60.0) -> Path:
    start = time.monotonic()
    while time.monotonic() - start < deadline:
        found = list(root.glob("*.partial")) if root.is_dir() else []
        if found and (found[0] / "db").exists():
            return found[0]
        time.sleep(0.05)
    raise AssertionError("the backup never started")


def _age(path: Path, seconds: float = 3600) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.fixture
def slow_backup(conn, data_dir: Path):
    """A backup in a child process, still copying; yields (process, its partial folder)."""
    for i in range(40):
        create_memory(conn, "knowledge", f"Memory {i}: " + "fringe contrast " * 100)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.Popen([sys.executable, "-c", SLOW_BACKUP], env=env)
    try:
        yield proc, _partial_of(data_dir / "backups" / "snapshots")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


def test_a_killed_backup_leaves_a_stale_partial_that_is_reported_and_removed(slow_backup):
    proc, partial = slow_backup
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert partial.is_dir()
    _age(partial)  # interrupted a while ago

    listed = list_backups()
    assert [(p["name"], p["stale"]) for p in listed["partials"]] == [(partial.name, True)]
    assert listed["partials"][0]["bytes"] > 0
    assert partial.name not in listed["other"]

    first = create_backup()
    assert first["validation"]["valid"]
    assert first["removed_partials"] == [partial.name]
    assert not partial.exists()
    assert list_backups()["partials"] == []


def test_cleanup_removes_stale_partials_and_validate_names_them(slow_backup, data_dir: Path):
    proc, partial = slow_backup
    proc.kill()
    proc.wait(timeout=30)
    _age(partial)
    stamp = create_backup(lock=True)["stamp"]  # removes it; make another stale one by hand
    stale = partial.parent / "20200101T000000Z.partial"
    (stale / "db").mkdir(parents=True)
    (stale / "db" / "atocore.db").write_bytes(b"x" * 1000)
    _age(stale)
    assert validate_backup(stamp)["stale_partials"] == [stale.name]

    dry = cleanup_backups()
    assert dry["dry_run"] and dry["partials"] == [
        {"name": stale.name, "bytes": 1000, "stale": True}
    ]
    assert stale.exists()
    done = cleanup_backups(confirm=True)
    assert done["partials_deleted"] == [stale.name]
    assert not stale.exists()
    assert validate_backup(stamp)["stale_partials"] == []


def test_a_backup_in_progress_is_never_removed(slow_backup):
    proc, partial = slow_backup
    _age(partial)  # old enough, but its owner is alive and holds the lock
    assert [p["stale"] for p in list_backups()["partials"]] == [False]
    assert cleanup_backups(confirm=True)["partials_deleted"] == []
    assert create_backup()["removed_partials"] == []
    assert partial.exists() and proc.poll() is None


def test_the_cli_shows_interrupted_backups(cli, conn, data_dir: Path):
    """list names a stale partial, validate warns, cleanup says what it removes."""
    stamp = create_backup()["stamp"]
    stale = data_dir / "backups" / "snapshots" / "20200101T000000Z.partial"
    (stale / "db").mkdir(parents=True)
    (stale / "db" / "atocore.db").write_bytes(b"x" * 1000)
    _age(stale)
    listed = cli("backup", "list")
    assert "interrupted backup 20200101T000000Z.partial (1,000 bytes, stale" in listed.output
    assert "interrupted backup left behind: 20200101T000000Z.partial" in (
        cli("backup", "validate", stamp).output
    )
    assert "delete 20200101T000000Z.partial (interrupted)" in cli("backup", "cleanup").output
    assert "deleted 20200101T000000Z.partial (interrupted)" in (
        cli("backup", "cleanup", "--confirm").output
    )
    assert not stale.exists()
