"""Trusted project state through every door: CLI local, CLI --url (a real
server), HTTP (canonical /state and the reference's /project/state)."""

from __future__ import annotations

import httpx
import pytest
from doors import Local, refused_when_unreachable
from serverproc import live_server


def test_state_through_every_door(cli, p05, monkeypatch):
    local = Local(cli, monkeypatch)
    with live_server() as url:
        here = local("state", "set", "p05", "decision", "mount", "kinematic")
        remote = cli.json("--url", url, "state", "set", "interferometer", "status", "phase", "X")
        http = httpx.post(
            f"{url}/state",
            json={"project": "p05", "category": "fact", "key": "lab", "value": "2"},
        ).json()
        compat = httpx.post(
            f"{url}/project/state",
            json={"project": "p05", "category": "contact", "key": "pi", "value": "Ana"},
        ).json()
        assert {e["project"] for e in (here, remote, http, compat)} == {"p05-interferometer"}

        listed = local("state", "list", "p05")
        assert cli.json("--url", url, "state", "list", "p05") == listed
        assert httpx.get(f"{url}/state/p05").json() == listed
        assert httpx.get(f"{url}/project/state/interferometer").json() == listed
        assert {e["key"] for e in listed} == {"mount", "phase", "lab", "pi"}

        cli.json("--url", url, "state", "invalidate", "p05", "status", "phase")
        httpx.post(
            f"{url}/state/invalidate", json={"project": "p05", "category": "fact", "key": "lab"}
        )
        httpx.request(
            "DELETE",
            f"{url}/project/state",
            json={"project": "p05", "category": "contact", "key": "pi"},
        )
        active = cli.json("--url", url, "state", "list", "p05")
        assert [e["key"] for e in active] == ["mount"]
        history = httpx.get(f"{url}/state/p05", params={"all": "true"}).json()
        assert history == local("state", "list", "p05", "--all")
        assert len(history) == 4

        bad = cli("--url", url, "state", "set", "p05", "rumour", "k", "v")
        assert bad.exit_code == 2 and "invalid category" in bad.output


@pytest.mark.parametrize(
    "args",
    [
        ["state", "set", "p05", "status", "phase", "X"],
        ["state", "invalidate", "p05", "status", "phase"],
        ["state", "list", "p05"],
    ],
)
def test_unreachable_server_is_an_error_and_writes_nothing(cli, p05, data_dir, args):
    refused_when_unreachable(cli, data_dir, args)
