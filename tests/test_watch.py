"""`atocore watch`: the index follows edits, additions and deletions in a vault."""

from __future__ import annotations

import os
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import pytest

from atocore.ingest.watch import WatchedRoot, is_ignored, owner, run


def wait_for(condition, *, poke=None, timeout: float = 60.0, every: float = 3.0) -> None:
    """Poll ``condition``; re-run ``poke`` every few seconds (inotify setup races)."""
    deadline = time.monotonic() + timeout
    last_poke = time.monotonic()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        if poke and time.monotonic() - last_poke > every:
            poke()
            last_poke = time.monotonic()
        time.sleep(0.1)


@pytest.mark.parametrize(
    "name,ignored",
    [
        ("/v/notes/a.md", False),
        ("/v/notes/a.txt", False),
        ("/v/notes/folder", False),
        ("/v/notes/.a.md.swp", True),
        ("/v/notes/a.md~", True),
        ("/v/notes/.#a.md", True),
        ("/v/notes/4913", True),
        ("/v/notes/a.tmp", True),
        ("/v/.obsidian/workspace.json", True),
        ("/v/.git/index", True),
        ("/v/notes/image.png", True),
        ("/v/node_modules/x.md", True),
    ],
)
def test_is_ignored(name, ignored):
    assert is_ignored(name) is ignored


def test_data_dir_is_ignored(tmp_path):
    data = tmp_path / "data"
    assert is_ignored(data / "mirror" / "p05" / "overview.md", data)
    assert not is_ignored(tmp_path / "vault" / "a.md", data)


def test_owner_picks_deepest_root(tmp_path):
    outer, inner = WatchedRoot(tmp_path, "outer"), WatchedRoot(tmp_path / "sub", "inner")
    assert owner(tmp_path / "sub" / "a.md", [outer, inner]) is inner
    assert owner(tmp_path / "b.md", [outer, inner]) is outer
    assert owner(Path("/elsewhere/a.md"), [outer, inner]) is None


@pytest.fixture
def vault(registered_project):
    return registered_project()


def _docs(conn) -> dict[str, str]:
    rows = conn.execute(
        "SELECT d.path, group_concat(c.text, ' ') AS text FROM source_documents d "
        "LEFT JOIN source_chunks c ON c.document_id = d.id GROUP BY d.path"
    ).fetchall()
    return {Path(r["path"]).name: r["text"] or "" for r in rows}


@pytest.mark.usefixtures("embedder")  # ingests and embeds: slow
def test_watch_follows_edits_adds_deletes_and_survives_vanished_root(conn, vault, data_dir):
    watching = threading.Event()
    stop = threading.Event()
    batches = []
    errors = []

    def on_roots(watched, missing):
        if watched:
            watching.set()
        else:
            watching.clear()

    thread = threading.Thread(
        target=lambda: _run_safely(errors, stop, batches.append, on_roots), daemon=True
    )
    thread.start()
    try:
        assert watching.wait(30)
        note = vault / "mount.md"

        def write_note(text: str):
            return lambda: note.write_text(f"# Mount\n\n{text}\n", encoding="utf-8")

        write_note("The reference mirror uses a kinematic mount.")()
        wait_for(lambda: "kinematic" in _docs(conn).get("mount.md", ""), poke=None)

        write_note("The reference mirror now uses a flexure mount.")()
        wait_for(lambda: "flexure" in _docs(conn).get("mount.md", ""))
        assert "kinematic" not in _docs(conn)["mount.md"]

        (vault / "sub").mkdir()
        (vault / "sub" / "optics.md").write_text("# Optics\n\nFold mirror at 45 degrees.\n")
        (vault / ".draft.md.swp").write_text("swap junk")
        (vault / "notes.md~").write_text("# backup junk")
        wait_for(lambda: "optics.md" in _docs(conn))

        note.unlink()
        wait_for(lambda: "mount.md" not in _docs(conn))
        assert set(_docs(conn)) == {"optics.md"}

        shutil.rmtree(vault)  # the root vanishes: the watcher keeps going
        wait_for(lambda: not watching.is_set(), timeout=30)
        wait_for(lambda: "optics.md" not in _docs(conn), timeout=30)
        vault.mkdir(parents=True)
        wait_for(watching.is_set, timeout=30)
        late = vault / "late.md"
        wait_for(
            lambda: "late.md" in _docs(conn),
            poke=lambda: late.write_text(f"# Late\n\nback again {time.time()}\n"),
        )
        assert thread.is_alive()
        assert not errors
        assert any(b.ingested for b in batches) and any(b.removed for b in batches)
        assert all(not b.errors for b in batches)
    finally:
        stop.set()
        thread.join(30)
    assert not thread.is_alive()


