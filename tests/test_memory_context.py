"""The memory slot of context packs: scope, ranking, budget, statuses."""

from __future__ import annotations

from atocore.memory.context import memory_blocks
from atocore.memory.service import create_memory, reject_memory, supersede_memory


def test_rare_shared_words_rank_above_common_ones(conn):
    common = [
        create_memory(conn, "knowledge", f"The mirror note number {n} about coatings")
        for n in ("one", "two", "three")
    ]
    rare = create_memory(conn, "knowledge", "Mirror blank supplier is Schott")
    blocks = memory_blocks(conn, "", "who is the mirror blank supplier?", 2000)
    assert blocks[0].source == rare.id
    assert {b.source for b in blocks} == {rare.id, *(m.id for m in common)}


def test_without_project_all_relevant_memories_qualify(conn, projects):
    projects("p05", "p06")
    p05 = create_memory(conn, "project", "Interferometer stand uses a HeNe laser", project="p05")
    unrelated = create_memory(conn, "project", "Polisher spindle runs at 60 rpm", project="p06")
    blocks = memory_blocks(conn, "", "which laser does the interferometer use?", 2000)
    assert [b.source for b in blocks] == [p05.id]
    assert unrelated.id not in [b.source for b in blocks]


def test_project_memories_beat_global_at_equal_relevance(conn, p05):
    glob = create_memory(conn, "knowledge", "Lateral supports use PTFE pads")
    mine = create_memory(conn, "project", "Lateral supports use PTFE pads", project="p05")
    blocks = memory_blocks(conn, "interferometer", "lateral supports pads", 2000)
    assert [b.source for b in blocks] == [mine.id, glob.id]
    assert blocks[0].meta["project"] == "p05-interferometer"


def test_history_never_enters_the_pack(conn):
    rejected = create_memory(conn, "knowledge", "Pads are made of PTFE")
    reject_memory(conn, rejected.id)
    old = create_memory(conn, "knowledge", "Pads are glued with RTV silicone")
    _, new = supersede_memory(conn, old.id, new_content="Pads are glued with epoxy")
    create_memory(conn, "knowledge", "Pads are PEEK candidates", status="candidate")
    blocks = memory_blocks(conn, "", "what are the pads made of and glued with?", 2000)
    assert [b.source for b in blocks] == [new.id]
    assert blocks[0].text == "[knowledge] Pads are glued with epoxy"


def test_budget_is_respected_and_smaller_blocks_fill_gaps(conn):
    long_one = create_memory(conn, "knowledge", "Pads " + "very long detail " * 20)
    short = create_memory(conn, "knowledge", "Pads are PTFE")
    blocks = memory_blocks(conn, "", "pads", 60)
    assert [b.source for b in blocks] == [short.id]
    assert sum(len(b.text) for b in blocks) <= 60
    assert long_one.id not in [b.source for b in blocks]
