"""Memory lifecycle, validation, canonicalization, review log and the pack slot."""

from __future__ import annotations

import pytest
from factories import count

from atocore.errors import ConflictError, InvalidInput, NotFound
from atocore.memory.context import memory_blocks
from atocore.memory.service import (
    create_memory,
    edit_memory,
    forget_memory,
    get_memory,
    list_memories,
    mark_graduated,
    promote_memory,
    reject_memory,
    supersede_memory,
)
from atocore.review_log import list_reviews


def test_create_defaults_and_fields(conn):
    memory = create_memory(conn, "preference", "  Prefers SI units in answers  ")
    assert memory.status == "active"
    assert memory.content == "Prefers SI units in answers"
    assert memory.project == ""
    assert memory.confidence == 1.0
    assert memory.reference_count == 0
    assert memory.last_referenced_at is None
    assert memory.graduated_to is None
    assert len(memory.id) == 36
    assert len(memory.created_at) == 19 and memory.created_at[10] == " "


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"memory_type": "opinion"}, "invalid memory type"),
        ({"content": "   "}, "non-empty"),
        ({"confidence": 1.5}, "between 0 and 1"),
        ({"confidence": -0.1}, "between 0 and 1"),
        ({"confidence": float("nan")}, "between 0 and 1"),
        ({"status": "superseded"}, "start as"),
        ({"status": "bogus"}, "invalid memory status"),
        ({"content": "x" * 5000}, "limit"),
    ],
)
def test_create_rejects_bad_input_and_writes_nothing(conn, kwargs, message):
    args = {"memory_type": "knowledge", "content": "Zerodur has near zero CTE", **kwargs}
    with pytest.raises(InvalidInput, match=message):
        create_memory(conn, args.pop("memory_type"), args.pop("content"), **args)
    assert count(conn, "memories") == 0
    assert count(conn, "review_log") == 0


def test_confidence_edges_accepted(conn):
    low = create_memory(conn, "knowledge", "Edge case confidence zero", confidence=0.0)
    high = create_memory(conn, "knowledge", "Edge case confidence one", confidence=1.0)
    assert (low.confidence, high.confidence) == (0.0, 1.0)


def test_duplicate_memory_refused_per_project(conn, projects):
    projects("p05", "p06")
    create_memory(conn, "knowledge", "The stand uses a HeNe laser", project="p05")
    with pytest.raises(ConflictError, match="already exists"):
        create_memory(conn, "knowledge", "the stand uses a  HeNe laser.", project="p05")
    # same text in another project is a different memory
    create_memory(conn, "knowledge", "The stand uses a HeNe laser", project="p06")
    assert count(conn, "memories") == 2


def test_full_lifecycle_and_review_log(conn):
    memory = create_memory(conn, "adaptation", "Decision: use GF-PTFE pads", status="candidate")
    promoted = promote_memory(conn, memory.id, reason="looks right", actor="tester")
    assert promoted.status == "active"
    old, new = supersede_memory(
        conn, memory.id, new_content="Decision: use PEEK pads instead", reason="thermal test"
    )
    assert old.status == "superseded"
    assert old.superseded_by == new.id
    assert new.status == "active"
    assert new.memory_type == "adaptation"
    entries = {(e.action, e.from_status, e.to_status) for e in list_reviews(conn)}
    assert ("promote", "candidate", "active") in entries
    assert ("supersede", "active", "superseded") in entries
    promote_entry = list_reviews(conn, target_id=memory.id)[-2]
    assert promote_entry.action == "promote"
    assert promote_entry.actor == "tester"
    assert promote_entry.reason == "looks right"


