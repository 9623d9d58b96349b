"""The engineering CLI: the example round trip, JSON shapes, exit codes, help texts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "kb"
MOUNT = "component.reference-flat-mount"


def test_example_round_trip_through_the_cli(cli, p05):
    """import → review → active → queries → changed material → conflict → resolve."""
    req = cli.json(
        "entities",
        "add",
        "Requirement",
        "Thermal drift",
        "--project",
        "p05",
        "--attr",
        "statement=Flat tilts < 0.2 urad per degC",
        "--attr",
        "unit=urad/degC",
        "--key",
        "requirement.thermal-tilt",
        "--active",
        "--source",
        "vault:projects/p05/requirements.md",
    )
    assert req["status"] == "active" and req["project"] == "p05-interferometer"
    orphan = cli.json(
        "entities",
        "add",
        "Requirement",
        "Vacuum compatible",
        "-p",
        "interferometer",
        "-a",
        "statement=Works at 1e-6 mbar",
        "--active",
    )
    summary = cli.json("import", "kb-cad", str(EXAMPLES / "p05-kb-cad.json"), "--project", "p05")
    assert summary["created"] > 0 and summary["conflicted"] == 0
    assert cli.json("eng", "query", "Q-006", "--project", "p05")["count"] == 2  # not yet active
    cli.json("import", "kb-fem", str(EXAMPLES / "p05-kb-fem.json"))
    queue = cli.json("entities", "list", "--project", "p05", "--status", "candidate")
    assert queue and all(e["status"] == "candidate" for e in queue)
    for entity in queue:
        cli.json("entities", "promote", entity["id"], "--reason", "matches the drawing")
    q006 = cli.json("eng", "query", "Q-006", "--project", "p05")
    assert [r["requirement"]["id"] for r in q006["rows"]] == [orphan["id"]]
    q011 = cli.json("eng", "query", "Q-011", "-p", "p05")
    assert [r["claim"]["key"] for r in q011["rows"]] == ["claim.bond-line-shrinkage"]
    q001 = cli.json(
        "eng", "query", "Q-001", "-p", "p05", "--entity", "subsystem.reference-flat-mount"
    )
    assert MOUNT in [c["key"] for c in q001["rows"][0]["contains"]]

    changed = cli.json("import", "kb-cad", str(EXAMPLES / "p05-kb-cad-changed-material.json"))
    assert changed["conflicted"] == 1
    [conflict] = cli.json("conflicts", "list", "--project", "p05")
    shown = cli.json("conflicts", "show", conflict["id"][:10])
    assert {m["value"] for m in shown["members"]} == {"Invar 36", "Super Invar 32-5"}
    incoming = [m["id"] for m in shown["members"] if m["role"] == "incoming"][0]
    refused = cli("entities", "promote", incoming)
    assert refused.exit_code == 2 and "open conflict" in refused.output
    done = cli.json(
        "conflicts",
        "resolve",
        conflict["id"],
        "--action",
        "supersede_others",
        "--reason",
        "KB-CAD revision C",
    )
    assert done["status"] == "resolved"
    shown = cli.json("entities", "show", MOUNT, "--project", "p05")
    assert shown["entity"]["attributes"]["material"] == "Super Invar 32-5"
    assert any(r["rel_type"] == "supersedes" for r in shown["relationships"])
    links = {(x["direction"], x["rel_type"], x["other"]["key"]) for x in shown["links"]}
    assert ("in", "contains", "subsystem.reference-flat-mount") in links
    assert ("out", "satisfies", "requirement.thermal-tilt") in links
    people = cli("entities", "show", MOUNT, "--project", "p05")
    assert people.exit_code == 0 and "Super Invar 32-5" in people.output
    assert cli.json("conflicts", "list", "-p", "p05") == []
    everything = cli.json("entities", "list", "-p", "p05")
    q017 = cli.json("eng", "query", "Q-017", "-p", "p05")
    assert q017["count"] == len(everything)


def test_read_commands_emit_parseable_json(cli, conn, p05):
    assert cli.json("entities", "list") == []
    assert cli.json("conflicts", "list", "--status", "all") == []
    types = cli.json("entities", "types")
    assert len(types["entity_types"]) == 12
    assert {r["family"] for r in types["relationships"].values()} == {
        "structural",
        "intent",
        "validation",
        "provenance",
    }
    catalog = cli.json("eng", "list")
    assert catalog[0]["id"] == "Q-001" and len(catalog) == 19
    empty = cli.json("eng", "query", "Q-005", "--project", "p05")
    assert empty == {
        "query": "Q-005",
        "title": "Requirement coverage",
        "project": "p05-interferometer",
        "args": {},
        "count": 0,
        "rows": [],
    }
    schema = cli("import", "schema", "kb-fem")
    assert schema.exit_code == 0
    assert json.loads(schema.stdout)["properties"]["exporter"]["const"] == "kb-fem"


def test_people_output_renders(cli, p05):
    cli.json("entities", "add", "Component", "Mount", "-p", "p05", "-a", "material=Invar 36")
    listing = cli("entities", "list", "-p", "p05", "--status", "all")
    assert listing.exit_code == 0 and "Mount" in listing.output
    dry = cli("import", "kb-cad", str(EXAMPLES / "p05-kb-cad.json"), "--dry-run")
    assert dry.exit_code == 0 and "would import" in dry.output
    assert cli.json("entities", "list", "-p", "p05", "--status", "all").__len__() == 1
    q = cli("eng", "query", "Q-006", "-p", "p05")
    assert q.exit_code == 0 and "no results" in q.output
    assert cli("eng", "list").exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ["entities", "add", "Gizmo", "X", "-p", "p05"],
        ["entities", "add", "Component", "X"],
        ["entities", "add", "Parameter", "X", "-p", "p05", "-a", "unit=mm"],
        ["entities", "add", "Component", "X", "-p", "p05", "-a", "novalue"],
        ["entities", "promote", "doesnotexist"],
        ["entities", "relate", "a", "likes", "b", "-p", "p05"],
        ["entities", "edit", "doesnotexist"],
        ["import", "kb-cad", "/nonexistent/export.json"],
        ["import", "schema", "kb-bom"],
        ["conflicts", "resolve", "nope", "--action", "dismiss"],
        ["conflicts", "list", "--status", "weird"],
        ["eng", "query", "Q-099", "-p", "p05"],
        ["eng", "query", "Q-006"],
        ["eng", "query", "Q-016", "-p", "p05"],
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(cli, conn, p05, args):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "error:" in result.output and "Traceback" not in result.output
    assert cli.json("entities", "list", "--status", "all") == []


def test_invalid_export_file_error_names_record_and_field(cli, p05, tmp_path):
    data = json.loads((EXAMPLES / "p05-kb-fem.json").read_text())
    data["analysis_models"][1]["results"][0]["value"] = {"nm": 3.1}
    path = tmp_path / "bad-fem.json"
    path.write_text(json.dumps(data))
    result = cli("import", "kb-fem", str(path), "--json")
    assert result.exit_code == 2
    error = json.loads(result.stdout)["error"]
    assert error["record"] == "analysis_models[1].results[0]"
    assert error["record_id"] == "result.thermal-tilt"
    assert error["field"].startswith("value")
    assert cli.json("entities", "list", "--status", "all") == []


def test_memory_graduate_command(cli, p05):
    mem = cli.json(
        "memory",
        "add",
        "Use Invar flexures for the reference mount",
        "-t",
        "adaptation",
        "--project",
        "p05",
    )
    out = cli.json("memory", "graduate", mem["id"], "--reason", "now a decision")
    assert out["entity"]["entity_type"] == "Decision"
    assert out["memory"]["status"] == "graduated"
    assert out["memory"]["graduated_to"] == out["entity"]["id"]
    again = cli("memory", "graduate", mem["id"])
    assert again.exit_code == 2


def test_every_engineering_command_has_help(cli):
    for group, commands in {
        "entities": [
            "list",
            "show",
            "add",
            "edit",
            "promote",
            "reject",
            "supersede",
            "relate",
            "types",
        ],
        "import": ["kb-cad", "kb-fem", "schema"],
        "conflicts": ["list", "show", "resolve"],
        "eng": ["query", "list"],
        "memory": ["graduate"],
    }.items():
        for command in commands:
            result = cli(group, command, "--help")
            assert result.exit_code == 0, (group, command)
            assert "Usage" in result.output


def test_active_add_that_disagrees_lands_and_reports_the_conflict(cli, p05):
    first = cli.json(
        "entities", "add", "Material", "Zerodur", "-p", "p05", "-a", "grade=Class 1", "--active"
    )
    assert first["open_conflicts"] == []
    second = cli.json(
        "entities", "add", "Material", "Zerodur", "-p", "p05", "-a", "grade=Class 0", "--active"
    )
    assert second["status"] == "active" and len(second["open_conflicts"]) == 1
    people = cli(
        "entities", "add", "Material", "Zerodur", "-p", "p05", "-a", "grade=Class 2", "--active"
    )
    assert people.exit_code == 0 and "open conflict" in people.output
    [conflict] = cli.json("conflicts", "list", "-p", "interferometer")
    assert len(conflict["members"]) == 3
