"""Reinforcement: an LLM response that restates an active memory confirms it.

Matching is token overlap, simple and explainable: both sides are
tokenized (lowercase, stop words dropped, light stemming of -s/-ed/-ing);
a memory matches when at least 70 % of its tokens appear in the response.
A match raises the memory's confidence by a small step (capped at 1.0),
bumps its reference count and records when it was last referenced.

Only ACTIVE memories are considered. Candidates, superseded, invalid and
graduated memories are never touched: reinforcement must not revive
history or promote anything.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.errors import InvalidInput
from atocore.memory.index import ensure_indexed, tokens_param
from atocore.memory.service import normalize_content
from atocore.memory.tokens import overlap, token_set
from atocore.projects.registry import resolve_project_name
from atocore.timeutil import now_utc

MATCH_THRESHOLD = 0.70
DEFAULT_CONFIDENCE_DELTA = 0.02
MIN_MEMORY_CHARS = 12  # shorter memories ("uses SI") match too much by accident


class ReinforcedMemory(BaseModel):
    id: str
    content: str
    overlap: float
    confidence_before: float
    confidence_after: float
    reference_count: int


class ReinforcementResult(BaseModel):
    matched: list[ReinforcedMemory] = Field(default_factory=list)
    considered: int = 0


def memory_matches(memory_content: str, response_tokens: frozenset[str] | set[str]) -> float | None:
    """The overlap share when ``memory_content`` matches, else None."""
    if len(normalize_content(memory_content)) < MIN_MEMORY_CHARS:
        return None
    memory_tokens = token_set(memory_content)
    if not memory_tokens:
        return None
    share = overlap(memory_tokens, response_tokens)
    return share if share >= MATCH_THRESHOLD else None


def reinforce_from_text(
    conn: Connection,
    text: str,
    *,
    project: str | None = "",
    delta: float = DEFAULT_CONFIDENCE_DELTA,
    skip_ids: set[str] | frozenset[str] = frozenset(),
) -> ReinforcementResult:
    """Reinforce the active memories that ``text`` restates.

    With a project, that project's memories and global ones (project '')
    are considered; with ``project`` empty or None, every active memory.
    ``skip_ids`` are left alone (already reinforced by the same text).
    """
    if not 0.0 <= delta <= 1.0:
        raise InvalidInput(f"confidence delta must be between 0 and 1, got {delta}")
    result = ReinforcementResult()
    response_tokens = token_set(text)
    if not response_tokens:
        return result
    project = resolve_project_name(project)
    scope, params = (
        ("", ()) if not project else (" AND (m.project = ? OR m.project = '')", (project,))
    )
    now = now_utc()
    with transaction(conn):
        ensure_indexed(conn)
        result.considered = conn.execute(
            "SELECT count(*) FROM memories m WHERE m.status = 'active'" + scope, params
        ).fetchone()[0]
        # The index narrows the field to memories sharing enough tokens; the
        # exact rule (memory_matches) has the last word.
        rows = conn.execute(
            "SELECT m.id, m.content, m.confidence, m.reference_count FROM memory_tokens t "
            "CROSS JOIN memories m ON m.id = t.memory_id "
            "WHERE t.token IN (SELECT value FROM json_each(?)) AND m.status = 'active'"
            + scope
            + " GROUP BY m.id HAVING count(*) * 100 >= ? * m.token_count "
            "ORDER BY m.created_at, m.rowid",
            (tokens_param(response_tokens), *params, int(MATCH_THRESHOLD * 100)),
        ).fetchall()
        for row in rows:
            if row["id"] in skip_ids:
                continue
            share = memory_matches(row["content"], response_tokens)
            if share is None:
                continue
            before = float(row["confidence"])
            after = max(before, min(1.0, round(before + delta, 6)))
            conn.execute(
                "UPDATE memories SET confidence = ?, reference_count = reference_count + 1, "
                "last_referenced_at = ?, updated_at = ? WHERE id = ? AND status = 'active'",
                (after, now, now, row["id"]),
            )
            result.matched.append(
                ReinforcedMemory(
                    id=row["id"],
                    content=row["content"],
                    overlap=round(share, 4),
                    confidence_before=before,
                    confidence_after=after,
                    reference_count=int(row["reference_count"]) + 1,
                )
            )
    return result
