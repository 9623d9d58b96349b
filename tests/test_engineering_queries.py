"""The engineering query catalog: killer correctness cases, provenance, aliases, empties."""

from __future__ import annotations

from pathlib import Path

import pytest

from atocore.engineering.create import create_entity
from atocore.engineering.entities import list_entities
from atocore.engineering.imports import import_file
from atocore.engineering.queries import catalog, run_query
from atocore.engineering.relationships import relate
from atocore.engineering.review import list_entity_candidates, promote_entity
from atocore.errors import InvalidInput, NotFound

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "kb"


def keys(rows, field):
    return sorted(r[field]["name"] for r in rows)


def test_killer_queries_on_the_five_seed_cases(conn, p05, make_entity):
    """Q-006 / Q-009 / Q-011 against representative data (acceptance Q-6)."""
    mount = make_entity("Component", "Reference mirror mount", {"material": "Invar 36"})
    covered = make_entity("Requirement", "Thermal drift", {"statement": "OPD drift < 5 nm/K"})
    orphan = make_entity("Requirement", "Vacuum compatible", {"statement": "Survives 1e-6 mbar"})
    relate(conn, mount.id, "satisfies", covered.id)
    # a candidate satisfying the orphan must not count (only active entities do)
    pending = create_entity(conn, "p05", "Component", "Vacuum housing")
    relate(conn, pending.id, "satisfies", orphan.id)

    flagged = make_entity(
        "Assumption", "Lab at 20 C", {"statement": "Lab held at 20±0.5 C", "needs_review": True}
    )
    solid = make_entity("Assumption", "Floor quiet", {"statement": "Floor vibration < 1 um/s"})
    on_flagged = make_entity(
        "Decision", "No active thermal control", {"statement": "Rely on passive enclosure"}
    )
    on_solid = make_entity("Decision", "Passive isolation", {"statement": "Use passive legs"})
    relate(conn, on_flagged.id, "based_on_assumption", flagged.id)
    relate(conn, on_solid.id, "based_on_assumption", solid.id)

    model = make_entity("AnalysisModel", "Modal v3", {"method": "modal"})
    result = make_entity("Result", "First mode", {"value": 212.4, "unit": "Hz"})
    supported = make_entity(
        "ValidationClaim", "Mount first mode > 150 Hz", {"statement": "first mode above 150 Hz"}
    )
    unsupported = make_entity(
        "ValidationClaim", "Test mount stiff", {"statement": "tilt < 1 urad at 1 g"}
    )
    relate(conn, model.id, "produces", result.id)
    relate(conn, result.id, "supports", supported.id)

    q006 = run_query(conn, "Q-006", project="p05").rows
    assert [r["requirement"]["id"] for r in q006] == [orphan.id]
    q005 = {r["requirement"]["id"]: r for r in run_query(conn, "Q-005", project="p05").rows}
    assert q005[covered.id]["covered"] and [s["id"] for s in q005[covered.id]["satisfied_by"]] == [
        mount.id
    ]
    assert q005[orphan.id]["satisfied_by"] == []

    q009 = run_query(conn, "Q-009", project="p05").rows
    assert [r["decision"]["id"] for r in q009] == [on_flagged.id]
    assert [a["id"] for a in q009[0]["flagged_assumptions"]] == [flagged.id]

    q011 = run_query(conn, "Q-011", project="p05").rows
    assert [r["claim"]["id"] for r in q011] == [unsupported.id]
    q010 = {r["claim"]["id"]: r["supported"] for r in run_query(conn, "Q-010", project="p05").rows}
    assert q010 == {supported.id: True, unsupported.id: False}

    # promoting the candidate makes the orphan covered
    promote_entity(conn, pending.id)
    assert run_query(conn, "Q-006", project="p05").rows == []


def test_q017_returns_provenance_for_every_active_entity(conn, p05, make_entity):
    import_file(conn, "kb-cad", EXAMPLES / "p05-kb-cad.json")
    import_file(conn, "kb-fem", EXAMPLES / "p05-kb-fem.json")
    make_entity(
        "Requirement",
        "Thermal drift",
        {"statement": "Flat tilts < 0.2 urad per degC"},
        identity_key="requirement.thermal-tilt",
    )
    for e in list_entity_candidates(conn, "p05"):
        promote_entity(conn, e.id)
    everything = list_entities(conn, "p05")
    rows = run_query(conn, "Q-017", project="interferometer").rows
    assert sorted(r["entity"]["id"] for r in rows) == sorted(e.id for e in everything)
    assert all(r["evidence"] >= 1 and r["source_refs"] for r in rows)
    one = run_query(conn, "Q-017", project="p05", entity="component.reference-flat-mount")
    assert one.count == 1
    assert one.rows[0]["source_refs"][0]["ref"].startswith("kb-cad://")


def test_q017_walks_derived_from_chain(conn, p05, make_entity):
    source = make_entity("Result", "Raw drift", {"value": 3.1, "unit": "nm/K"})
    derived = make_entity("ValidationClaim", "Drift ok", {"statement": "drift under limit"})
    relate(conn, derived.id, "derived_from", source.id)
    [row] = run_query(conn, "Q-017", project="p05", entity=derived.id).rows
    assert [c["entity"]["id"] for c in row["chain"]] == [source.id]
    assert row["evidence"] == 2


