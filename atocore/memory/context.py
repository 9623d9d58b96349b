"""The memory slot of a context pack.

Only ACTIVE memories are ever offered (candidates, superseded, invalid and
graduated memories never reach a pack). Memories of the pack's project come
before global ones (project ''); within that, memories sharing more tokens
with the prompt come first, then higher confidence and more references.
Blocks are added while they fit ``budget_chars``.
"""

from __future__ import annotations

from typing import Any

from atocore.context.blocks import ContextBlock
from atocore.memory.tokens import overlap, tokens
from atocore.projects.registry import resolve_project_name

# Identity and preference memories describe the user: useful in any pack
# even without token overlap with the prompt.
_ALWAYS_RELEVANT = ("identity", "preference")


def format_memory(memory_type: str, content: str) -> str:
    return f"[{memory_type}] {content.strip()}"


def memory_blocks(conn: Any, project: str, prompt: str, budget_chars: int) -> list[ContextBlock]:
    """Active memories relevant to ``prompt`` / ``project``, within the budget.

    A block's cost is ``len(block.text)``; the sum never exceeds
    ``budget_chars``.
    """
    if budget_chars <= 0:
        return []
    project = resolve_project_name(project)
    rows = conn.execute(
        "SELECT id, memory_type, content, project, confidence, reference_count "
        "FROM memories WHERE status = 'active' AND (project = ? OR project = '')",
        (project,),
    ).fetchall()
    prompt_tokens = tokens(prompt)
    scored = []
    for row in rows:
        mem_tokens = tokens(row["content"])
        shared = len(mem_tokens & prompt_tokens)
        relevance = overlap(mem_tokens, prompt_tokens)
        if shared == 0 and row["memory_type"] not in _ALWAYS_RELEVANT:
            continue
        project_match = 1 if (project and row["project"] == project) else 0
        score = relevance + 0.1 * float(row["confidence"]) + 0.2 * project_match
        scored.append((score, shared, row))
    scored.sort(
        key=lambda item: (
            -item[0],
            -item[1],
            -float(item[2]["confidence"]),
            -int(item[2]["reference_count"]),
            item[2]["id"],
        )
    )
    blocks: list[ContextBlock] = []
    used = 0
    for score, _shared, row in scored:
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
                },
            )
        )
    return blocks
