"""Ingest and refresh through every door; a PATH stays local; an unreachable
server is an error that writes nothing locally."""

from __future__ import annotations

import functools

import httpx
import pytest
from doors import DEAD, Doors, stable
from serverproc import live_server

VOLATILE = {"duration_ms"}


_stable = functools.partial(stable, volatile=VOLATILE)


@pytest.fixture
def vault(registered_project):
    return registered_project({"mount.md": "# Mount\n\nThe mirror sits on a kinematic mount.\n"})


def test_ingest_and_refresh_through_every_door(cli, vault, conn):
    with live_server() as url:
        doors = Doors(cli, url)
        first = doors.remote_json("ingest")  # the server ingests its registered roots
        assert (first["added"], first["projects"]) == (1, ["p05-interferometer"])
        (vault / "bench.md").write_text("# Bench\n\nThe bench is in lab 2.\n")
        refreshed = doors.remote_json("projects", "refresh", "p05")
        assert (refreshed["added"], refreshed["unchanged"]) == (1, 1)
        again = _stable(doors.local_json("projects", "refresh", "p05"))
        assert _stable(doors.remote_json("projects", "refresh", "p05")) == again
        http = httpx.post(f"{url}/projects/p05/refresh", json={}, timeout=60).json()
        assert _stable(http) == again
        assert _stable(doors.remote_json("ingest", "--project", "p05")) == again
        everything = httpx.post(f"{url}/ingest/sources", timeout=60).json()
        assert _stable(everything) == _stable(doors.local_json("ingest"))
        assert httpx.post(f"{url}/projects/unknown/refresh").status_code == 404
        assert httpx.post(f"{url}/ingest/sources", json={"paths": ["/etc"]}).status_code == 422
        unknown = doors.remote("projects", "refresh", "unknown")
        assert unknown.exit_code == 2
        path = doors.remote("ingest", str(vault))
        assert path.exit_code == 2 and "a PATH is on this machine" in path.output
    count = conn.execute("SELECT count(*) FROM source_documents").fetchone()[0]
    assert count == 2


@pytest.mark.parametrize(
    "args",
    [
        ["ingest"],
        ["projects", "refresh", "p05"],
        ["audit-query", "kinematic mount"],
        ["backup", "create"],
        ["stats"],
    ],
)
def test_unreachable_server_is_an_error_and_writes_nothing(cli, vault, data_dir, args):
    result = Doors(cli).remote(*args, url=DEAD)
    assert result.exit_code == 1, result.output
    assert "cannot reach" in result.output
    assert sorted(p.name for p in data_dir.iterdir()) == ["config"]  # only the registry
