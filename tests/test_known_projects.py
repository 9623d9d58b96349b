"""Project names: one grammar, writes only to known projects, unknown reads say so."""

from __future__ import annotations

import json

import pytest

from atocore.errors import InvalidInput, NotFound
from atocore.projects.known import require_known_project
from atocore.projects.registry import register_project, update_project

BAD_NAMES = ["../../etc", "../..", "/etc", "a/b", "a..b", "-x", ".hidden", "", " ", "x" * 65]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_registration_refuses_bad_ids(name):
    with pytest.raises(InvalidInput):
        register_project(name)


@pytest.mark.parametrize("alias", ["../..", "/etc", "a\\b", "p05/x", "a..b", "two  spaces"])
def test_registration_and_update_refuse_bad_aliases(p05, alias):
    with pytest.raises(InvalidInput, match="alias"):
        register_project("p06-polisher", aliases=[alias])
    with pytest.raises(InvalidInput, match="alias"):
        update_project("p05", aliases=[alias])


def test_good_names_pass(registry):
    project = register_project("p06.polisher_v2-x", aliases=["P06", "polisher table"])
    assert project.aliases == ["P06", "polisher table"]


@pytest.mark.parametrize("name", ["../../etc", "/etc", "../../../tmp/x"])
def test_state_write_refuses_bad_names_cli_and_http(cli, conn, api, name):
    result = cli("state", "set", name, "decision", "k", "v")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    response = api.post(
        "/project/state",
        json={"project": name, "category": "decision", "key": "k", "value": "v"},
    )
    assert 400 <= response.status_code < 500
    assert conn.execute("SELECT count(*) FROM projects").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM project_state").fetchone()[0] == 0


def test_kb_import_refuses_a_bad_project_field(cli, tmp_path, conn):
    export = {
        "exporter": "kb-cad",
        "exporter_version": "1",
        "exported_at": "2026-01-01T00:00:00Z",
        "project": "../../../tmp/x",
        "components": [],
    }
    path = tmp_path / "cad.json"
    path.write_text(json.dumps(export))
    result = cli("import", "kb-cad", path)
    assert result.exit_code == 2, result.output
    assert conn.execute("SELECT count(*) FROM entities").fetchone()[0] == 0


def test_typo_write_is_refused_with_a_suggestion(cli, p05, conn):
    result = cli("state", "set", "p50", "decision", "k", "v")
    assert result.exit_code == 2
    assert "did you mean p05?" in result.output
    assert conn.execute("SELECT count(*) FROM project_state").fetchone()[0] == 0


def test_unknown_write_refused_across_services(conn, p05):
    from atocore.context.project_state import set_state
    from atocore.engineering.create import create_entity
    from atocore.interactions.service import record_interaction
    from atocore.memory.service import create_memory

    with pytest.raises(NotFound, match="register it first"):
        set_state(conn, "nope-typo", "decision", "k", "v")
    with pytest.raises(NotFound):
        create_memory(conn, "knowledge", "a fact", project="nope-typo")
    with pytest.raises(NotFound):
        create_entity(conn, "nope-typo", "component", "Mount")
    with pytest.raises(NotFound):
        record_interaction(conn, "a prompt", project="nope-typo")
    for table in ("projects", "memories", "entities", "interactions"):
        assert conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table


def test_unknown_read_is_not_found(cli, conn, p05):
    with pytest.raises(NotFound, match="not registered and no data"):
        require_known_project(conn, "nope", for_write=False)
    for args in (
        ("state", "list", "nope"),
        ("query", "mount", "-p", "nope"),
        ("context", "mount", "-p", "nope"),
        ("memory", "list", "-p", "nope"),
        ("entities", "list", "-p", "nope"),
    ):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "unknown project" in result.output, args


def test_http_unknown_project_is_404(p05, api):
    assert api.get("/project/state/nope").status_code == 404
    write = api.post(
        "/project/state",
        json={"project": "nope", "category": "decision", "key": "k", "value": "v"},
    )
    assert write.status_code == 404
    assert api.get("/project/state/p05").status_code == 200


def test_registered_and_legacy_names_pass(conn, p05):
    from atocore.memory.service import create_memory

    assert require_known_project(conn, "P05", for_write=True) == "p05-interferometer"
    assert require_known_project(conn, "", for_write=True) == ""
    # a legacy (unregistered) project present in the data stays readable and writable
    conn.execute(
        "INSERT INTO memories (id, memory_type, content, project, status) "
        "VALUES ('m1', 'knowledge', 'old', 'Legacy-Proj', 'active')"
    )
    assert require_known_project(conn, "Legacy-Proj", for_write=False) == "Legacy-Proj"
    memory = create_memory(conn, "knowledge", "new fact", project="Legacy-Proj")
    assert memory.project == "Legacy-Proj"


def test_registering_is_the_explicit_create(cli, conn):
    assert cli("state", "set", "p11-new", "decision", "k", "v").exit_code == 2
    assert cli("projects", "register", "p11-new").exit_code == 0
    assert cli("state", "set", "p11-new", "decision", "k", "v").exit_code == 0


def test_ingest_into_an_unknown_project_is_refused(cli, conn, tmp_path, p05):
    note = tmp_path / "loose.md"
    note.write_text("# Loose\n\nA loose note.\n")
    result = cli("ingest", note, "--project", "p5")
    assert result.exit_code == 2
    assert "did you mean p05?" in result.output
    assert conn.execute("SELECT count(*) FROM source_documents").fetchone()[0] == 0
