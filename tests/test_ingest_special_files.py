"""Named pipes, sockets and devices under a vault are skipped, never read.

Reading a FIFO blocks until a writer appears, so each scenario runs in a
child process with a timeout: a regression fails the test instead of
hanging the suite.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from atocore.ingest.parse import SkipFile, read_source

SCRIPT = r"""
import json, sys
from pathlib import Path
from watchfiles import Change
from atocore.db import open_db
from atocore.ingest.pipeline import ingest_paths, ingest_project
from atocore.ingest.watch import WatchedRoot, apply_changes

vault = Path(sys.argv[1])
conn = open_db()
scan = ingest_paths(conn, [vault], project="p05")
single = ingest_paths(conn, [vault / "p05" / "pipe.md"], project="p05")
pipe = (Change.added, str(vault / "p05" / "pipe.md"))
batch = apply_changes(conn, [pipe], [WatchedRoot(vault, "p05-interferometer")])
refresh = ingest_project(conn, "p05")
print(json.dumps({
    "scan": [[s.path, s.reason] for s in scan.skipped_files],
    "scan_added": scan.added,
    "single": [[s.path, s.reason] for s in single.skipped_files],
    "watch": batch.skipped,
    "refresh": [[s.path, s.reason] for s in refresh.skipped_files],
}))
"""


@pytest.fixture
def vault(tmp_path: Path, registry) -> Path:
    root = tmp_path / "vault"
    (root / "p05").mkdir(parents=True)
    (root / "p05" / "note.md").write_text("# Note\n\nThe laser is a HeNe at 633 nm.\n")
    os.mkfifo(root / "p05" / "pipe.md")
    registry(
        [
            {
                "id": "p05-interferometer",
                "aliases": ["p05"],
                "description": "",
                "ingest_roots": [{"source": "vault", "subpath": ""}],
            }
        ],
        {"vault": str(root)},
    )
    return root


def test_fifo_is_skipped_by_scan_single_file_watch_and_refresh(vault: Path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(vault)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,  # a blocking read never returns: this fails instead of hanging
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    pipe = str(vault / "p05" / "pipe.md")
    assert out["scan"] == [[pipe, "not_regular"]]
    assert out["scan_added"] == 1  # the real note next to it is ingested
    assert out["single"] == [[pipe, "not_regular"]]
    assert out["watch"] == [f"{pipe}: not a regular file (a named pipe)"]
    assert out["refresh"] == [[pipe, "not_regular"]]


def test_read_source_names_what_it_refused(tmp_path: Path):
    fifo = tmp_path / "f.md"
    os.mkfifo(fifo)
    with pytest.raises(SkipFile) as caught:
        read_source(fifo)  # O_NONBLOCK: returns at once even with no writer
    assert (caught.value.reason, caught.value.detail) == (
        "not_regular",
        "not a regular file (a named pipe)",
    )
    sock_path = tmp_path / "s.md"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(sock_path))
        with pytest.raises(SkipFile) as caught:
            read_source(sock_path)
        assert caught.value.reason in {"not_regular", "unreadable"}
    finally:
        sock.close()
    with pytest.raises(SkipFile) as caught:
        read_source(Path("/dev/null"))
    assert caught.value.detail == "not a regular file (a device)"
