"""Trusted project state: upsert, history, invalidation, alias canonicalization."""

from __future__ import annotations

import pytest

from atocore.context.project_state import get_state, invalidate_state, set_state
from atocore.errors import InvalidInput, NotFound


def test_upsert_keeps_history(conn, p05):
    set_state(conn, "p05", "status", "phase", "design")
    set_state(conn, "p05", "status", "phase", "build")
    active = get_state(conn, "p05-interferometer")
    assert [(e.key, e.value, e.status) for e in active] == [("phase", "build", "active")]
    history = get_state(conn, "p05", include_history=True)
    assert [(e.value, e.status) for e in history] == [("build", "active"), ("design", "superseded")]


def test_same_value_is_not_duplicated(conn, p05):
    first = set_state(conn, "p05", "fact", "mass", "3 kg", source="a")
    second = set_state(conn, "P05-INTERFEROMETER", "fact", "mass", "3 kg", source="b")
    assert first.id == second.id
    assert second.source == "b"
    assert len(get_state(conn, "p05", include_history=True)) == 1


@pytest.mark.parametrize(
    "writer,reader",
    [
        ("p05", "p05-interferometer"),
        ("interferometer", "p05"),
        ("p05-interferometer", "Interferometer"),
    ],
)
def test_alias_and_canonical_hit_the_same_rows(conn, p05, writer, reader):
    set_state(conn, writer, "decision", "mount", "kinematic")
    assert [e.value for e in get_state(conn, reader)] == ["kinematic"]
    assert get_state(conn, reader)[0].project == "p05-interferometer"
    invalidate_state(conn, reader, "decision", "mount")
    assert get_state(conn, writer) == []
    projects = conn.execute("SELECT name FROM projects").fetchall()
    assert [r[0] for r in projects] == ["p05-interferometer"]


def test_unregistered_project_passes_through(conn):
    with pytest.raises(NotFound, match="register it first"):
        set_state(conn, "side-project", "status", "phase", "idea")
    conn.execute(
        "INSERT INTO memories (id, memory_type, content, project) "
        "VALUES ('m', 'knowledge', 'x', 'Side-Project')"
    )
    set_state(conn, "Side-Project", "status", "phase", "idea")  # legacy data: known
    assert get_state(conn, "Side-Project")[0].project == "Side-Project"


def test_invalid_input_writes_nothing(conn, p05):
    with pytest.raises(InvalidInput, match="invalid category"):
        set_state(conn, "p05", "bogus", "k", "v")
    with pytest.raises(InvalidInput, match="confidence"):
        set_state(conn, "p05", "fact", "k", "v", confidence=1.5)
    with pytest.raises(InvalidInput, match="project"):
        set_state(conn, "", "fact", "k", "v")
    with pytest.raises(InvalidInput, match="value"):
        set_state(conn, "p05", "fact", "k", "  ")
    assert conn.execute("SELECT count(*) FROM project_state").fetchone()[0] == 0
    assert conn.execute("SELECT count(*) FROM projects").fetchone()[0] == 0


def test_invalidate_missing_entry_is_not_found(conn, p05):
    with pytest.raises(NotFound):
        invalidate_state(conn, "p05", "status", "nothing")
    with pytest.raises(InvalidInput):
        get_state(conn, "p05", category="bogus")
