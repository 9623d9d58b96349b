"""A small, fully deterministic engineering project for the Mirror tests.

Rows go straight into the engineering tables with fixed ids and timestamps
(the entity services stamp uuid4 ids and the wall clock, which a golden file
cannot contain). The shape matches migration m004.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

PROJECT = "p05-interferometer"
NOW = datetime(2026, 4, 7, 12, 0, 0, tzinfo=UTC)
OLD = "2026-02-01 09:00:00"  # outside the 14-day window
RECENT = "2026-04-02 10:30:00"  # inside it

FAMILY = {
    "contains": "structural",
    "part_of": "structural",
    "interfaces_with": "structural",
    "satisfies": "intent",
    "constrains": "intent",
    "affects": "intent",
    "based_on_assumption": "intent",
    "supersedes": "intent",
    "produces": "validation",
    "supports": "validation",
    "analyzes": "validation",
    "derived_from": "provenance",
}

REGISTRY = [
    {
        "id": PROJECT,
        "aliases": ["p05", "interferometer"],
        "description": "Interferometer test stand for large optics",
        "ingest_roots": [],
    }
]


def add_entity(
    conn: Any,
    entity_id: str,
    entity_type: str,
    name: str,
    attributes: dict[str, Any] | None = None,
    *,
    project: str = PROJECT,
    status: str = "active",
    created: str = OLD,
    updated: str | None = None,
    superseded_by: str | None = None,
    source_refs: list[dict[str, Any]] | None = None,
) -> str:
    refs = source_refs or [{"kind": "manual", "ref": f"fixture {entity_id}"}]
    conn.execute(
        "INSERT INTO entities (id, entity_type, name, project, identity_key, status, "
        "confidence, attributes, source_refs, extractor_version, canonical_home, "
        "superseded_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 1.0, ?, ?, "
        "'fixture', 'atocore', ?, ?, ?)",
        (
            entity_id,
            entity_type,
            name,
            project,
            name.lower().replace(" ", "-"),
            status,
            json.dumps(attributes or {}, sort_keys=True),
            json.dumps(refs, sort_keys=True),
            superseded_by,
            created,
            updated or created,
        ),
    )
    return entity_id


def relate(conn: Any, source: str, rel: str, target: str, *, project: str = PROJECT) -> None:
    conn.execute(
        "INSERT INTO relationships (id, project, rel_type, family, source_id, target_id, "
        "status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?)",
        (f"r-{source}-{rel}-{target}", project, rel, FAMILY[rel], source, target, OLD, OLD),
    )


def add_conflict(
    conn: Any, conflict_id: str, field: str, members: list[tuple[str, str]], *, status="open"
) -> None:
    conn.execute(
        "INSERT INTO conflicts (id, project, slot_key, entity_type, identity_key, field, "
        "status, reason, detected_by, created_at) VALUES (?, ?, ?, 'Component', ?, ?, ?, ?, "
        "'import', ?)",
        (
            conflict_id,
            PROJECT,
            f"{PROJECT}|Component|{conflict_id}|{field}",
            conflict_id,
            field,
            status,
            "KB-CAD export reports a different value",
            RECENT,
        ),
    )
    for member_id, value in members:
        conn.execute(
            "INSERT INTO conflict_members (conflict_id, member_kind, member_id, value, role) "
            "VALUES (?, 'entity', ?, ?, '')",
            (conflict_id, member_id, value),
        )


def build(conn: Any) -> None:
    """The fixture project: subsystems, parts, intent, validation, a conflict, history."""
    from atocore.context.project_state import set_state

    e = add_entity
    e(conn, "sub-bench", "Subsystem", "Optical Bench", {"description": "Holds the optics."})
    e(conn, "sub-lateral", "Subsystem", "Lateral Support", {"description": "Side pads."})
    e(conn, "sub-frame", "Subsystem", "Metrology Frame", updated=RECENT)
    e(conn, "cmp-mirror", "Component", "Reference Mirror", {"material": "Zerodur"})
    e(
        conn,
        "cmp-pad",
        "Component",
        "Lateral Pad",
        {"material": "GF-PTFE", "part_number": "LP-100", "quantity": 6},
        updated=RECENT,
    )
    e(conn, "cmp-spring", "Component", "Pad Spring", {"description": "Preloads the pad."})
    e(conn, "cmp-strut", "Component", "Frame Strut", {"material": "Invar"})
    e(
        conn,
        "prm-preload",
        "Parameter",
        "Pad preload",
        {"value": 12.0, "unit": "N", "tolerance": 0.5},
    )
    e(conn, "ifc-contact", "Interface", "Mirror-pad contact", {"kind": "mechanical"})
    e(
        conn,
        "req-wfe",
        "Requirement",
        "WFE budget",
        {"statement": "Surface error below 20 nm RMS", "priority": "must"},
    )
    e(
        conn,
        "req-drift",
        "Requirement",
        "Thermal drift",
        {"statement": "Drift below 10 nm/K", "priority": "should"},
    )
    e(
        conn,
        "con-pressure",
        "Constraint",
        "Max pad pressure",
        {"statement": "Pad pressure at most 0.2 MPa", "limit": 0.2, "unit": "MPa"},
    )
    e(
        conn,
        "asm-friction",
        "Assumption",
        "Friction 0.1",
        {"statement": "Pad friction coefficient is 0.1", "needs_review": True},
    )
    e(
        conn,
        "dec-ptfe",
        "Decision",
        "Use GF-PTFE pads",
        {
            "statement": "Lateral pads are glass-filled PTFE",
            "rationale": "Low friction, creep acceptable",
            "decided_on": "2026-03-01",
            "alternatives": ["PEEK", "Delrin"],
        },
        created="2026-03-01 08:00:00",
        updated=RECENT,
        source_refs=[
            {
                "kind": "artifact",
                "ref": "kb-cad:pads-rev3",
                "exporter": "kb-cad",
                "exporter_version": "1.2",
            }
        ],
    )
    e(
        conn,
        "dec-peek",
        "Decision",
        "Use PEEK pads",
        {"statement": "Lateral pads are PEEK", "decided_on": "2026-01-15"},
        status="superseded",
        superseded_by="dec-ptfe",
        created="2026-01-15 08:00:00",
        updated=RECENT,
    )
    e(
        conn,
        "dec-zerodur",
        "Decision",
        "Zerodur reference",
        {"statement": "Reference mirror in Zerodur", "decided_on": "2026-02-10"},
    )
    e(conn, "anm-pad", "AnalysisModel", "Pad FEM", {"method": "static", "solver": "calculix"})
    e(
        conn,
        "res-deflect",
        "Result",
        "Pad deflection",
        {"metric": "deflection", "value": 3.2, "unit": "nm"},
    )
    e(
        conn,
        "vc-figure",
        "ValidationClaim",
        "Pads hold figure",
        {"statement": "Pad support keeps figure error under budget"},
    )
    e(
        conn,
        "vc-thermal",
        "ValidationClaim",
        "Thermally stable",
        {"statement": "Bench drift stays within budget"},
    )
    # Never shown: a candidate (the changed value from an import) and an invalid entity.
    e(conn, "cand-pad", "Component", "Lateral Pad", {"material": "PEEK"}, status="candidate")
    e(conn, "inv-old", "Component", "Old Clamp", status="invalid")

    r = relate
    r(conn, "sub-bench", "contains", "sub-lateral")
    r(conn, "sub-bench", "contains", "cmp-mirror")
    r(conn, "sub-lateral", "contains", "cmp-pad")
    r(conn, "cmp-spring", "part_of", "cmp-pad")
    r(conn, "cmp-pad", "contains", "prm-preload")
    r(conn, "sub-lateral", "contains", "ifc-contact")
    r(conn, "cmp-pad", "interfaces_with", "cmp-mirror")
    r(conn, "sub-frame", "contains", "cmp-strut")
    r(conn, "cmp-mirror", "satisfies", "req-wfe")
    r(conn, "req-drift", "constrains", "sub-frame")
    r(conn, "con-pressure", "constrains", "cmp-pad")
    r(conn, "dec-ptfe", "affects", "cmp-pad")
    r(conn, "dec-ptfe", "based_on_assumption", "asm-friction")
    r(conn, "dec-zerodur", "affects", "cmp-mirror")
    r(conn, "dec-ptfe", "supersedes", "dec-peek")
    r(conn, "anm-pad", "produces", "res-deflect")
    r(conn, "res-deflect", "supports", "vc-figure")
    r(conn, "res-deflect", "supports", "dec-ptfe")
    r(conn, "anm-pad", "analyzes", "sub-lateral")
    r(conn, "dec-zerodur", "derived_from", "req-wfe")
    for target, action, old, new in [
        ("dec-peek", "supersede", "active", "superseded"),
        ("dec-ptfe", "promote", "candidate", "active"),
        ("sub-bench", "promote", "candidate", "active"),  # long ago: not a recent change
    ]:
        when = OLD if target == "sub-bench" else RECENT
        conn.execute(
            "INSERT INTO review_log (target_kind, target_id, action, from_status, to_status, "
            "reason, actor, created_at) VALUES ('entity', ?, ?, ?, ?, 'fixture', 'tester', ?)",
            (target, action, old, new, when),
        )
    add_conflict(conn, "cf-0042", "material", [("cmp-pad", "GF-PTFE"), ("cand-pad", "PEEK")])
    add_conflict(conn, "cf-0007", "material", [("cmp-strut", "Invar")], status="resolved")

    set_state(conn, PROJECT, "status", "next_focus", "Wave 2 pad testing")
    set_state(conn, PROJECT, "requirement", "Thermal drift", "Drift below 5 nm/K over 2 h")
    set_state(conn, PROJECT, "config", "Pad preload", "14 N")
    # A field override equal to the entity's value: curated, and no new conflict.
    set_state(conn, PROJECT, "fact", "lateral-pad.part_number", "LP-100")
