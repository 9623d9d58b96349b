"""Engineering entities: schema, typed fields, relationships, review, context slot, graduation."""

from __future__ import annotations

import pytest
from factories import count

from atocore.engineering.create import create_entity
from atocore.engineering.entities import find_entity, get_entity, list_entities
from atocore.engineering.relationships import edges_of, relate
from atocore.engineering.review import (
    edit_entity,
    list_entity_candidates,
    promote_entity,
    reject_entity,
    supersede_entity,
)
from atocore.errors import ConflictError, InvalidInput, NotFound
from atocore.review_log import list_reviews


def test_migration_tables_exist_and_reapply_is_harmless(conn):
    from atocore.db.migrations import m004_engineering

    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"entities", "relationships", "conflicts", "conflict_members"} <= names
    m004_engineering.apply(conn)  # idempotent
    m004_engineering.apply(conn)
    cols = {r[1] for r in conn.execute("PRAGMA table_info(entities)")}
    assert {
        "id",
        "entity_type",
        "name",
        "project",
        "status",
        "confidence",
        "source_refs",
        "created_at",
        "updated_at",
        "extractor_version",
        "canonical_home",
    } <= cols


def test_create_defaults_to_candidate_with_provenance_and_canonical_home(conn, p05):
    comp = create_entity(conn, "p05", "component", "Mirror mount", {"material": "Invar 36"})
    assert comp.entity_type == "Component"
    assert comp.status == "candidate"
    assert comp.project == "p05-interferometer"
    assert comp.identity_key == "mirror-mount"
    assert comp.canonical_home == "kb-cad"
    assert comp.source_refs and comp.source_refs[0]["kind"] == "manual"
    req = create_entity(conn, "interferometer", "Requirement", "Drift", {"statement": "< 5 nm/K"})
    assert req.canonical_home == "atocore"
    assert req.attributes["priority"] == "must"


@pytest.mark.parametrize(
    ("etype", "attrs", "needle"),
    [
        ("Gizmo", {}, "unknown entity type"),
        ("Parameter", {"unit": "mm"}, "'value'"),
        ("Component", {"colour": "red"}, "'colour'"),
        ("Requirement", {"statement": ""}, "'statement'"),
        ("Interface", {"statement": "x", "kind": "magic"}, "Interface field"),
        ("Component", {"quantity": -1}, "'quantity'"),
    ],
)
def test_create_refuses_bad_fields_and_writes_nothing(conn, p05, etype, attrs, needle):
    with pytest.raises(InvalidInput) as info:
        create_entity(conn, "p05", etype, "Thing", attrs)
    assert needle in info.value.message
    assert count(conn, "entities") == 0


def test_create_refuses_missing_project_name_status_and_bad_confidence(conn, p05):
    with pytest.raises(InvalidInput):
        create_entity(conn, "", "Component", "X")
    with pytest.raises(InvalidInput):
        create_entity(conn, "p05", "Component", "   ")
    with pytest.raises(InvalidInput):
        create_entity(conn, "p05", "Component", "X", status="superseded")
    with pytest.raises(InvalidInput):
        create_entity(conn, "p05", "Component", "X", confidence=1.5)
    assert count(conn, "entities") == 0


def test_alias_and_canonical_id_read_and_write_the_same_rows(conn, p05):
    create_entity(conn, "p05", "Component", "Mount", status="active")
    create_entity(conn, "p05-interferometer", "Component", "Mirror", status="active")
    create_entity(conn, "INTERFEROMETER", "Component", "Splitter", status="active")
    for name in ("p05", "interferometer", "p05-interferometer"):
        assert [e.name for e in list_entities(conn, name)] == ["Mirror", "Mount", "Splitter"]
    assert find_entity(conn, "mount", "p05").name == "Mount"
    assert {r[0] for r in conn.execute("SELECT DISTINCT project FROM entities")} == {
        "p05-interferometer"
    }


