"""The interactive ``atocore review`` command, driven by keystrokes."""

from __future__ import annotations

import pytest
from serverproc import live_server

from atocore.memory.review_queue import memory_queue
from atocore.memory.service import create_memory, get_memory
from atocore.review_log import list_reviews


@pytest.fixture
def candidates(make_memory):
    """``candidates("text", ..., memory_type=..., project=...)``: candidate memories."""
    return lambda *texts, **kw: [make_memory(t, status="candidate", **kw) for t in texts]


@pytest.fixture(params=["local", "url"])
def review(request, cli):
    """``review(*args, input=...)``: ``atocore review`` run locally, or with ``--url``
    against a real server on the same data dir (every step is an operation)."""
    if request.param == "local":
        yield lambda *args, input: cli("review", *args, input=input)
        return
    with live_server() as url:
        yield lambda *args, input: cli("--url", url, "review", *args, input=input)


def _age(conn, memories) -> None:
    """Give the memories increasing created_at stamps, first = oldest."""
    for n, memory in enumerate(memories):
        conn.execute(
            "UPDATE memories SET created_at = ? WHERE id = ?",
            (f"2026-01-0{n + 1} 00:00:00", memory.id),
        )


def test_session_promote_reject_edit_skip(review, conn, candidates):
    a, b, c, d = candidates(
        "Candidate A is promoted",
        "Candidate B is rejected",
        "Candidate C gets edited",
        "Candidate D is skipped",
    )
    _age(conn, [a, b, c, d])
    keys = "p\nr\nnot true\ne\nCandidate C after the edit\ns\n"
    result = review(input=keys)
    assert result.exit_code == 0, result.output
    # oldest first: A's panel comes before B's
    assert result.stdout.index("Candidate A") < result.stdout.index("Candidate B")
    assert "promoted 1 · edited 1 · rejected 1 · skipped 1 · left 0" in result.stdout
    assert get_memory(conn, a.id).status == "active"
    assert get_memory(conn, b.id).status == "invalid"
    edited = get_memory(conn, c.id)
    assert (edited.status, edited.content) == ("active", "Candidate C after the edit")
    assert get_memory(conn, d.id).status == "candidate"
    reject_entry = list_reviews(conn, target_id=b.id)[0]
    assert (reject_entry.action, reject_entry.reason) == ("reject", "not true")
    assert [e.action for e in reversed(list_reviews(conn, target_id=c.id))] == [
        "create",
        "edit",
        "promote",
    ]


def test_quit_and_end_of_input_leave_the_rest(cli, conn, candidates):
    a, b = candidates("First of two candidates", "Second of two candidates")
    _age(conn, [a, b])
    result = cli("review", input="q\n")
    assert result.exit_code == 0
    assert "left 2" in result.stdout
    result = cli("review", input="p\n")  # input ends after the first answer
    assert result.exit_code == 0
    assert "left 1" in result.stdout
    assert get_memory(conn, a.id).status == "active"
    assert get_memory(conn, b.id).status == "candidate"


def test_unknown_key_shows_help_and_asks_again(cli, conn, candidates):
    (a,) = candidates("Only candidate in the queue")
    result = cli("review", input="x\n?\np\n")
    assert result.exit_code == 0
    # banner + two help lines
    assert result.stdout.count("e edit (text pre-filled), then promote") >= 3
    assert get_memory(conn, a.id).status == "active"


def test_filters_by_type_and_project(cli, conn, p05, candidates):
    (pref,) = candidates("Prefers terse answers", memory_type="preference")
    (proj,) = candidates("The stand has four legs", memory_type="project", project="p05")
    listed = cli.json("review", "--list", "--type", "preference")
    assert [i["id"] for i in listed] == [pref.id]
    listed = cli.json("review", "--list", "-p", "interferometer")
    assert [i["id"] for i in listed] == [proj.id]
    result = cli("review", "-p", "p05", input="p\n")
    assert result.exit_code == 0
    assert get_memory(conn, proj.id).status == "active"
    assert get_memory(conn, pref.id).status == "candidate"


def test_shows_provenance_and_similar_memories(cli, conn):
    captured = cli.json(
        "interactions",
        "capture",
        "which pads?",
        "## Decision: use PTFE pads on the lateral supports",
    )
    cli.json("interactions", "extract", captured["id"], "--persist")
    create_memory(conn, "adaptation", "Lateral supports use PTFE pads")
    result = cli("review", input="s\n")
    assert result.exit_code == 0
    assert "which pads?" in result.stdout  # the interaction it came from
    assert "label:decision" in result.stdout  # the rule that proposed it
    assert "resembles" in result.stdout and "Lateral supports use PTFE pads" in result.stdout
    (item,) = memory_queue(conn)
    assert item.similar and item.provenance