@pytest.mark.parametrize(
    ("start", "action"),
    [
        ("active", "promote"),
        ("invalid", "promote"),
        ("superseded", "promote"),
        ("invalid", "reject"),
        ("superseded", "reject"),
        ("candidate", "supersede"),
        ("invalid", "supersede"),
        ("superseded", "edit"),
    ],
)
def test_illegal_transitions_refused(conn, start, action):
    memory = create_memory(conn, "knowledge", "Fixture memory for transitions", status="candidate")
    if start in ("active", "superseded"):
        promote_memory(conn, memory.id)
    if start == "superseded":
        supersede_memory(conn, memory.id)
    if start == "invalid":
        reject_memory(conn, memory.id)
    before = list_reviews(conn, target_id=memory.id)
    with pytest.raises(ConflictError):
        if action == "promote":
            promote_memory(conn, memory.id)
        elif action == "reject":
            reject_memory(conn, memory.id)
        elif action == "supersede":
            supersede_memory(conn, memory.id)
        else:
            edit_memory(conn, memory.id, content="changed text for the memory")
    assert get_memory(conn, memory.id).status == start
    assert list_reviews(conn, target_id=memory.id) == before


def test_reject_retires_active_memory(conn):
    memory = create_memory(conn, "knowledge", "The pump runs at 40 Hz")
    assert reject_memory(conn, memory.id, reason="wrong").status == "invalid"


def test_edit_refuses_duplicate_of_existing(conn, projects):
    projects("p05", "p05-other", "p06")
    create_memory(conn, "knowledge", "The pump runs at 40 Hz", project="p05")
    candidate = create_memory(
        conn, "knowledge", "The pump runs at 40 Hz", project="p05-other", status="candidate"
    )
    edit_memory(conn, candidate.id, project="p06")  # still fine elsewhere
    with pytest.raises(ConflictError, match="duplicates"):
        edit_memory(conn, candidate.id, project="p05")
    assert get_memory(conn, candidate.id).project == "p06"