def test_relationships_are_typed_and_idempotent(conn, p05, projects, make_entity):
    projects("p06")
    comp = make_entity("Component", "Mount")
    req = make_entity("Requirement", "Drift", {"statement": "s"})
    edge = relate(conn, comp.id, "satisfies", req.id)
    assert edge.family == "intent"
    assert relate(conn, "mount", "satisfies", "drift", project="p05").id == edge.id
    with pytest.raises(InvalidInput, match="cannot start at a Requirement"):
        relate(conn, req.id, "satisfies", comp.id)
    with pytest.raises(InvalidInput, match="unknown relationship"):
        relate(conn, comp.id, "likes", req.id)
    other = create_entity(conn, "p06", "Requirement", "Other", {"statement": "s"})
    with pytest.raises(InvalidInput, match="different projects"):
        relate(conn, comp.id, "satisfies", other.id)
    assert len(edges_of(conn, comp.id)) == 1
    from atocore.engineering.relationships import unrelate

    assert unrelate(conn, edge.id).status == "invalid"
    assert edges_of(conn, comp.id) == []
    with pytest.raises(NotFound):
        unrelate(conn, "no-such-edge")


def test_review_transitions_are_logged_with_reasons(conn, p05):
    a = create_entity(conn, "p05", "Decision", "Use Invar", {"statement": "Invar mount"})
    b = create_entity(conn, "p05", "Decision", "Use steel", {"statement": "steel mount"})
    assert {e.id for e in list_entity_candidates(conn, "interferometer")} == {a.id, b.id}
    assert list_entity_candidates(conn, "p05", entity_type="Requirement") == []
    edited = edit_entity(conn, a.id, attributes={"rationale": "low CTE"}, reason="fix")
    assert edited.attributes == {**a.attributes, "rationale": "low CTE"}
    promote_entity(conn, a.id, reason="checked drawing")
    reject_entity(conn, b.id, reason="never decided")
    assert get_entity(conn, a.id).status == "active"
    assert get_entity(conn, b.id).status == "invalid"
    with pytest.raises(ConflictError):
        promote_entity(conn, b.id)
    with pytest.raises(ConflictError, match="only candidates can be edited"):
        edit_entity(conn, a.id, name="renamed")
    with pytest.raises(InvalidInput):
        edit_entity(conn, a.id, status="active")
    c = create_entity(conn, "p05", "Decision", "Use Super Invar", {"statement": "Super Invar"})
    old = supersede_entity(conn, a.id, by=c.id, reason="lower CTE")
    assert old.status == "superseded" and old.superseded_by == c.id
    assert get_entity(conn, c.id).status == "active"
    actions = {(r.target_id, r.action, r.reason) for r in list_reviews(conn, target_kind="entity")}
    assert (a.id, "promote", "checked drawing") in actions
    assert (b.id, "reject", "never decided") in actions
    assert (a.id, "edit", "fix") in actions
    assert (a.id, "supersede", "lower CTE") in actions
    with pytest.raises(NotFound):
        get_entity(conn, "nope")


def test_supersede_carries_relationships_to_the_successor(conn, p05, make_entity):
    mount = make_entity("Component", "Mount")
    req = make_entity("Requirement", "Drift", {"statement": "s"})
    relate(conn, mount.id, "satisfies", req.id)
    new = create_entity(conn, "p05", "Component", "Mount v2", identity_key="mount")
    supersede_entity(conn, mount.id, by=new.id)
    rels = {(e.rel_type, e.source_id, e.target_id) for e in edges_of(conn, new.id)}
    assert ("satisfies", new.id, req.id) in rels
    assert ("supersedes", new.id, mount.id) in rels
    with pytest.raises(ConflictError):
        supersede_entity(conn, mount.id)
    with pytest.raises(InvalidInput):
        supersede_entity(conn, new.id, by=req.id)


def test_entity_blocks_only_active_relevant_and_within_budget(conn, p05, make_entity):
    from atocore.engineering.context import entity_blocks

    make_entity("Component", "Reference mirror mount", {"material": "Invar 36"})
    make_entity("Requirement", "Thermal drift", {"statement": "Reference arm drift below 5 nm/K"})
    make_entity(
        "Component", "Secret candidate mount", {"material": "Unobtainium"}, status="candidate"
    )
    blocks = entity_blocks(conn, "interferometer", "what material is the mirror mount?", 2000)
    texts = [b.text for b in blocks]
    assert any("Reference mirror mount" in t and "Invar 36" in t for t in texts)
    assert not any("Unobtainium" in t or "Secret" in t for t in texts)
    assert all(b.kind == "entity" for b in blocks)
    assert entity_blocks(conn, "p05", "lunch plans tomorrow", 2000) == []
    assert entity_blocks(conn, "p05", "mirror mount", 0) == []
    small = entity_blocks(conn, "p05", "mirror mount drift reference", 60)
    assert sum(len(b.text) for b in small) <= 60
    assert entity_blocks(conn, "p06", "mirror mount", 2000) == []


