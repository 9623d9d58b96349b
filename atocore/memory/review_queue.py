"""The review queue: candidates waiting for a person, from any source.

A ``QueueItem`` is what the interactive ``atocore review`` shows and acts
on: a title, a body, where it came from, what existing records it
resembles, and the actions (promote, reject, edit) bound to the database.
Memory candidates come from :func:`memory_queue`; engineering entity
candidates from :func:`entity_queue`, which plugs in
``atocore.engineering.review``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.errors import InvalidInput, OperationFailed
from atocore.interactions.service import forget_interaction, resolve_interaction_id
from atocore.memory.service import (
    Memory,
    MemoryDetail,
    edit_memory,
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


@dataclass
class QueueItem:
    kind: str  # "memory" or "entity"
    id: str
    title: str
    body: str
    provenance: list[str] = field(default_factory=list)
    similar: list[str] = field(default_factory=list)
    created_at: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    promote: Callable[[str], Any] | None = None  # reason -> updated record
    reject: Callable[[str], Any] | None = None  # reason -> updated record
    edit: Callable[[str], Any] | None = None  # new body -> updated record
    find_similar: Callable[[], list[str]] | None = None  # recomputes ``similar``

    def resembles(self) -> list[str]:
        """What this item resembles now: a twin promoted a moment ago counts."""
        if self.find_similar is not None:
            self.similar = self.find_similar()
        return self.similar

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "provenance": self.provenance,
            "similar": self.similar,
            "created_at": self.created_at,
            "meta": self.meta,
        }


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


def memory_item(conn: Connection, memory: Memory) -> QueueItem:
    scope = memory.project or "global"
    return QueueItem(
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
        promote=lambda reason: promote_memory(conn, memory.id, reason=reason),
        reject=lambda reason: reject_memory(conn, memory.id, reason=reason),
        edit=lambda text: edit_memory(conn, memory.id, content=text, reason="edited in review"),
        find_similar=lambda: similar_memories(conn, memory),
    )


def memory_queue(
    conn: Connection,
    *,
    memory_type: str | None = None,
    project: str | None = None,
    limit: int = 200,
) -> list[QueueItem]:
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


def _entity_review_module() -> Any:
    try:
        from atocore.engineering import review
    except ImportError as exc:
        raise OperationFailed(
            "engineering entity review is not available in this build "
            f"(atocore.engineering.review: {exc})"
        ) from exc
    return review


def _get(record: Any, name: str, default: Any = None) -> Any:
    if isinstance(record, dict):
        return record.get(name, default)
    return getattr(record, name, default)


def _entity_body(entity: Any) -> str:
    attributes = _get(entity, "attributes") or {}
    lines = [str(_get(entity, "name", ""))]
    for key in sorted(attributes):
        value = attributes[key]
        if not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"{key}: {value}")
    return "\n".join(lines)


def _entity_provenance(entity: Any) -> list[str]:
    lines = []
    for ref in _get(entity, "source_refs") or []:
        if isinstance(ref, dict):
            lines.append(", ".join(f"{k}={v}" for k, v in ref.items() if v not in (None, "")))
        elif hasattr(ref, "model_dump"):
            data = ref.model_dump()
            lines.append(", ".join(f"{k}={v}" for k, v in data.items() if v not in (None, "")))
        else:
            lines.append(str(ref))
    return lines or ["no source recorded"]


def _parse_entity_edit(text: str) -> tuple[str, dict[str, Any]]:
    """First line = name; ``key: value`` lines = attributes (values JSON when they parse)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return "", {}
    attributes: dict[str, Any] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip()
        try:
            attributes[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            attributes[key.strip()] = value
    return lines[0].strip(), attributes


def entity_item(conn: Connection, entity: Any, review: Any) -> QueueItem:
    entity_id = str(_get(entity, "id"))
    project = _get(entity, "project", "") or "global"
    confidence = _get(entity, "confidence", None)
    title = f"{_get(entity, 'entity_type', 'entity')} · {project}"
    if confidence is not None:
        title += f" · confidence {float(confidence):.2f}"

    def edit(text: str) -> Any:
        name, attributes = _parse_entity_edit(text)
        kwargs: dict[str, Any] = {}
        if name:
            kwargs["name"] = name
        if attributes:
            kwargs["attributes"] = attributes
        return review.edit_entity(conn, entity_id, **kwargs)

    return QueueItem(
        kind="entity",
        id=entity_id,
        title=title,
        body=_entity_body(entity),
        provenance=_entity_provenance(entity),
        similar=[],
        created_at=str(_get(entity, "created_at", "")),
        meta={
            "entity_type": _get(entity, "entity_type"),
            "project": _get(entity, "project", ""),
            "name": _get(entity, "name"),
        },
        promote=lambda reason: review.promote_entity(conn, entity_id, reason=reason),
        reject=lambda reason: review.reject_entity(conn, entity_id, reason=reason),
        edit=edit if hasattr(review, "edit_entity") else None,
    )


def entity_queue(
    conn: Connection,
    *,
    project: str | None = None,
    entity_type: str | None = None,
    limit: int = 200,
) -> list[QueueItem]:
    """Engineering entity candidates (from ``atocore.engineering.review``), oldest first."""
    review = _entity_review_module()
    entities = review.list_entity_candidates(
        conn, project=resolve_project_name(project) if project else None, entity_type=entity_type
    )
    items = [entity_item(conn, entity, review) for entity in entities]
    items.sort(key=lambda item: (item.created_at, item.id))
    return items[:limit]


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
