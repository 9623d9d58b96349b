"""The memory token index: which memories share words with a text.

``memory_tokens(token, memory_id)`` holds the :func:`~atocore.memory.tokens.token_set`
of every memory; ``memories.token_count`` its size (NULL = not indexed yet).
The memory service keeps both current on create and edit, deletes cascade;
:func:`ensure_indexed` catches up on rows written by other paths (old
databases, restores, hand edits) and rebuilds everything when the
tokenizer version changes. Ranking and reinforcement then ask SQLite for
the few memories sharing tokens instead of tokenizing every memory.
"""

from __future__ import annotations

import json

from atocore.db import transaction
from atocore.db.connection import sqlite_module
from atocore.db.types import Connection
from atocore.memory.tokens import TOKENS_VERSION, token_set

META_KEY = "memory_tokens_version"


def index_memory(conn: Connection, memory_id: str, content: str) -> int:
    """(Re)write the tokens of one memory; returns how many it has."""
    toks = sorted(token_set(content))
    conn.execute("DELETE FROM memory_tokens WHERE memory_id = ?", (memory_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO memory_tokens (token, memory_id) VALUES (?, ?)",
        [(token, memory_id) for token in toks],
    )
    conn.execute("UPDATE memories SET token_count = ? WHERE id = ?", (len(toks), memory_id))
    return len(toks)


def ensure_indexed(conn: Connection) -> int:
    """Index memories that are not indexed yet; returns how many were.

    A read-only or busy database is left as it is (the unindexed memories
    simply do not match until a writer catches up).
    """
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (META_KEY,)).fetchone()
        stale = row is None or row[0] != TOKENS_VERSION
        if (
            not stale
            and not conn.execute(
                "SELECT 1 FROM memories WHERE token_count IS NULL LIMIT 1"
            ).fetchone()
        ):
            return 0
        with transaction(conn):
            if stale:
                conn.execute("DELETE FROM memory_tokens")
                conn.execute("UPDATE memories SET token_count = NULL")
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (META_KEY, TOKENS_VERSION),
                )
            rows = conn.execute(
                "SELECT id, content FROM memories WHERE token_count IS NULL"
            ).fetchall()
            for memory_id, content in rows:
                index_memory(conn, memory_id, content)
        return len(rows)
    except sqlite_module().OperationalError:
        return 0


def tokens_param(toks: frozenset[str] | set[str]) -> str:
    """A token set as one JSON parameter, for ``IN (SELECT value FROM json_each(?))``."""
    return json.dumps(sorted(toks))
