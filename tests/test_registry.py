"""Project registry: validation, collisions, atomic writes, canonicalization."""

from __future__ import annotations

import json

import pytest

from atocore.errors import ConflictError, InvalidInput, NotFound
from atocore.projects.registry import (
    detect_project,
    load_registry,
    propose_project,
    register_project,
    registry_path,
    require_project,
    resolve_project_name,
    update_project,
)


def test_resolve_project_name_contract(p05):
    assert resolve_project_name("p05") == "p05-interferometer"
    assert resolve_project_name("P05") == "p05-interferometer"
    assert resolve_project_name("Interferometer") == "p05-interferometer"
    assert resolve_project_name("p05-interferometer") == "p05-interferometer"
    assert resolve_project_name("unregistered-thing") == "unregistered-thing"
    # unchanged means unchanged: not lower-cased, only stripped
    assert resolve_project_name("Side-Project_B") == "Side-Project_B"
    assert resolve_project_name("  Side-Project_B ") == "Side-Project_B"
    assert resolve_project_name("") == ""
    assert resolve_project_name(None) == ""
    assert resolve_project_name("   ") == ""


def test_register_rejects_alias_collisions(p05):
    with pytest.raises(ConflictError, match="p05"):
        register_project("p06-polisher", aliases=["P05"])
    with pytest.raises(ConflictError):
        register_project("p06-polisher", aliases=["p05-interferometer"])
    with pytest.raises(ConflictError, match="already registered"):
        register_project("p05-interferometer")
    # nothing was written by the refused registrations
    assert [p.id for p in load_registry().projects] == ["p05-interferometer"]


def test_invalid_ids_are_refused():
    with pytest.raises(InvalidInput, match="lowercase"):
        propose_project("Has Spaces")
    with pytest.raises(InvalidInput):
        propose_project("x", ingest_roots=[{"source": ""}])


def test_propose_writes_nothing(p05):
    before = registry_path().read_bytes()
    project = propose_project("p06-polisher", aliases=["p06"])
    assert project.id == "p06-polisher"
    assert registry_path().read_bytes() == before


def test_register_and_update_keep_the_id(p05):
    register_project("p06-polisher", aliases=["p06"], description="polisher")
    updated = update_project("p06", aliases=["polisher"], description="new")
    assert updated.id == "p06-polisher"
    assert resolve_project_name("polisher") == "p06-polisher"
    assert resolve_project_name("p06") == "p06"  # old alias released
    with pytest.raises(ConflictError):
        update_project("p06-polisher", aliases=["interferometer"])
    with pytest.raises(NotFound):
        update_project("nope", description="x")


def test_atomic_write_leaves_no_temp_files_and_valid_json(p05):
    register_project("p06-polisher")
    files = sorted(p.name for p in registry_path().parent.iterdir())
    assert files == ["project-registry.json"]
    data = json.loads(registry_path().read_text())
    assert [p["id"] for p in data["projects"]] == ["p05-interferometer", "p06-polisher"]


def test_malformed_registry_is_a_clear_error(registry):
    path = registry([])
    path.write_text("{not json")
    with pytest.raises(InvalidInput, match="not valid JSON"):
        load_registry()


def test_colliding_registry_file_is_refused(registry):
    registry([{"id": "a", "aliases": ["x"]}, {"id": "b", "aliases": ["X"]}])
    with pytest.raises(InvalidInput, match="'x'"):
        load_registry()


def test_require_project_names_known_projects(p05):
    with pytest.raises(NotFound, match="p05-interferometer"):
        require_project("p99")


def test_detect_project_from_text_and_cwd(registry, tmp_path):
    vault = tmp_path / "vault"
    (vault / "projects" / "p05").mkdir(parents=True)
    registry(
        [
            {
                "id": "p05-interferometer",
                "aliases": ["p05"],
                "ingest_roots": [{"source": "vault", "subpath": "projects/p05"}],
            },
            {"id": "p06-polisher", "aliases": ["p06", "polisher"]},
        ],
        sources={"vault": str(vault)},
    )
    assert detect_project("status of the polisher?").id == "p06-polisher"
    assert detect_project("what about P05, again.").id == "p05-interferometer"
    assert detect_project("nothing relevant") is None
    assert detect_project("", cwd=vault / "projects" / "p05").id == "p05-interferometer"
    assert detect_project("", cwd=tmp_path) is None


def test_named_source_can_be_overridden_by_env(registry, tmp_path, monkeypatch):
    from atocore.projects.registry import project_roots

    registry(
        [{"id": "p1", "ingest_roots": [{"source": "vault", "subpath": "a"}]}],
        sources={"vault": "/nowhere"},
    )
    monkeypatch.setenv("ATOCORE_SOURCE_VAULT", str(tmp_path))
    assert project_roots(require_project("p1")) == [(tmp_path / "a").resolve()]


def test_detect_with_an_unusable_cwd_is_bad_input(p05):
    """Found by fuzzing POST /projects/detect: a NUL byte in cwd was a 500."""
    from pathlib import Path

    from atocore.projects.registry import detect_project

    with pytest.raises(InvalidInput, match="working directory"):
        detect_project("p05", Path("/tmp/a\x00b"))
