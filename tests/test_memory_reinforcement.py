"""Reinforcement: token overlap threshold, paraphrases, what is never touched."""

from __future__ import annotations

import pytest

from atocore.errors import InvalidInput
from atocore.interactions.service import get_interaction, record_interaction, reinforce_interaction
from atocore.memory.reinforcement import MATCH_THRESHOLD, reinforce_from_text
from atocore.memory.service import create_memory, get_memory, reject_memory, supersede_memory
from atocore.memory.tokens import stem, tokens

# Ten distinct content tokens, none of them stop words.
TEN = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"


def _words(n: int) -> str:
    return " ".join(TEN.split()[:n])


def test_tokenizer_folds_inflections_and_drops_stop_words():
    assert tokens("The user prefers Python") == tokens("user preferred python")
    assert tokens("preferring") == {"prefer"}
    assert stem("stopped") == "stop"
    assert stem("running") == "run"
    assert stem("applied") == "apply"
    assert stem("status") == "status"
    assert tokens("the and of to a") == set()


def test_seventy_percent_matches_sixty_does_not(conn):
    memory = create_memory(conn, "knowledge", TEN, confidence=0.5)
    assert MATCH_THRESHOLD == 0.70
    out = reinforce_from_text(conn, f"we talked about {_words(6)} today")
    assert out.matched == []
    assert get_memory(conn, memory.id).confidence == 0.5
    assert get_memory(conn, memory.id).reference_count == 0
    inside = reinforce_from_text(conn, f"we talked about {_words(7)} today")
    assert [m.id for m in inside.matched] == [memory.id]
    assert inside.matched[0].overlap == 0.7
    after = get_memory(conn, memory.id)
    assert after.confidence == pytest.approx(0.52)
    assert after.reference_count == 1
    assert after.last_referenced_at is not None


@pytest.mark.parametrize(
    "response",
    [
        "As noted, Antoine prefers small reviewable diffs for every change.",
        "Antoine preferred small, reviewable diffs when changing code",
        "antoine is preferring smaller reviewable diff sizes",
    ],
)
def test_paraphrases_reinforce(conn, response):
    memory = create_memory(conn, "preference", "Antoine prefers small reviewable diffs")
    result = reinforce_from_text(conn, response)
    assert [m.id for m in result.matched] == [memory.id]


def test_only_active_memories_are_touched(conn):
    text = "The lateral supports use GF-PTFE pads for thermal stability"
    candidate = create_memory(conn, "project", text, status="candidate", confidence=0.5)
    invalid = create_memory(conn, "project", text + " (old)", confidence=0.5)
    reject_memory(conn, invalid.id)
    superseded = create_memory(conn, "project", "Lateral supports: GF-PTFE pads, thermal")
    supersede_memory(conn, superseded.id)
    result = reinforce_from_text(
        conn, "Yes, lateral supports use GF-PTFE pads for thermal stability"
    )
    assert result.matched == []
    for memory_id in (candidate.id, invalid.id, superseded.id):
        row = get_memory(conn, memory_id)
        assert row.reference_count == 0
    assert get_memory(conn, candidate.id).status == "candidate"
    assert get_memory(conn, invalid.id).status == "invalid"
    assert get_memory(conn, invalid.id).confidence == 0.5


def test_confidence_capped_and_monotonic(conn):
    memory = create_memory(conn, "knowledge", "Zerodur has a near zero expansion", confidence=0.99)
    seen = []
    for _ in range(3):
        reinforce_from_text(conn, "zerodur has near zero expansion indeed")
        seen.append(get_memory(conn, memory.id).confidence)
    assert seen == [1.0, 1.0, 1.0]
    assert get_memory(conn, memory.id).reference_count == 3
    with pytest.raises(InvalidInput):
        reinforce_from_text(conn, "anything", delta=-0.1)


def test_short_memories_ignored(conn):
    create_memory(conn, "preference", "uses SI")
    assert reinforce_from_text(conn, "everything uses SI units").matched == []


def test_project_scope(conn, p05, projects):
    projects("p06")
    mine = create_memory(conn, "project", "Mirror blank supplier is Schott", project="p05")
    other = create_memory(conn, "project", "Mirror blank supplier is Schott", project="p06")
    glob = create_memory(conn, "knowledge", "Schott makes the Zerodur mirror blank")
    result = reinforce_from_text(
        conn, "the mirror blank supplier is Schott, who make Zerodur", project="interferometer"
    )
    assert {m.id for m in result.matched} == {mine.id, glob.id}
    assert get_memory(conn, other.id).reference_count == 0


def test_capture_reinforces_unless_disabled_and_reinforce_is_idempotent(conn):
    memory = create_memory(conn, "knowledge", "The vendor lead time is six weeks", confidence=0.5)
    response = "Remember the vendor lead time is six weeks, so order now."
    off = record_interaction(conn, "when to order?", response, reinforce=False)
    assert off.reinforcement is None
    assert get_memory(conn, memory.id).confidence == 0.5
    on = record_interaction(conn, "when to order parts?", response)
    assert [m.id for m in on.reinforcement.matched] == [memory.id]
    assert get_interaction(conn, on.id).memories_reinforced == [memory.id]
    # re-running reinforcement on the same interaction does not double count
    again = reinforce_interaction(conn, on.id)
    assert again.matched == []
    # backfilling the one captured without reinforcement counts once
    backfill = reinforce_interaction(conn, off.id[:8])
    assert [m.id for m in backfill.matched] == [memory.id]
    final = get_memory(conn, memory.id)
    assert final.reference_count == 2
    assert final.confidence == pytest.approx(0.54)