def test_promote_conflict_is_reported_not_fatal(cli, conn, candidates):
    (cand,) = candidates("The pump runs at 40 Hz")
    conn.execute(
        "INSERT INTO memories (id, memory_type, content, project, status, confidence, "
        "created_at, updated_at) VALUES ('twin', 'knowledge', 'The pump runs at 40 Hz', '', "
        "'active', 1.0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )
    result = cli("review", input="p\nr\nduplicate\n")
    assert result.exit_code == 0, result.output
    assert "duplicates active memory twin" in result.stdout
    assert get_memory(conn, cand.id).status == "invalid"


def test_missing_data_dir_is_refused_and_not_created(cli, data_dir):
    result = cli("review")
    assert result.exit_code == 2 and "no atocore data" in result.output
    assert not data_dir.exists()


def test_empty_queue_and_bad_flags(cli, conn):
    result = cli("review")
    assert result.exit_code == 0 and "empty" in result.stdout
    assert cli.json("review") == []
    assert cli("review", "--type", "opinion").exit_code == 2
    assert cli("review", "--entity-type", "Material").exit_code == 2
    assert cli("review", "--entities", "--type", "project").exit_code == 2


def test_entity_candidates_in_the_same_review(review, cli, conn, decision_candidates):
    from atocore.engineering import entities

    first, second = decision_candidates
    listed = cli.json("review", "--entities", "--list", "-p", "p05")
    assert [i["id"] for i in listed] == [first.id, second.id]
    assert listed[0]["kind"] == "entity" and "statement: Use Invar" in listed[0]["body"]
    keys = "e\nFrame material v2 | statement: Use Invar 36\nr\nnot decided yet\n"
    result = review("--entities", "-p", "interferometer", input=keys)
    assert result.exit_code == 0, result.output
    assert "edited 1" in result.stdout and "rejected 1" in result.stdout
    promoted = entities.get_entity(conn, first.id)
    assert (promoted.status, promoted.name) == ("active", "Frame material v2")
    assert promoted.attributes["statement"] == "Use Invar 36"
    assert entities.get_entity(conn, second.id).status == "invalid"
    actions = [e.action for e in reversed(list_reviews(conn, target_kind="entity"))]
    assert actions[-3:] == ["edit", "promote", "reject"]


def test_edit_in_external_editor(cli, conn, monkeypatch, candidates):
    (cand,) = candidates("Pads are glued with RTV")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "sed -i s/RTV/epoxy/")  # a real editor run, non-interactive
    result = cli("review", "--editor", input="e\n")
    assert result.exit_code == 0, result.output
    edited = get_memory(conn, cand.id)
    assert (edited.status, edited.content) == ("active", "Pads are glued with epoxy")


def test_edit_shows_the_current_text_and_enter_keeps_it(cli, conn, candidates):
    (cand,) = candidates("Pads are glued with RTV on the lateral supports")
    result = cli("review", input="e\n\n")
    assert result.exit_code == 0, result.output
    assert "current: Pads are glued with RTV on the lateral supports" in result.stdout
    kept = get_memory(conn, cand.id)
    assert (kept.status, kept.content) == ("active", cand.content)


def test_v_edits_in_editor_and_the_legend_says_so(cli, conn, monkeypatch, candidates):
    (cand,) = candidates("Pads are glued with RTV")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "sed -i s/RTV/epoxy/")
    result = cli("review", input="v\n")
    assert result.exit_code == 0, result.output
    assert "v edit in $EDITOR" in result.stdout and "pre-filled" in result.stdout
    edited = get_memory(conn, cand.id)
    assert (edited.status, edited.content) == ("active", "Pads are glued with epoxy")


def test_resembles_is_live_a_twin_promoted_a_moment_ago_shows(review, conn, candidates):
    first, twin = candidates(
        "Lateral supports use PTFE pads bonded with RTV",
        "The lateral supports use PTFE pads, bonded with RTV",
    )
    _age(conn, [first, twin])
    result = review(input="p\nq\n")
    assert result.exit_code == 0, result.output
    second_panel = result.stdout[result.stdout.index("[2/2]") :]
    assert "resembles: nothing active" not in second_panel
    assert first.id[:8] in second_panel
