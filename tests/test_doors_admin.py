"""Admin operations through every door (status, sources, stats, backups), and the
commands that must not run remotely refusing ``--url`` with exit 2 and a reason."""

from __future__ import annotations

import json

import httpx
import pytest
from doors import DEAD, Doors
from serverproc import live_server


@pytest.fixture
def vault(registered_project):
    return registered_project({"note.md": "# Note\n\nThe bench is in lab 2.\n"})


def test_reads_and_backups_through_every_door(cli, vault, data_dir, embedder):
    Doors(cli).local_json("ingest")
    with live_server() as url:
        doors = Doors(cli, url)
        for args, path in ((["sources"], "/sources"), (["stats"], "/stats")):
            local = doors.local_json(*args)
            assert doors.remote_json(*args) == local == httpx.get(url + path).json(), args
        assert local["documents"] == 1

        created = doors.remote_json("backup", "create")  # a snapshot of the server's data
        assert created["validated"] and created["kind"] == "manual"
        over_http = httpx.post(f"{url}/admin/backup", json={}, timeout=60)
        assert over_http.status_code == 201
        listed = doors.local_json("backup", "list")
        assert (
            doors.remote_json("backup", "list") == listed == httpx.get(f"{url}/admin/backup").json()
        )
        assert [s["stamp"] for s in listed["snapshots"]] == [
            created["stamp"],
            over_http.json()["stamp"],
        ]
        latest = doors.remote_json("backup", "validate", "latest")
        assert latest["stamp"] == over_http.json()["stamp"] and latest["valid"]
        assert httpx.get(f"{url}/admin/backup/latest/validate").json()["stamp"] == latest["stamp"]
        missing = doors.remote("--json", "backup", "validate", "20000101T000000Z")
        assert missing.exit_code == 2
        assert json.loads(missing.stdout) == json.loads(
            doors.local("--json", "backup", "validate", "20000101T000000Z").stdout
        )
        assert httpx.get(f"{url}/admin/backup/..%2F..%2Fetc/validate").status_code in (400, 404)


@pytest.mark.parametrize(
    "args",
    [
        ["init"],
        ["backup", "create", "--dest", "/tmp/elsewhere"],
        ["backup", "list", "--dest", "/tmp/elsewhere"],
        ["backup", "validate", "latest", "--dest", "/tmp/elsewhere"],
        ["backup", "restore", "20260101T000000Z", "--confirm-stopped"],
        ["backup", "cleanup", "--confirm"],
        ["migrate", "aliases", "--apply"],
        ["ingest", "some/path"],
        ["reindex"],
        ["serve"],
        ["watch"],
        ["claude", "install", "--project-dir", "proj"],
        ["bench", "cli", "--no-write"],
        ["bench", "vectors", "--no-write"],
        ["bench", "locomo", "conversations.json"],
    ],
)
def test_local_commands_refuse_url(cli, args, data_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = Doors(cli).remote(*args, url=DEAD)
    assert result.exit_code == 2, result.output
    assert "does not work with --url" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not data_dir.exists() and not (tmp_path / "proj").exists()
