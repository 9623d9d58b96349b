"""The memory token index stays in step with the memories it indexes."""

from __future__ import annotations

from atocore.memory.context import memory_blocks
from atocore.memory.index import META_KEY, ensure_indexed
from atocore.memory.reinforcement import reinforce_from_text
from atocore.memory.service import create_memory, edit_memory, forget_memory
from atocore.memory.tokens import token_set


def _tokens_of(conn, memory_id: str) -> set[str]:
    rows = conn.execute("SELECT token FROM memory_tokens WHERE memory_id = ?", (memory_id,))
    return {row[0] for row in rows}


def test_create_and_edit_keep_the_index_current(conn):
    memory = create_memory(conn, "knowledge", "Pads are glued with RTV silicone")
    assert _tokens_of(conn, memory.id) == set(token_set("Pads are glued with RTV silicone"))
    edit_memory(conn, memory.id, content="Pads are bolted with titanium screws")
    assert "rtv" not in _tokens_of(conn, memory.id)
    assert reinforce_from_text(conn, "pads glued with RTV silicone").matched == []
    matched = reinforce_from_text(conn, "the pads are bolted with titanium screws")
    assert [m.id for m in matched.matched] == [memory.id]


def test_forget_leaves_no_tokens_behind(conn):
    memory = create_memory(conn, "identity", "Lives at 12 Secret Lane Springfield")
    forget_memory(conn, memory.id)
    assert conn.execute("SELECT count(*) FROM memory_tokens").fetchone()[0] == 0
    assert (
        conn.execute("SELECT count(*) FROM memory_tokens WHERE token = 'secret'").fetchone()[0] == 0
    )


def test_rows_written_by_other_paths_are_indexed_on_demand(conn):
    conn.execute(
        "INSERT INTO memories (id, memory_type, content, project, status, confidence, "
        "created_at, updated_at) VALUES ('raw', 'knowledge', 'Zerodur blank from Schott', '', "
        "'active', 1.0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
    )
    blocks = memory_blocks(conn, "", "who makes the zerodur blank?", 500)
    assert [b.source for b in blocks] == ["raw"]
    assert conn.execute("SELECT token_count FROM memories WHERE id = 'raw'").fetchone()[0] == 3
    assert ensure_indexed(conn) == 0


def test_tokenizer_version_change_rebuilds(conn):
    memory = create_memory(conn, "knowledge", "Invar frame keeps the focus stable")
    conn.execute("UPDATE meta SET value = 'old' WHERE key = ?", (META_KEY,))
    conn.execute("DELETE FROM memory_tokens")  # e.g. tokens from an older tokenizer
    assert ensure_indexed(conn) == 1
    assert _tokens_of(conn, memory.id) == set(token_set(memory.content))
    assert conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()[0] == "1"
