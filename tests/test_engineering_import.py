"""KB-CAD / KB-FEM import and conflicts: refusals, idempotence, drift, dedup, resolution."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from factories import count

from atocore.engineering.conflicts import (
    check_conflicts_for_state,
    get_conflict,
    list_conflicts,
    resolve_conflict,
)
from atocore.engineering.create import create_entity
from atocore.engineering.entities import find_entity, get_entity, list_entities
from atocore.engineering.imports import import_export, import_file
from atocore.engineering.queries import run_query
from atocore.engineering.review import list_entity_candidates, promote_entity, reject_entity
from atocore.errors import ConflictError, InvalidInput, NotFound

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "kb"
CAD = EXAMPLES / "p05-kb-cad.json"
CAD_CHANGED = EXAMPLES / "p05-kb-cad-changed-material.json"
FEM = EXAMPLES / "p05-kb-fem.json"
MOUNT = "component.reference-flat-mount"


def cad() -> dict:
    return json.loads(CAD.read_text())


def promote_all(conn, project="p05") -> None:
    for entity in list_entity_candidates(conn, project):
        promote_entity(conn, entity.id, reason="reviewed")


@pytest.fixture
def imported(conn, p05):
    """The example project imported and fully reviewed (all active)."""
    import_file(conn, "kb-cad", CAD)
    import_file(conn, "kb-fem", FEM)
    promote_all(conn)
    return conn


def test_import_creates_candidates_with_provenance_and_never_promotes(conn, p05):
    summary = import_file(conn, "kb-cad", CAD)
    assert summary.project == "p05-interferometer"
    assert summary.created == count(conn, "entities") > 0
    assert summary.unchanged == summary.conflicted == summary.failed == 0
    assert count(conn, "entities", "status != 'candidate'") == 0
    mount = find_entity(conn, MOUNT, "p05")
    assert mount.attributes["material"] == "Invar 36"
    ref = mount.source_refs[0]
    assert ref["kind"] == "artifact"
    assert ref["exporter"] == "kb-cad" and ref["exporter_version"] == "1.2.0"
    assert ref["ref"] == "kb-cad://p05/subsystems/reference-flat-mount#flexure-ring"
    assert mount.last_imported_at
    assert mount.canonical_home == "kb-cad"
    types = {e.entity_type for e in list_entities(conn, "p05", status="candidate")}
    assert types == {"Subsystem", "Component", "Parameter", "Material", "Interface"}
    # references to requirements not in AtoCore yet are reported, not invented
    assert any("requirement.thermal-tilt" in d for d in summary.dropped)


def test_identical_reimport_only_touches_last_imported_at(imported):
    conn = imported
    before = count(conn, "entities")
    edges = count(conn, "relationships")
    conn.execute("UPDATE entities SET last_imported_at = '2000-01-01 00:00:00'")
    summary = import_file(conn, "kb-cad", CAD)
    assert summary.created == summary.conflicted == 0
    assert summary.unchanged == summary.records.__len__() > 0
    assert count(conn, "entities") == before
    assert count(conn, "relationships") == edges
    assert (
        count(
            conn,
            "entities",
            "last_imported_at = '2000-01-01 00:00:00' AND "
            "extractor_version = 'kb-import/1' AND identity_key LIKE 'component.%'",
        )
        == 0
    )
    assert count(conn, "conflicts") == 0


def test_changed_material_creates_candidate_and_one_deduplicated_conflict(imported):
    conn = imported
    old = find_entity(conn, MOUNT, "p05")
    summary = import_file(conn, "kb-cad", CAD_CHANGED)
    assert summary.conflicted == 1 and summary.created == 0
    assert len(summary.conflicts) == 1
    conflict = get_conflict(conn, summary.conflicts[0])
    assert conflict.status == "open" and conflict.field == "material"
    assert conflict.slot_key == f"p05-interferometer|Component|{MOUNT}|material"
    values = {(m.role, m.value, m.status) for m in conflict.members}
    assert values == {
        ("existing", "Invar 36", "active"),
        ("incoming", "Super Invar 32-5", "candidate"),
    }
    assert get_entity(conn, old.id).attributes["material"] == "Invar 36"  # never overwritten
    # the same changed export again: nothing new
    again = import_file(conn, "kb-cad", CAD_CHANGED)
    assert again.conflicted == 0 and again.created == 0
    assert len(list_conflicts(conn, "p05")) == 1
    # a third value joins the open conflict of the slot instead of opening another
    third = cad()
    third["subsystems"][1]["components"][0]["material"] = "Titanium Ti-6Al-4V"
    import_export(conn, "kb-cad", third)
    open_ = list_conflicts(conn, "interferometer")
    assert len(open_) == 1
    assert {m.value for m in open_[0].members} == {
        "Invar 36",
        "Super Invar 32-5",
        "Titanium Ti-6Al-4V",
    }


def test_conflict_id_prefix_is_literal(imported):
    """A typed prefix matches ids that start with it; ``_`` and ``%`` are not wildcards
    (``______`` once matched the only conflict there was)."""
    conn = imported
    cid = import_file(conn, "kb-cad", CAD_CHANGED).conflicts[0]
    assert get_conflict(conn, cid[:8]).id == cid
    for wild in ("______", "%%%%%%", cid[:5] + "_"):
        with pytest.raises(NotFound):
            get_conflict(conn, wild)


def test_both_members_of_an_open_conflict_cannot_become_active(imported):
    conn = imported
    summary = import_file(conn, "kb-cad", CAD_CHANGED)
    candidate = summary.records[[r.key for r in summary.records].index(MOUNT)].entity_id
    with pytest.raises(ConflictError, match="open conflict"):
        promote_entity(conn, candidate)
    assert get_entity(conn, candidate).status == "candidate"


def test_resolve_supersede_others_promotes_winner_and_carries_links(imported):
    conn = imported
    old = find_entity(conn, MOUNT, "p05")
    cid = import_file(conn, "kb-cad", CAD_CHANGED).conflicts[0]
    resolved = resolve_conflict(conn, cid, "supersede_others", reason="KB-CAD is right")
    assert resolved.status == "resolved" and resolved.resolution == "supersede_others"
    new = find_entity(conn, MOUNT, "p05")
    assert new.id != old.id and new.status == "active"
    assert new.attributes["material"] == "Super Invar 32-5"
    assert get_entity(conn, old.id).status == "superseded"
    assert get_entity(conn, old.id).superseded_by == new.id
    contents = run_query(conn, "Q-001", project="p05", entity="subsystem.reference-flat-mount").rows
    assert MOUNT in [c["key"] for c in contents[0]["contains"]]
    q013 = run_query(conn, "Q-013", project="p05").rows
    assert any(r["entity"]["id"] == new.id and old.id in r["supersedes"] for r in q013)
    with pytest.raises(ConflictError):
        resolve_conflict(conn, cid, "dismiss")


def test_resolve_with_existing_winner_rejects_the_incoming_candidate(imported):
    conn = imported
    old = find_entity(conn, MOUNT, "p05")
    cid = import_file(conn, "kb-cad", CAD_CHANGED).conflicts[0]
    resolve_conflict(conn, cid, "supersede_others", winner=old.id[:10])
    assert get_entity(conn, old.id).status == "active"
    incoming = [m for m in get_conflict(conn, cid).members if m.role == "incoming"][0]
    assert incoming.status == "invalid"
    with pytest.raises(InvalidInput):
        resolve_conflict(conn, cid, "explode")


def test_resolve_no_action_and_dismiss_leave_members_alone(imported):
    conn = imported
    cid = import_file(conn, "kb-cad", CAD_CHANGED).conflicts[0]
    members = {m.id: m.status for m in get_conflict(conn, cid).members}
    done = resolve_conflict(conn, cid, "no_action", reason="ask the CAD owner")
    assert done.status == "resolved" and done.resolution == "no_action"
    assert {m.id: m.status for m in get_conflict(conn, cid).members} == members
    # a second disagreement on another component, dismissed: never flagged again
    changed = cad()
    changed["subsystems"][2]["components"][1]["material"] = "Fused silica"
    cid2 = import_export(conn, "kb-cad", changed).conflicts
    cid2 = [c for c in cid2 if c != cid][0]
    dismissed = resolve_conflict(conn, cid2, "dismiss", reason="different revisions")
    assert dismissed.status == "dismissed"
    cand = [m for m in dismissed.members if m.status == "candidate"][0]
    promote_entity(conn, cand.id)  # allowed now; the same pair is not re-flagged
    assert list_conflicts(conn, "p05") == []
    with pytest.raises(InvalidInput):
        resolve_conflict(conn, "0000000000", "dismiss")


def test_rejecting_the_candidate_closes_its_conflict(imported):
    conn = imported
    summary = import_file(conn, "kb-cad", CAD_CHANGED)
    reject_entity(conn, summary.records[[r.key for r in summary.records].index(MOUNT)].entity_id)
    closed = get_conflict(conn, summary.conflicts[0])
    assert closed.status == "resolved" and closed.resolution == "obsolete"


def test_active_write_that_disagrees_is_flagged_not_blocked(conn, p05):
    create_entity(conn, "p05", "Material", "Zerodur", {"grade": "Class 0"}, status="active")
    second = create_entity(
        conn, "p05", "Material", "Zerodur", {"grade": "Class 2"}, status="active"
    )
    assert second.status == "active"  # the write landed
    [conflict] = list_conflicts(conn, "p05")
    assert conflict.field == "grade" and conflict.detected_by == "create"


def test_project_state_set_flags_disagreeing_entity(imported):
    from atocore.context.project_state import get_state, set_state

    conn = imported
    entry = set_state(conn, "p05", "decision", f"{MOUNT}.material", "Titanium")
    assert get_state(conn, "p05")[0].value == "Titanium"  # curated write succeeded
    [conflict] = list_conflicts(conn, "p05")
    assert conflict.detected_by == "project_state"
    assert {m.kind for m in conflict.members} == {"project_state", "entity"}
    assert check_conflicts_for_state(conn, entry) == [conflict.id]  # dedup
    # agreeing state closes nothing new; the old state value is superseded → conflict obsolete
    set_state(conn, "p05", "decision", f"{MOUNT}.material", "Invar 36")
    assert list_conflicts(conn, "p05") == []
    set_state(conn, "p05", "decision", "reference flat flexure mount/material", "Ti")
    [again] = list_conflicts(conn, "p05")
    with pytest.raises(ConflictError, match="curated project state"):
        resolve_conflict(
            conn, again.id, "supersede_others", winner=find_entity(conn, MOUNT, "p05").id
        )
    resolve_conflict(conn, again.id, "supersede_others")  # curated state wins by default
    assert get_entity(conn, [m.id for m in again.members if m.kind == "entity"][0]).status == (
        "superseded"
    )


def _assert_refused(conn, data, *needles):
    with pytest.raises(InvalidInput) as info:
        import_export(conn, "kb-cad", data)
    for needle in needles:
        assert needle in info.value.message, info.value.message
    assert count(conn, "entities") == 0
    assert count(conn, "relationships") == 0


def test_invalid_exports_are_refused_whole_naming_record_and_field(conn, p05):
    data = cad()
    del data["subsystems"][1]["components"][0]["source_artifact"]
    _assert_refused(conn, data, "subsystems[1].components[0]", MOUNT, "'source_artifact'")
    data = cad()
    data["subsystems"][1]["components"][1]["parameters"]["diameter_mm"] = [50.8]
    _assert_refused(
        conn,
        data,
        "subsystems[1].components[1]",
        "component.reference-flat",
        "parameters.diameter_mm",
    )
    data = cad()
    data["materials"][0]["colour"] = "amber"
    _assert_refused(conn, data, "materials[0]", "material.zerodur", "'colour'")
    data = cad()
    data["interfaces"][0]["id"] = "material.zerodur"
    _assert_refused(conn, data, "interfaces[0]", "repeats the id", "materials[0]")
    data = cad()
    data["materials"][1]["id"] = "material invar"
    _assert_refused(conn, data, "materials[1]", "'id'")
    data = cad()
    data["exporter"] = "kb-fem"
    _assert_refused(conn, data, "'exporter'")
    data = cad()
    data["subsystems"][0]["components"][0]["satisfies"] = ["material.zerodur"]
    _assert_refused(conn, data, "satisfies cannot end at a Material")
    with pytest.raises(InvalidInput, match="must be a JSON object"):
        import_export(conn, "kb-cad", [1, 2])


def test_unreadable_files_and_wrong_project_are_refused(conn, p05, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InvalidInput, match="line 1"):
        import_file(conn, "kb-cad", bad)
    with pytest.raises(InvalidInput, match="not found"):
        import_file(conn, "kb-cad", tmp_path / "missing.json")
    with pytest.raises(InvalidInput, match="not 'p06'"):
        import_file(conn, "kb-cad", CAD, project="p06")
    with pytest.raises(InvalidInput, match="unknown export kind"):
        import_file(conn, "kb-bom", CAD)
    assert count(conn, "entities") == 0
    assert import_file(conn, "kb-cad", CAD, project="interferometer").created > 0


@pytest.mark.parametrize("kind", ["kb-cad", "kb-fem"])
def test_deeply_nested_json_is_not_valid_json(conn, p05, tmp_path, cli, kind):
    deep = tmp_path / "deep.json"
    deep.write_text('{"project": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(InvalidInput, match="is not valid JSON: nested too deeply"):
        import_file(conn, kind, deep)
    result = cli("import", kind, str(deep))
    assert result.exit_code == 2, result.output
    assert "not valid JSON: nested too deeply" in result.output
    assert "Traceback" not in result.output and "RecursionError" not in result.output
    assert count(conn, "entities") == 0


def test_alias_in_the_export_lands_on_the_canonical_project(conn, p05):
    data = cad()
    data["project"] = "p05"
    assert import_export(conn, "kb-cad", data).project == "p05-interferometer"
    assert list_entities(conn, "p05-interferometer", status="candidate")


def test_dry_run_reports_but_writes_nothing(conn, p05):
    summary = import_file(conn, "kb-cad", CAD, dry_run=True)
    assert summary.dry_run and summary.created > 0
    assert count(conn, "entities") == 0 and count(conn, "relationships") == 0


def test_published_json_schema_describes_the_exports():
    from atocore.engineering.kb_schemas import json_schema

    cad_schema = json_schema("kb-cad")
    assert cad_schema["$schema"].startswith("https://json-schema.org/")
    assert {"exporter", "project", "subsystems"} <= set(cad_schema["properties"])
    assert "analysis_models" in json_schema("kb-fem")["properties"]
    with pytest.raises(InvalidInput):
        json_schema("kb-xyz")


def test_fem_import_links_models_results_and_claims(imported):
    rows = run_query(imported, "Q-012", project="p05", entity="subsystem.reference-flat-mount").rows
    modal = [r for r in rows if r["model"]["key"] == "model.flat-mount-gravity"][0]
    assert modal["results"][0]["value"] == 1.9
    assert modal["results"][0]["supports"][0]["key"] == "claim.mount-figure-error"


def test_copy_of_example_is_stable():
    # the conflict demo relies on the variant differing only in the mount material
    a, b = cad(), json.loads(CAD_CHANGED.read_text())
    a2 = copy.deepcopy(a)
    a2["subsystems"][1]["components"][0]["material"] = "Super Invar 32-5"
    a2["exported_at"], a2["exporter_version"] = b["exported_at"], b["exporter_version"]
    assert a2 == b