@pytest.mark.parametrize(
    ("memory_type", "entity_type"),
    [("adaptation", "Decision"), ("project", "Requirement"), ("knowledge", "Constraint")],
)
def test_graduation_maps_types_and_keeps_the_memory(conn, p05, memory_type, entity_type):
    from atocore.engineering.graduation import graduate_memory
    from atocore.memory.service import create_memory, get_memory

    mem = create_memory(
        conn, memory_type, "Mount the reference flat on Invar flexures", project="p05"
    )
    result = graduate_memory(conn, mem.id, reason="structured now")
    assert result.entity.entity_type == entity_type
    assert result.entity.status == "candidate"
    assert result.entity.project == "p05-interferometer"
    assert result.entity.attributes["statement"].startswith("Mount the reference flat")
    assert {"kind": "memory", "ref": mem.id} in [
        {"kind": r["kind"], "ref": r["ref"]} for r in result.entity.source_refs
    ]
    after = get_memory(conn, mem.id)
    assert after.status == "graduated" and after.graduated_to == result.entity.id
    promote_entity(conn, result.entity.id)
    assert get_memory(conn, mem.id).status == "graduated"  # promotion never deletes it
    with pytest.raises(ConflictError):
        graduate_memory(conn, mem.id)


def test_graduation_refuses_personal_memories_and_leaves_them_alone(conn, p05):
    from atocore.engineering.graduation import graduate_memory
    from atocore.memory.service import create_memory, get_memory

    mem = create_memory(conn, "preference", "Prefers SI units", project="p05")
    with pytest.raises(InvalidInput, match="do not graduate"):
        graduate_memory(conn, mem.id)
    assert get_memory(conn, mem.id).status == "active"
    assert count(conn, "entities") == 0
    loose = create_memory(conn, "adaptation", "Switched solver", project="")
    with pytest.raises(InvalidInput, match="no project"):
        graduate_memory(conn, loose.id)
    graduated = graduate_memory(conn, loose.id, project="interferometer")
    assert graduated.entity.project == "p05-interferometer"


def test_context_pack_carries_active_entities_never_candidates(conn, p05, make_entity):
    from atocore.context.builder import ContextOptions, build_context

    make_entity(
        "Decision",
        "Flexure ring material",
        {"statement": "Invar 36 flexure ring for the reference flat"},
    )
    make_entity(
        "Decision",
        "Flexure ring alternative",
        {"statement": "Unreviewed idea: carbon fibre flexure ring"},
        status="candidate",
    )
    pack = build_context(
        conn,
        "Which flexure ring material did we pick?",
        project="p05",
        budget=2000,
        options=ContextOptions(retrieval_mode="bm25"),
        save=False,
    )
    assert "Invar 36 flexure ring" in pack.formatted_context
    assert "carbon fibre" not in pack.formatted_context
    assert pack.layers["entity"] > 0


def test_migration_upgrades_an_old_shaped_entities_table(data_dir):
    from atocore.db import connect, open_db

    data_dir.mkdir(parents=True, exist_ok=True)
    old = connect(data_dir / "atocore.db")
    old.execute(
        "CREATE TABLE entities (id TEXT PRIMARY KEY, entity_type TEXT NOT NULL, name TEXT NOT NULL,"
        " project TEXT NOT NULL DEFAULT '', identity_key TEXT NOT NULL, status TEXT NOT NULL,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    old.execute(
        "INSERT INTO entities VALUES ('e1', 'Component', 'Mount', 'p05-interferometer', "
        "'mount', 'active', '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )
    old.close()
    conn = open_db()
    try:
        entity = get_entity(conn, "e1")
        assert entity.name == "Mount" and entity.attributes == {} and entity.source_refs == []
        assert entity.canonical_home == "atocore"
    finally:
        conn.close()
