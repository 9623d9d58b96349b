"""The review queue: candidates waiting for a person, from any source.

A :class:`ReviewItem` is what ``atocore review`` shows: a title, a body,
where it came from and what existing records it resembles. It is plain
data, so the queue reads the same locally and over HTTP; the review's
actions are the ordinary promote / reject / edit operations of memories
and entities. Memory candidates come from :func:`memory_queue`,
engineering entity candidates from :func:`entity_queue`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.engineering.schemas import Entity
from atocore.errors import InvalidInput
from atocore.interactions.service import forget_interaction, resolve_interaction_id
from atocore.memory.service import (
    Memory,
    MemoryDetail,
    check_type,
    forget_memory,
    get_memory,
    list_memories,
    promote_memory,
    reject_memory,
    review_all_from_interaction,
)
from atocore.memory.tokens import token_set
from atocore.projects.registry import resolve_project_name
from atocore.review_log import list_reviews
from atocore.text import one_line

SIMILAR_LIMIT = 3
SIMILAR_MIN = 0.3  # Jaccard overlap of token sets

ItemKind = Literal["memory", "entity"]


class ReviewItem(BaseModel):
    """One candidate as the reviewer sees it."""

    kind: ItemKind
    id: str
    title: str
    body: str
    provenance: list[str] = Field(default_factory=list)
    similar: list[str] = Field(default_factory=list)  # active records it resembles
    created_at: str = ""
    meta: dict[str, Any] = Field(default_factory=dict)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def similar_memories(conn: Connection, memory: Memory, limit: int = SIMILAR_LIMIT) -> list[str]:
    """One line per active memory (same project or global) resembling ``memory``."""
    mine = token_set(memory.content)
    rows = conn.execute(
        "SELECT id, memory_type, content, project FROM memories "
        "WHERE status = 'active' "
        "AND id != ? AND (project = ? OR project = '')",
        (memory.id, memory.project),
    ).fetchall()
    scored = []
    for row in rows:
        share = _jaccard(mine, token_set(row["content"]))
        if share >= SIMILAR_MIN:
            scored.append((share, row))
    scored.sort(key=lambda item: (-item[0], item[1]["id"]))
    return [
        f"{row['id'][:8]} [{row['memory_type']}] {row['content']} ({share:.0%} similar)"
        for share, row in scored[:limit]
    ]


def memory_provenance(conn: Connection, memory: Memory) -> list[str]:
    lines: list[str] = []
    if memory.source_interaction_id:
        row = conn.execute(
            "SELECT id, prompt, client, session_id, created_at FROM interactions WHERE id = ?",
            (memory.source_interaction_id,),
        ).fetchone()
        if row:
            prompt = one_line(row["prompt"], 100)
            who = f" via {row['client']}" if row["client"] else ""
            lines.append(f"interaction {row['id'][:8]} ({row['created_at']}{who}): “{prompt}”")
        else:
            lines.append(f"interaction {memory.source_interaction_id} (no longer stored)")
    if memory.source_chunk_id:
        lines.append(f"source chunk {memory.source_chunk_id}")
    created = conn.execute(
        "SELECT reason, actor FROM review_log WHERE target_kind = 'memory' AND target_id = ? "
        "AND action = 'create' ORDER BY id LIMIT 1",
        (memory.id,),
    ).fetchone()
    if created and created["reason"]:
        lines.append(f"{created['reason']} (by {created['actor']})")
    if not lines:
        lines.append("added by hand")
    return lines


def memory_item(conn: Connection, memory: Memory) -> ReviewItem:
    scope = memory.project or "global"
    return ReviewItem(
        kind="memory",
        id=memory.id,
        title=f"{memory.memory_type} · {scope} · confidence {memory.confidence:.2f}",
        body=memory.content,
        provenance=memory_provenance(conn, memory),
        similar=similar_memories(conn, memory),
        created_at=memory.created_at,
        meta={
            "memory_type": memory.memory_type,
            "project": memory.project,
            "confidence": memory.confidence,
            "status": memory.status,
        },
    )


def memory_queue(
    conn: Connection,
    *,
    memory_type: str | None = None,
    project: str | None = None,
    limit: int = 200,
) -> list[ReviewItem]:
    """Candidate memories, oldest first."""
    candidates = list_memories(
        conn,
        memory_type=memory_type or None,
        project=resolve_project_name(project) if project else None,
        status="candidate",
        oldest_first=True,
        limit=limit,
    )
    return [memory_item(conn, memory) for memory in candidates]


# --- engineering entities --------------------------------------------------------


def _entity_body(entity: Entity) -> str:
    lines = [entity.name]
    for key in sorted(entity.attributes):
        value = entity.attributes[key]
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"{key}: {value}")
    return "\n".join(lines)


def _entity_provenance(entity: Entity) -> list[str]:
    lines = [
        ", ".join(f"{k}={v}" for k, v in ref.items() if v not in (None, ""))
        for ref in entity.source_refs
    ]
    return lines or ["no source recorded"]


def entity_item(entity: Entity) -> ReviewItem:
    title = f"{entity.entity_type} · {entity.project or 'global'}"
    title += f" · confidence {entity.confidence:.2f}"
    return ReviewItem(
        kind="entity",
        id=entity.id,
        title=title,
        body=_entity_body(entity),
        provenance=_entity_provenance(entity),
        created_at=entity.created_at,
        meta={"entity_type": entity.entity_type, "project": entity.project, "name": entity.name},
    )


def entity_queue(
    conn: Connection,
    *,
    project: str | None = None,
    entity_type: str | None = None,
    limit: int = 200,
) -> list[ReviewItem]:
    """Engineering entity candidates, oldest first."""
    from atocore.engineering.review import list_entity_candidates

    entities = list_entity_candidates(
        conn, project=resolve_project_name(project) if project else None, entity_type=entity_type
    )
    items = [entity_item(entity) for entity in entities]
    items.sort(key=lambda item: (item.created_at, item.id))
    return items[:limit]


def review_queue(
    conn: Connection,
    *,
    entities: bool = False,
    memory_type: str | None = None,
    project: str | None = None,
    entity_type: str | None = None,
    limit: int = 200,
) -> list[ReviewItem]:
    """The candidates a reviewer walks, oldest first: memories, or with
    ``entities`` engineering entities (each kind has its own type filter)."""
    if entity_type and not entities:
        raise InvalidInput("--entity-type needs --entities")
    if memory_type and entities:
        raise InvalidInput("--type filters memories; use --entity-type with --entities")
    if entities:
        return entity_queue(conn, project=project, entity_type=entity_type, limit=limit)
    if memory_type:
        check_type(memory_type)
    return memory_queue(conn, memory_type=memory_type, project=project, limit=limit)


def review_item(conn: Connection, kind: ItemKind, item_id: str) -> ReviewItem:
    """One candidate as it stands now: what it resembles is computed afresh,
    so a twin of a record promoted a moment ago shows."""
    if kind == "memory":
        return memory_item(conn, get_memory(conn, item_id))
    from atocore.engineering.entities import find_entity

    return entity_item(find_entity(conn, item_id))


def forget_memory_and_source(
    conn: Connection, memory_id: str, *, reason: str = "", actor: str | None = None
) -> dict:
    """Forget a memory and the captured interaction it was extracted from (if
    still stored), in one transaction; the result names that interaction."""
    with transaction(conn):
        memory = get_memory(conn, memory_id)
        source = memory.source_interaction_id
        if (
            source
            and not conn.execute("SELECT 1 FROM interactions WHERE id = ?", (source,)).fetchone()
        ):
            source = None
        result = forget_memory(conn, memory.id, reason=reason, actor=actor)
        if source:
            forget_interaction(conn, source, reason=reason, actor=actor)
    return {**result, "interaction_forgotten": source}


def review_memories(
    conn: Connection,
    action: str,
    memory_ids: list[str] | None = None,
    *,
    interaction: str | None = None,
    reason: str = "",
    actor: str | None = None,
) -> list[Memory]:
    """Promote or reject several memories, or every candidate of one interaction
    (exactly one of the two), all or nothing."""
    memory_ids = memory_ids or []
    if bool(memory_ids) == bool(interaction):
        raise InvalidInput("give memory ids or --all-from-interaction ID (one of the two)")
    if action not in ("promote", "reject"):
        raise InvalidInput(f"unknown review action {action!r}")
    if interaction:
        full = resolve_interaction_id(conn, interaction)
        return review_all_from_interaction(conn, full, action, reason=reason, actor=actor)
    review = promote_memory if action == "promote" else reject_memory
    with transaction(conn):
        return [review(conn, memory_id, reason=reason, actor=actor) for memory_id in memory_ids]


def memory_detail(conn: Connection, memory_id: str) -> MemoryDetail:
    """A memory with where it came from and its review history."""
    memory = get_memory(conn, memory_id)
    history = list_reviews(conn, target_kind="memory", target_id=memory.id)
    return MemoryDetail(
        memory=memory,
        provenance=memory_provenance(conn, memory),
        history=list(reversed(history)),
    )