def test_structure_queries_on_the_example(conn, p05):
    import_file(conn, "kb-cad", EXAMPLES / "p05-kb-cad.json")
    for e in list_entity_candidates(conn, "p05"):
        promote_entity(conn, e.id)
    tree = run_query(conn, "Q-004", project="p05").rows
    assert tree[0]["depth"] == 0 and tree[0]["entity"]["key"] == "subsystem.test-stand"
    assert {r["path"] for r in tree} >= {
        "subsystem.test-stand/subsystem.reference-flat-mount/component.reference-flat-mount"
    }
    [q001] = run_query(conn, "Q-001", project="p05", entity="Reference flat + mount").rows
    assert keys([{"c": c} for c in q001["contains"]], "c") == [
        "Reference flat",
        "Reference flat flexure mount",
    ]
    q002 = run_query(conn, "Q-002", project="p05", material="zerodur").rows
    assert [c["key"] for c in q002[0]["components"]] == ["component.reference-flat"]
    q003 = run_query(conn, "Q-003", project="p05", entity="component.reference-flat").rows
    assert [r["interface"]["key"] for r in q003] == ["interface.flat-to-mount"]
    q019 = run_query(conn, "Q-019", project="p05", entity="component.reference-flat-mount").rows
    assert {r["parameter"]["name"] for r in q019} == {
        "Reference flat flexure mount blade_length_mm",
        "Reference flat flexure mount blade_thickness_mm",
    }
    impact = run_query(conn, "Q-016", project="p05", entity="subsystem.reference-flat-mount").rows
    assert {(r["relation"], r["entity"]["key"]) for r in impact} >= {
        ("contains", "component.reference-flat-mount"),
        ("interfaces_with", "interface.mount-to-base"),
    }


def test_intent_queries_constraints_decisions_log_and_trace(conn, p05, make_entity):
    bench = make_entity("Subsystem", "Optical bench")
    mount = make_entity("Component", "Mount")
    relate(conn, bench.id, "contains", mount.id)
    limit = make_entity(
        "Constraint", "Bench mass", {"statement": "< 80 kg", "limit": 80, "unit": "kg"}
    )
    relate(conn, limit.id, "constrains", bench.id)
    old = make_entity("Decision", "Steel mount", {"statement": "steel", "decided_on": "2026-01-01"})
    new = create_entity(
        conn, "p05", "Decision", "Invar mount", {"statement": "Invar", "decided_on": "2026-03-01"}
    )
    relate(conn, new.id, "affects", mount.id)
    from atocore.engineering.review import supersede_entity

    supersede_entity(conn, old.id, by=new.id, reason="drift")
    [q007] = run_query(conn, "Q-007", project="p05", entity=mount.id).rows
    assert q007["constraint"]["id"] == limit.id and q007["via"] == ["Optical bench"]
    q008 = run_query(conn, "Q-008", project="p05", entity=mount.id).rows
    assert [r["decision"]["id"] for r in q008] == [new.id]
    [log] = run_query(conn, "Q-014", project="p05").rows
    assert log["supersedes"][0]["id"] == old.id
    req = make_entity("Requirement", "Drift", {"statement": "< 5 nm/K"})
    claim = make_entity("ValidationClaim", "Drift ok", {"statement": "3.1 nm/K"})
    relate(conn, claim.id, "supports", req.id)
    [trace] = run_query(conn, "Q-020", project="p05").rows
    assert trace["status"] == "claimed"
    res = make_entity("Result", "Drift result", {"value": 3.1, "unit": "nm/K"})
    relate(conn, res.id, "supports", claim.id)
    assert run_query(conn, "Q-020", project="p05").rows[0]["status"] == "verified"
    recent = run_query(conn, "Q-013", project="p05", days=14).rows
    assert {r["entity"]["id"] for r in recent} >= {new.id, res.id}
    assert old.id not in {r["entity"]["id"] for r in recent}


def test_every_query_is_empty_not_an_error_on_an_empty_project(conn, p05):
    for q in catalog():
        if q.required:
            continue
        result = run_query(conn, q.id, project="p05")
        assert result.rows == [] and result.count == 0, q.id


def test_alias_and_canonical_give_identical_results(conn, p05, make_entity):
    req = make_entity("Requirement", "Drift", {"statement": "x"})
    a = run_query(conn, "Q-006", project="p05").model_dump()
    b = run_query(conn, "q6", project="p05-interferometer").model_dump()
    assert a == b and a["project"] == "p05-interferometer"
    assert a["rows"][0]["requirement"]["id"] == req.id


def test_bad_query_input_is_refused(conn, p05):
    with pytest.raises(InvalidInput, match="no query Q-015"):
        run_query(conn, "Q-015", project="p05")
    with pytest.raises(InvalidInput, match="look like"):
        run_query(conn, "orphans", project="p05")
    with pytest.raises(InvalidInput, match="project is required"):
        run_query(conn, "Q-006", project="")
    with pytest.raises(InvalidInput, match="needs --entity"):
        run_query(conn, "Q-016", project="p05")
    with pytest.raises(InvalidInput, match="does not take"):
        run_query(conn, "Q-006", project="p05", entity="x")
    with pytest.raises(InvalidInput, match="whole number"):
        run_query(conn, "Q-013", project="p05", days="soon")
    create_entity(conn, "p05", "Subsystem", "Pending")
    with pytest.raises(NotFound, match="not an active entity"):
        run_query(conn, "Q-001", project="p05", entity="pending")
    with pytest.raises(NotFound):
        run_query(conn, "Q-001", project="p05", entity="nothing-here")


def test_catalog_lists_the_twenty_queries_but_q015():
    ids = [q.id for q in catalog()]
    assert ids == [f"Q-{n:03d}" for n in range(1, 21) if n != 15]
    assert all(q.title and q.description for q in catalog())
