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

import math
from typing import Any

from atocore.context.blocks import ContextBlock
from atocore.memory.tokens import tokens
from atocore.projects.registry import resolve_project_name

ALWAYS_RELEVANT = ("identity", "preference")
PROJECT_BONUS = 0.25
CONFIDENCE_WEIGHT = 0.1


def format_memory(memory_type: str, content: str) -> str:
    return f"[{memory_type}] {content.strip()}"


def _candidates(conn: Any, project: str) -> list[Any]:
    sql = (
        "SELECT id, memory_type, content, project, confidence, reference_count "
        "FROM memories WHERE status = 'active'"
    )
    if project:
        return conn.execute(sql + " AND (project = ? OR project = '')", (project,)).fetchall()
    return conn.execute(sql).fetchall()


def rank_memories(conn: Any, project: str, prompt: str) -> list[tuple[float, Any]]:
    """``(score, row)`` for every qualifying active memory, best first."""
    rows = _candidates(conn, project)
    if not rows:
        return []
    prompt_tokens = tokens(prompt)
    memory_tokens = {row["id"]: tokens(row["content"]) for row in rows}
    frequency: dict[str, int] = {}
    for toks in memory_tokens.values():
        for token in toks & prompt_tokens:
            frequency[token] = frequency.get(token, 0) + 1
    total = len(rows)
    scored: list[tuple[float, Any]] = []
    for row in rows:
        toks = memory_tokens[row["id"]]
        shared = toks & prompt_tokens
        if not shared and row["memory_type"] not in ALWAYS_RELEVANT:
            continue
        weight = sum(math.log(1 + total / frequency[t]) for t in shared)
        relevance = weight / math.sqrt(max(len(toks), 1))
        score = relevance + CONFIDENCE_WEIGHT * float(row["confidence"])
        if project and row["project"] == project:
            score += PROJECT_BONUS
        scored.append((score, row))
    scored.sort(
        key=lambda item: (
            -item[0],
            -int(item[1]["reference_count"]),
            item[1]["id"],
        )
    )
    return scored


def memory_blocks(conn: Any, project: str, prompt: str, budget_chars: int) -> list[ContextBlock]:
    """Active memories relevant to ``prompt`` / ``project``, within the budget.

    The sum of ``len(block.text)`` never exceeds ``budget_chars``.
    """
    if budget_chars <= 0:
        return []
    project = resolve_project_name(project)
    blocks: list[ContextBlock] = []
    used = 0
    for score, row in rank_memories(conn, project, prompt):
        text = format_memory(row["memory_type"], row["content"])
        if used + len(text) > budget_chars:
            continue
        used += len(text)
        blocks.append(
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
        )
    return blocks
