"""Engineering operations through every door: CLI local, CLI ``--url`` against a
real server, and that server's HTTP routes give the same JSON."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from doors import DEAD, Doors
from serverproc import live_server

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "kb"


@pytest.fixture
def imported(cli, p05):
    summary = cli.json("import", "kb-cad", str(EXAMPLES / "p05-kb-cad.json"), "--project", "p05")
    assert summary["created"] > 0
    return summary


def _mount(cli) -> dict:
    rows = Doors(cli).local_json("entities", "list", "--project", "p05", "--status", "all")
    return next(e for e in rows if e["identity_key"] == "component.reference-flat-mount")


def test_reads_are_the_same_through_every_door(cli, imported):
    mount = _mount(cli)
    cli.json("entities", "promote", mount["id"])
    reads = [
        (["entities", "list", "--project", "p05", "--status", "all"], "GET", "/entities",
         {"project": "p05", "status": "all"}),
        (["entities", "show", mount["id"]], "GET", f"/entities/{mount['id']}", None),
        (["entities", "types"], "GET", "/entity-types", None),
        (["conflicts", "list", "--status", "all"], "GET", "/conflicts", {"status": "all"}),
        (["eng", "list"], "GET", "/eng/queries", None),
        (["eng", "query", "Q-004", "--project", "p05"], "POST", "/eng/queries/Q-004",
         {"project": "p05"}),
    ]  # fmt: skip
    with live_server() as url:
        doors = Doors(cli, url)
        for args, method, path, params in reads:
            local = doors.local_json(*args)
            remote = doors.remote_json(*args)
            if method == "GET":
                http = httpx.get(url + path, params=params, timeout=30).json()
            else:
                http = httpx.post(url + path, json=params, timeout=30).json()
            assert remote == local == http, args
        schema = doors.remote("import", "schema", "kb-cad")
        assert schema.exit_code == 0, schema.output
        local_schema = doors.local("import", "schema", "kb-cad").stdout
        assert json.loads(schema.stdout) == json.loads(local_schema)
        assert httpx.get(f"{url}/import/schema/kb-bom", timeout=30).status_code == 400
    shown = Doors(cli).local_json("entities", "show", mount["id"])
    assert set(shown) == {"entity", "relationships", "links"}  # one shape, CLI and HTTP
    assert shown["links"] and shown["links"][0]["other"]["name"]


def test_writes_through_the_server(cli, imported, conn, data_dir):
    with live_server() as url:
        doors = Doors(cli, url)
        remote = ["--url", url]
        added = cli.json(*remote, "entities", "add", "Component", "Fold mirror", "-p", "p05",
                         "-a", "material=Zerodur", "--source", "drawing 12")  # fmt: skip
        assert (added["status"], added["open_conflicts"]) == ("candidate", [])
        edited = cli.json(*remote, "entities", "edit", added["id"], "--name", "Fold mirror M2")
        assert edited["name"] == "Fold mirror M2"
        nothing = cli(*remote, "entities", "edit", added["id"])
        assert nothing.exit_code == 2 and "nothing to edit" in nothing.output
        promoted = cli.json(*remote, "entities", "promote", added["id"], "-r", "checked")
        assert promoted["status"] == "active" and "open_conflicts" in promoted
        mount = _mount(cli)
        cli.json(*remote, "entities", "promote", mount["id"])
        edge = cli.json(*remote, "entities", "relate", mount["id"], "interfaces_with",
                        added["id"])  # fmt: skip
        assert doors.local_json("entities", "show", added["id"])["links"][0]["id"] == edge["id"]
        retired = cli.json(*remote, "entities", "unrelate", edge["id"])
        assert retired["status"] != "active"
        gone = cli.json(*remote, "entities", "supersede", added["id"], "-r", "replaced")
        assert gone["status"] == "superseded"

        # a changed export, read from a local file and imported by the server
        changed = str(EXAMPLES / "p05-kb-cad-changed-material.json")
        dry = cli.json(*remote, "import", "kb-cad", changed, "--dry-run")
        assert dry["dry_run"] and dry["conflicted"] == 1
        assert doors.local_json("conflicts", "list") == []
        summary = cli.json(*remote, "import", "kb-cad", changed)
        assert summary["source"] == changed  # provenance names the file
        conflict_id = summary["conflicts"][0]
        shown = cli.json(*remote, "conflicts", "show", conflict_id[:12])
        assert shown == doors.local_json("conflicts", "show", conflict_id)
        ruled = cli.json(*remote, "conflicts", "resolve", conflict_id, "--action", "dismiss")
        assert ruled["status"] == "dismissed"

        # HTTP: the canonical import path takes {export, ...}; the old one the bare export
        export = json.loads((EXAMPLES / "p05-kb-fem.json").read_text())
        canonical = httpx.post(f"{url}/import/kb-fem", json={"export": export, "dry_run": True})
        compat = httpx.post(f"{url}/ingest/kb-fem", params={"dry_run": "true"}, json=export)
        assert canonical.status_code == compat.status_code == 200
        assert canonical.json()["created"] == compat.json()["created"] > 0
        assert canonical.json()["source"] == "http:kb-fem"
        bad = httpx.post(f"{url}/import/kb-fem", json={"export": export, "surprise": 1})
        assert bad.status_code == 422

        # memory graduate through the server and over HTTP
        from atocore.memory.service import create_memory

        first = create_memory(conn, "knowledge", "Mount bolts torque to 2 Nm", project="p05")
        second = create_memory(conn, "adaptation", "Use Invar spacers", project="p05")
        graduated = cli.json(*remote, "memory", "graduate", first.id)
        assert graduated["entity"]["entity_type"] == "Constraint"
        over_http = httpx.post(f"{url}/memory/{second.id}/graduate", json={"reason": "x"})
        assert over_http.status_code == 201
        assert over_http.json()["entity"]["status"] == "candidate"

    statuses = {r["id"]: r["status"] for r in conn.execute("SELECT id, status FROM entities")}
    assert statuses[added["id"]] == "superseded" and statuses[mount["id"]] == "active"


def test_bad_input_is_the_same_locally_and_remotely(cli, imported):
    cases = [
        ["entities", "list", "--status", "weird"],
        ["entities", "add", "Gizmo", "x", "-p", "p05"],
        ["conflicts", "list", "--status", "weird"],
        ["eng", "query", "Q-999", "--project", "p05"],
        ["import", "schema", "kb-bom"],
    ]
    with live_server() as url:
        doors = Doors(cli, url)
        for args in cases:
            local = doors.local("--json", *args)
            remote = doors.remote("--json", *args)
            assert local.exit_code == remote.exit_code == 2, args
            assert json.loads(remote.stdout) == json.loads(local.stdout), args
        missing = doors.remote("entities", "show", "nope")
        assert missing.exit_code == 2


def test_unreachable_server_writes_nothing(cli, imported, conn):
    mount = _mount(cli)
    result = Doors(cli).remote("entities", "promote", mount["id"], url=DEAD)
    assert result.exit_code == 1
    assert "cannot reach" in result.output
    row = conn.execute("SELECT status FROM entities WHERE id = ?", (mount["id"],)).fetchone()
    assert row["status"] == "candidate"
