"""The project registry through every door: CLI local, CLI --url (a real
server), HTTP. Same JSON; writes go to the server's registry; a dead server
is an error, never a local write."""

from __future__ import annotations

import json

import httpx
import pytest
from doors import Local, refused_when_unreachable
from serverproc import live_server


def test_projects_through_every_door(cli, p05, data_dir, monkeypatch, tmp_path):
    local = Local(cli, monkeypatch)
    # roots name sources configured on the server's machine (the security model)
    assert local.run("projects", "source", "vault", tmp_path).exit_code == 0
    with live_server() as url:
        for args in (["projects", "list"], ["projects", "show", "interferometer"]):
            expected = local(*args)
            assert cli.json("--url", url, *args) == expected
        assert httpx.get(f"{url}/projects").json() == local("projects", "list")
        shown = httpx.get(f"{url}/projects/p05").json()
        assert shown == local("projects", "show", "p05")
        assert shown["resolved_roots"] == []

        template = local("projects", "template")
        assert template["projects"][0]["id"]
        assert json.loads(local.run("projects", "template").stdout) == template
        assert cli.json("--url", url, "projects", "template") == template
        assert httpx.get(f"{url}/projects/template").json() == template

        proposal = ["projects", "propose", "p06-polisher", "-a", "p06", "-r", "vault:p06"]
        assert cli.json("--url", url, *proposal) == local(*proposal)
        clash = cli("--url", url, "projects", "propose", "other", "-a", "p05")
        assert clash.exit_code == 2 and "p05" in clash.output

        registered = cli.json("--url", url, "projects", "register", "p06-polisher", "-a", "p06")
        assert registered["id"] == "p06-polisher"
        created = httpx.post(f"{url}/projects/register", json={"project_id": "p07", "aliases": []})
        assert created.status_code == 201
        updated = cli.json("--url", url, "projects", "update", "p06", "-d", "polishing cell")
        assert updated["description"] == "polishing cell"
        listed = local("projects", "list")  # the server wrote the shared registry
        assert [p["id"] for p in listed] == ["p05-interferometer", "p06-polisher", "p07"]

        detect = ["projects", "detect", "how is p06 doing?"]
        assert local(*detect) == {"project": "p06-polisher"}
        assert cli.json("--url", url, *detect) == {"project": "p06-polisher"}
        answer = httpx.post(f"{url}/projects/detect", json={"text": "how is p06 doing?"})
        assert answer.json() == {"project": "p06-polisher"}


def test_source_is_set_on_this_machine_only(cli, p05, data_dir, tmp_path, monkeypatch):
    local = Local(cli, monkeypatch)
    refused = cli("--url", "http://127.0.0.1:9", "projects", "source", "vault", tmp_path)
    assert refused.exit_code == 2
    assert "does not work with --url" in refused.output
    done = local("projects", "source", "vault", tmp_path)
    assert done == {"source": "vault", "path": str(tmp_path.resolve())}


@pytest.mark.parametrize(
    "args",
    [
        ["projects", "register", "p06-polisher"],
        ["projects", "update", "p05", "-d", "changed"],
        ["projects", "list"],
        ["projects", "template"],
    ],
)
def test_unreachable_server_is_an_error_and_writes_nothing(cli, p05, data_dir, args):
    refused_when_unreachable(cli, data_dir, args)