def _run_safely(errors, stop, on_batch, on_roots):
    try:
        run(stop_event=stop, on_batch=on_batch, on_roots=on_roots, debounce_ms=200, rescan_s=1.0)
    except BaseException as exc:  # noqa: BLE001 - surfaced by the test
        errors.append(exc)


def test_watch_cli_refuses_second_instance(cli, data_dir):
    from atocore.ops.locks import hold_process_lock

    os.makedirs(data_dir, exist_ok=True)
    with hold_process_lock("watch"):
        result = cli("watch")
    assert result.exit_code == 2
    assert "watch" in result.output


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_watch_cli_process_logs_batches(conn, vault, data_dir, stop_signal):
    """The real `atocore watch` process: holds its lock, logs each batch, stops on SIGTERM."""
    import subprocess
    import sys

    from atocore.ops.locks import running_processes

    env = {**os.environ, "ATOCORE_DATA_DIR": str(data_dir)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "atocore", "watch", "--debounce-ms", "100", "--rescan-s", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    try:
        wait_for(lambda: "watch" in {p.name for p in running_processes()}, timeout=60)
        note = vault / "cli.md"
        wait_for(
            lambda: "cli.md" in _docs(conn),
            poke=lambda: note.write_text(f"# CLI\n\nwritten at {time.time()}\n"),
        )
        # the batch line is logged just after the commit the database shows
        wait_for(lambda: any(re.search(r"[1-9]\d* ingested", line) for line in lines))
    finally:
        proc.send_signal(stop_signal)
        proc.wait(timeout=30)
        reader.join(timeout=10)
    output = "".join(lines)
    assert proc.returncode in (0, 130), output
    assert "watching" in output and str(vault) in output
    assert re.search(r"[1-9]\d* ingested", output), output
    assert "watch stopped" in output
    assert "watch" not in {p.name for p in running_processes()}


def test_changes_under_a_linked_folder_follow_the_real_file(conn, vault, data_dir, embedder):
    from watchfiles import Change

    from atocore.ingest.watch import apply_changes

    shared = vault.parent.parent / "shared"
    shared.mkdir()
    (vault / "link").symlink_to(shared)
    watched = [WatchedRoot(vault, "p05-interferometer")]
    note = shared / "bench.md"
    note.write_text("# Bench\n\nThe optical bench rests on four pneumatic legs.\n")
    # watchfiles reports the path through the link (checked by hand: inotify follows it)
    seen_as = str(vault / "link" / "bench.md")
    added = apply_changes(conn, [(Change.added, seen_as)], watched, data_dir=data_dir)
    assert added.ingested == [seen_as] and not added.errors
    stored = conn.execute("SELECT path, rel_path FROM source_documents").fetchall()
    assert [tuple(r) for r in stored] == [(str(note.resolve()), "p05/link/bench.md")]
    note.unlink()
    gone = apply_changes(conn, [(Change.deleted, seen_as)], watched, data_dir=data_dir)
    assert gone.removed == [seen_as]
    assert conn.execute("SELECT count(*) FROM source_documents").fetchone()[0] == 0


def test_an_edit_keeps_the_label_a_full_scan_gave(conn, vault, data_dir, embedder):
    from watchfiles import Change

    from atocore.ingest.pipeline import ingest_project
    from atocore.ingest.watch import apply_changes

    note = vault / "optics" / "flat.md"
    note.parent.mkdir()
    note.write_text("# Flat\n\nThe reference flat is Zerodur.\n")
    ingest_project(conn, "p05")
    label = "SELECT rel_path FROM source_documents"
    assert conn.execute(label).fetchone()[0] == "p05/optics/flat.md"
    note.write_text("# Flat\n\nThe reference flat is Zerodur, 150 mm.\n")
    watched = [WatchedRoot(vault, "p05-interferometer")]
    batch = apply_changes(conn, [(Change.modified, str(note))], watched, data_dir=data_dir)
    assert batch.ingested == [str(note)]
    assert conn.execute(label).fetchone()[0] == "p05/optics/flat.md"