def test_promote_refuses_duplicate_of_active(conn):
    candidate = create_memory(conn, "knowledge", "The pump runs at 40 Hz", status="candidate")
    # an active twin that slipped in by another path (e.g. an old database)
    conn.execute(
        "INSERT INTO memories (id, memory_type, content, project, status, confidence, "
        "created_at, updated_at) VALUES ('twin', 'knowledge', 'the pump runs at 40 Hz.', '', "
        "'active', 1.0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )
    with pytest.raises(ConflictError, match="duplicates active memory twin"):
        promote_memory(conn, candidate.id)
    assert get_memory(conn, candidate.id).status == "candidate"


def test_supersede_by_existing_memory(conn):
    old = create_memory(conn, "knowledge", "The pump runs at 40 Hz")
    new = create_memory(conn, "knowledge", "The pump runs at 50 Hz")
    superseded, replacement = supersede_memory(conn, old.id, by=new.id[:8])
    assert superseded.superseded_by == new.id
    assert replacement.id == new.id
    with pytest.raises(InvalidInput):
        supersede_memory(conn, new.id, by=new.id)
    with pytest.raises(InvalidInput):
        supersede_memory(conn, new.id, by=old.id, new_content="x y z")


def test_edit_changes_fields_and_logs(conn):
    memory = create_memory(conn, "knowledge", "Initial text of a memory", status="candidate")
    edited = edit_memory(conn, memory.id, content="Better text of a memory", confidence=0.4)
    assert edited.content == "Better text of a memory"
    assert edited.confidence == 0.4
    assert list_reviews(conn, target_id=memory.id)[0].action == "edit"
    with pytest.raises(InvalidInput, match="nothing to change"):
        edit_memory(conn, memory.id)
    with pytest.raises(InvalidInput):
        edit_memory(conn, memory.id, confidence=2)


def test_forget_deletes_and_logs_without_content(conn):
    secret = "My home address is 12 Secret Lane"
    memory = create_memory(conn, "identity", secret, reason="added by hand")
    result = forget_memory(conn, memory.id, reason="privacy")
    assert result["forgotten"] is True
    assert count(conn, "memories") == 0
    with pytest.raises(NotFound):
        get_memory(conn, memory.id)
    entries = list_reviews(conn, target_id=memory.id)
    assert entries[0].action == "forget"
    assert entries[0].from_status == "active"
    dump = " ".join(str(v) for row in conn.execute("SELECT * FROM review_log") for v in row)
    assert "Secret Lane" not in dump


def test_graduation_for_engineering_layer(conn):
    memory = create_memory(conn, "adaptation", "Decision: frame material is Invar")
    graduated = mark_graduated(conn, memory.id, "entity-123", reason="became a Decision")
    assert graduated.status == "graduated"
    assert graduated.graduated_to == "entity-123"
    with pytest.raises(InvalidInput):
        mark_graduated(conn, memory.id, "")
    assert memory_blocks(conn, "", "frame material Invar", 1000) == []


def test_unknown_and_ambiguous_ids(conn):
    with pytest.raises(NotFound):
        get_memory(conn, "nope-nope")
    with pytest.raises(InvalidInput):
        get_memory(conn, "  ")
    memory = create_memory(conn, "knowledge", "Prefix lookups work fine")
    assert get_memory(conn, memory.id[:6]).id == memory.id


def test_alias_canonicalization_on_write_and_filter(conn, p05):
    # legacy data: a name already in the data is known without registration
    conn.execute("INSERT INTO projects (id, name) VALUES ('legacy', 'unregistered-x')")
    via_alias = create_memory(conn, "project", "The stand sits on an optical table", project="p05")
    assert via_alias.project == "p05-interferometer"
    create_memory(conn, "project", "Other project memory text", project="unregistered-x")
    for name in ("p05", "interferometer", "p05-interferometer", "P05"):
        found = list_memories(conn, project=name)
        assert [m.id for m in found] == [via_alias.id]
    assert [m.project for m in list_memories(conn, project="unregistered-x")] == ["unregistered-x"]


def test_list_filters_and_validation(conn):
    create_memory(conn, "knowledge", "Active knowledge memory")
    create_memory(conn, "preference", "Candidate preference memory", status="candidate")
    assert len(list_memories(conn)) == 2
    assert [m.memory_type for m in list_memories(conn, status="candidate")] == ["preference"]
    assert [m.status for m in list_memories(conn, memory_type="knowledge")] == ["active"]
    with pytest.raises(InvalidInput):
        list_memories(conn, status="pending")
    with pytest.raises(InvalidInput):
        list_memories(conn, memory_type="fact")


def test_candidates_never_in_pack(conn, p05):
    create_memory(
        conn,
        "project",
        "Zerodur mirror blank chosen for the lens",
        project="p05",
        status="candidate",
    )
    active = create_memory(conn, "project", "Mirror blank supplier is Schott", project="p05")
    blocks = memory_blocks(conn, "p05-interferometer", "which mirror blank and lens?", 2000)
    assert [b.source for b in blocks] == [active.id]
    assert all(b.kind == "memory" for b in blocks)


def test_pack_slot_ranking_scope_and_budget(conn, p05, projects):
    projects("p06")
    relevant = create_memory(conn, "project", "Mirror blank supplier is Schott", project="p05")
    create_memory(conn, "project", "Unrelated budget spreadsheet lives in drive", project="p05")
    other = create_memory(conn, "project", "Mirror blank supplier is Ohara", project="p06")
    pref = create_memory(conn, "preference", "Prefers answers in SI units")
    blocks = memory_blocks(conn, "p05", "who supplies the mirror blank?", 2000)
    sources = [b.source for b in blocks]
    assert sources[0] == relevant.id
    assert pref.id in sources  # user preferences always qualify
    assert other.id not in sources  # another project's memories never leak in
    assert len(sources) == 2
    tight = memory_blocks(conn, "p05", "who supplies the mirror blank?", 45)
    assert sum(len(b.text) for b in tight) <= 45
    assert [b.source for b in tight] == [relevant.id]
    assert memory_blocks(conn, "p05", "mirror blank", 0) == []
