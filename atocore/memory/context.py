"""The memory slot of a context pack.

Only ACTIVE memories are ever offered: candidates, superseded, invalid and
graduated memories never reach a pack.

Which memories: with a project, that project's memories and global ones
(project ''); without one, all of them. A memory qualifies when it shares
at least one token with the prompt, except identity and preference
memories, which describe the user and qualify for every pack.

Ranking: shared tokens weighted by rarity across the candidate memories
(a word every memory uses says little), normalised by the memory's length
so a short precise memory beats a long one mentioning the same word; then
a bonus for the pack's own project, then confidence and reference count
(what reinforcement raises). Blocks are added while they fit
``budget_chars`` (a block costs ``len(block.text)``).
"""

from __future__ import annotations

import json
import math
from typing import Any

from atocore.context.blocks import ContextBlock, fit_budget
from atocore.db.types import Connection
from atocore.memory.index import ensure_indexed, tokens_param
from atocore.memory.tokens import token_set
from atocore.projects.registry import resolve_project_name

ALWAYS_RELEVANT = ("identity", "preference")
PROJECT_BONUS = 0.25
CONFIDENCE_WEIGHT = 0.1


def format_memory(memory_type: str, content: str) -> str:
    return f"[{memory_type}] {content.strip()}"


_COLUMNS = "m.id, m.memory_type, m.content, m.project, m.confidence, m.reference_count"


def _scope(project: str) -> tuple[str, tuple]:
    if project:
        return " AND (m.project = ? OR m.project = '')", (project,)
    return "", ()


def rank_memories(conn: Connection, project: str, prompt: str) -> list[tuple[float, Any]]:
    """``(score, row)`` for every qualifying active memory, best first."""
    ensure_indexed(conn)
    scope_sql, scope_params = _scope(project)
    prompt_tokens = token_set(prompt)
    shared: dict[str, set[str]] = {}
    if prompt_tokens:
        pairs = conn.execute(
            # CROSS JOIN: walk the prompt's tokens first, never every memory
            "SELECT t.memory_id, t.token FROM memory_tokens t CROSS JOIN memories m "
            "ON m.id = t.memory_id WHERE t.token IN (SELECT value FROM json_each(?)) "
            "AND m.status = 'active'" + scope_sql,
            (tokens_param(prompt_tokens), *scope_params),
        ).fetchall()
        for memory_id, token in pairs:
            shared.setdefault(memory_id, set()).add(token)
    marks = ",".join("?" for _ in ALWAYS_RELEVANT)
    rows = conn.execute(
        f"SELECT {_COLUMNS}, m.token_count FROM memories m WHERE m.status = 'active'"
        + scope_sql
        + f" AND m.memory_type IN ({marks}) UNION "
        f"SELECT {_COLUMNS}, m.token_count FROM memories m "
        "WHERE m.id IN (SELECT value FROM json_each(?))",
        (*scope_params, *ALWAYS_RELEVANT, json.dumps(sorted(shared))),
    ).fetchall()
    if not rows:
        return []
    total = conn.execute(
        "SELECT count(*) FROM memories m WHERE m.status = 'active'" + scope_sql, scope_params
    ).fetchone()[0]
    frequency: dict[str, int] = {}
    for toks in shared.values():
        for token in toks:
            frequency[token] = frequency.get(token, 0) + 1
    scored: list[tuple[float, Any]] = []
    for row in rows:
        mine = shared.get(row["id"], set())
        weight = sum(math.log(1 + total / frequency[t]) for t in mine)
        relevance = weight / math.sqrt(max(row["token_count"] or len(mine) or 1, 1))
        score = relevance + CONFIDENCE_WEIGHT * float(row["confidence"])
        if project and row["project"] == project:
            score += PROJECT_BONUS
        scored.append((score, row))
    scored.sort(key=lambda item: (-item[0], -int(item[1]["reference_count"]), item[1]["id"]))
    return scored


def memory_blocks(
    conn: Connection, project: str, prompt: str, budget_chars: int
) -> list[ContextBlock]:
    """Active memories relevant to ``prompt`` / ``project``, within the budget.

    The sum of ``len(block.text)`` never exceeds ``budget_chars``.
    """
    if budget_chars <= 0:
        return []
    project = resolve_project_name(project)
    texts = (
        (format_memory(row["memory_type"], row["content"]), (score, row))
        for score, row in rank_memories(conn, project, prompt)
    )
    return [
        ContextBlock(
            kind="memory",
            label=f"memory {row['memory_type']}"
            + (f" ({row['project']})" if row["project"] else ""),
            text=text,
            source=row["id"],
            score=round(score, 4),
            meta={
                "memory_type": row["memory_type"],
                "project": row["project"],
                "confidence": float(row["confidence"]),
                "reference_count": int(row["reference_count"]),
            },
        )
        for text, (score, row) in fit_budget(texts, budget_chars)
    ]
