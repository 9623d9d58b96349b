"""Memories: create, read, edit and move through their lifecycle.

Lifecycle::

    candidate ──promote──▶ active ──supersede──▶ superseded
        │                    │
        └──reject──▶ invalid ◀┘ (reject / invalidate)
                             active ──graduate──▶ graduated (engineering layer)

``forget`` hard-deletes a memory in any status (privacy); its review-log
row keeps the id, type and status but never the content.

Every status change writes a review-log row in the same transaction.
Projects are canonicalized through the registry on every read and write.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from pydantic import BaseModel

from atocore.db import transaction
from atocore.db.rows import equal_filters, from_row, resolve_id
from atocore.db.types import Connection
from atocore.errors import ConflictError, InvalidInput, NotFound
from atocore.memory.index import index_memory
from atocore.projects.known import require_known_project
from atocore.review_log import ReviewEntry, record_review
from atocore.timeutil import now_utc

MEMORY_TYPES = ("identity", "preference", "project", "episodic", "knowledge", "adaptation")
MEMORY_STATUSES = ("candidate", "active", "superseded", "invalid", "graduated")
MAX_CONTENT_CHARS = 4000
MAX_LIST_LIMIT = 1000
TARGET_KIND = "memory"


class Memory(BaseModel):
    id: str
    memory_type: str
    content: str
    project: str
    status: str
    confidence: float
    source_chunk_id: str | None = None
    source_interaction_id: str | None = None
    reference_count: int = 0
    last_referenced_at: str | None = None
    superseded_by: str | None = None
    graduated_to: str | None = None
    created_at: str
    updated_at: str


class MemoryDetail(BaseModel):
    """One memory as ``memory show`` and ``GET /memory/{id}`` give it."""

    memory: Memory
    provenance: list[str]
    history: list[ReviewEntry]  # oldest first


class Supersession(BaseModel):
    superseded: Memory
    replacement: Memory | None = None


def normalize_content(text: str) -> str:
    """Lowercase, collapse whitespace, drop trailing punctuation (for duplicate checks)."""
    return re.sub(r"\s+", " ", (text or "").strip().lower()).rstrip(" .!;:")


# --- validation ----------------------------------------------------------------


def check_type(memory_type: str) -> str:
    if memory_type not in MEMORY_TYPES:
        raise InvalidInput(
            f"invalid memory type {memory_type!r}; choose one of: {', '.join(MEMORY_TYPES)}"
        )
    return memory_type


def check_status(status: str) -> str:
    if status not in MEMORY_STATUSES:
        raise InvalidInput(
            f"invalid memory status {status!r}; choose one of: {', '.join(MEMORY_STATUSES)}"
        )
    return status


def check_confidence(confidence: float) -> float:
    try:
        value = float(confidence)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"confidence must be a number, got {confidence!r}") from exc
    if not 0.0 <= value <= 1.0 or value != value:  # NaN check
        raise InvalidInput(f"confidence must be between 0 and 1, got {confidence}")
    return value


def check_content(content: str) -> str:
    content = (content or "").strip()
    if not content:
        raise InvalidInput("memory content must be non-empty")
    if len(content) > MAX_CONTENT_CHARS:
        raise InvalidInput(
            f"memory content is {len(content)} characters; the limit is {MAX_CONTENT_CHARS}"
        )
    return content


# --- reading -------------------------------------------------------------------


def _memory(row: Any) -> Memory:
    return from_row(Memory, row)


def resolve_memory_id(conn: Connection, memory_id: str) -> str:
    """The full id for ``memory_id`` or a unique prefix of it (≥ 4 characters)."""
    return resolve_id(conn, "memories", memory_id, "memory")


def get_memory(conn: Connection, memory_id: str) -> Memory:
    full_id = resolve_memory_id(conn, memory_id)
    row = conn.execute("SELECT * FROM memories WHERE id = ?", (full_id,)).fetchone()
    return _memory(row)


def list_memories(
    conn: Connection,
    *,
    memory_type: str | None = None,
    project: str | None = None,
    status: str | None = None,
    source_interaction_id: str | None = None,
    oldest_first: bool = False,
    limit: int = 100,
) -> list[Memory]:
    """Memories matching every given filter; newest first unless ``oldest_first``.

    ``project=None`` means any project; ``project=""`` means global memories only.
    """
    where, params = equal_filters(
        memory_type=memory_type and check_type(memory_type),
        status=status and check_status(status),
        source_interaction_id=source_interaction_id,
    )
    if project is not None:  # "" is a filter too: global memories only
        where += " AND project = ?"
        params.append(require_known_project(conn, project, for_write=False))
    sql = "SELECT * FROM memories WHERE 1=1" + where
    order = "ASC" if oldest_first else "DESC"
    sql += f" ORDER BY created_at {order}, rowid {order} LIMIT ?"
    params.append(min(max(int(limit), 1), MAX_LIST_LIMIT))
    return [_memory(row) for row in conn.execute(sql, params)]


def find_duplicate(
    conn: Connection,
    content: str,
    *,
    project: str,
    statuses: tuple[str, ...] = ("active",),
    exclude_id: str | None = None,
) -> Memory | None:
    """A memory in ``statuses`` of the same project whose content is the same text."""
    wanted = normalize_content(content)
    marks = ",".join("?" for _ in statuses)
    rows = conn.execute(
        f"SELECT * FROM memories WHERE project = ? AND status IN ({marks})",
        (project, *statuses),
    ).fetchall()
    for row in rows:
        if row["id"] != exclude_id and normalize_content(row["content"]) == wanted:
            return _memory(row)
    return None


# --- writing -------------------------------------------------------------------


def create_memory(
    conn: Connection,
    memory_type: str,
    content: str,
    *,
    project: str = "",
    status: str = "active",
    confidence: float = 1.0,
    source_chunk_id: str | None = None,
    source_interaction_id: str | None = None,
    reason: str = "",
    actor: str | None = None,
) -> Memory:
    """Store a new memory (active when a person adds it, candidate when proposed).

    Refuses (ConflictError) a memory whose text duplicates an active or
    candidate memory of the same project.
    """
    memory_type = check_type(memory_type)
    content = check_content(content)
    confidence = check_confidence(confidence)
    status = check_status(status)
    if status not in ("candidate", "active"):
        raise InvalidInput("new memories start as 'candidate' or 'active'")
    project = require_known_project(conn, project, for_write=True)
    memory_id = str(uuid.uuid4())
    now = now_utc()
    with transaction(conn):
        duplicate = find_duplicate(conn, content, project=project, statuses=("active", "candidate"))
        if duplicate:
            raise ConflictError(
                f"the same memory already exists ({duplicate.status}, id {duplicate.id})",
                details={"existing_id": duplicate.id},
            )
        conn.execute(
            "INSERT INTO memories (id, memory_type, content, project, status, confidence, "
            "source_chunk_id, source_interaction_id, reference_count, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
            (
                memory_id,
                memory_type,
                content,
                project,
                status,
                confidence,
                source_chunk_id,
                source_interaction_id,
                now,
                now,
            ),
        )
        index_memory(conn, memory_id, content)
        record_review(
            conn,
            TARGET_KIND,
            memory_id,
            "create",
            to_status=status,
            reason=reason,
            actor=actor,
        )
    return get_memory(conn, memory_id)


def edit_memory(
    conn: Connection,
    memory_id: str,
    *,
    content: str | None = None,
    memory_type: str | None = None,
    project: str | None = None,
    confidence: float | None = None,
    reason: str = "",
    actor: str | None = None,
) -> Memory:
    """Change the text, type, project or confidence of a candidate or active memory."""
    with transaction(conn):
        memory = get_memory(conn, memory_id)
        if memory.status not in ("candidate", "active"):
            raise ConflictError(
                f"memory {memory.id} is {memory.status}; only candidate or active memories "
                "can be edited"
            )
        changes: dict[str, Any] = {}
        if content is not None:
            changes["content"] = check_content(content)
        if memory_type is not None:
            changes["memory_type"] = check_type(memory_type)
        if project is not None:
            changes["project"] = require_known_project(conn, project, for_write=True)
        if confidence is not None:
            changes["confidence"] = check_confidence(confidence)
        if not changes:
            raise InvalidInput("nothing to change: give new content, type, project or confidence")
        if "content" in changes or "project" in changes:
            duplicate = find_duplicate(
                conn,
                changes.get("content", memory.content),
                project=changes.get("project", memory.project),
                statuses=("active", "candidate"),
                exclude_id=memory.id,
            )
            if duplicate:
                raise ConflictError(
                    f"the edited text duplicates memory {duplicate.id} ({duplicate.status})",
                    details={"existing_id": duplicate.id},
                )
        changes["updated_at"] = now_utc()
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(
            f"UPDATE memories SET {assignments} WHERE id = ?", (*changes.values(), memory.id)
        )
        if "content" in changes:
            index_memory(conn, memory.id, changes["content"])
        edited = [c for c in changes if c != "updated_at"]
        record_review(
            conn,
            TARGET_KIND,
            memory.id,
            "edit",
            from_status=memory.status,
            to_status=memory.status,
            reason=reason or f"edited {', '.join(edited)}",
            actor=actor,
        )
    return get_memory(conn, memory.id)


def _transition(
    conn: Connection,
    memory_id: str,
    action: str,
    allowed_from: tuple[str, ...],
    to_status: str,
    *,
    reason: str,
    actor: str | None,
    extra: dict[str, Any] | None = None,
) -> Memory:
    with transaction(conn):
        memory = get_memory(conn, memory_id)
        if memory.status not in allowed_from:
            raise ConflictError(
                f"cannot {action} memory {memory.id}: it is {memory.status} "
                f"(only {' or '.join(allowed_from)} memories can be {_past(action)})"
            )
        changes = {"status": to_status, "updated_at": now_utc(), **(extra or {})}
        assignments = ", ".join(f"{column} = ?" for column in changes)
        conn.execute(
            f"UPDATE memories SET {assignments} WHERE id = ?", (*changes.values(), memory.id)
        )
        record_review(
            conn,
            TARGET_KIND,
            memory.id,
            action,
            from_status=memory.status,
            to_status=to_status,
            reason=reason,
            actor=actor,
        )
    return get_memory(conn, memory.id)


def _past(action: str) -> str:
    return {"promote": "promoted", "reject": "rejected", "supersede": "superseded"}.get(
        action, action + "d"
    )


def promote_memory(
    conn: Connection, memory_id: str, *, reason: str = "", actor: str | None = None
) -> Memory:
    """candidate → active. Refused if an active memory already says the same thing."""
    with transaction(conn):
        memory = get_memory(conn, memory_id)
        if memory.status == "candidate":
            duplicate = find_duplicate(
                conn, memory.content, project=memory.project, exclude_id=memory.id
            )
            if duplicate:
                raise ConflictError(
                    f"memory {memory.id} duplicates active memory {duplicate.id}; "
                    "reject it instead",
                    details={"existing_id": duplicate.id},
                )
        return _transition(
            conn, memory.id, "promote", ("candidate",), "active", reason=reason, actor=actor
        )


def reject_memory(
    conn: Connection, memory_id: str, *, reason: str = "", actor: str | None = None
) -> Memory:
    """candidate → invalid, or retire an active memory that turned out wrong."""
    return _transition(
        conn,
        memory_id,
        "reject",
        ("candidate", "active"),
        "invalid",
        reason=reason,
        actor=actor,
    )


def supersede_memory(
    conn: Connection,
    memory_id: str,
    *,
    by: str | None = None,
    new_content: str | None = None,
    reason: str = "",
    actor: str | None = None,
) -> tuple[Memory, Memory | None]:
    """active → superseded, optionally pointing at its replacement.

    ``by`` names an existing active memory that replaces it; ``new_content``
    creates the replacement (same type and project, active). Returns the old
    memory and the replacement (or None).
    """
    if by and new_content:
        raise InvalidInput("give either --by or --content, not both")
    with transaction(conn):
        old = get_memory(conn, memory_id)
        if old.status != "active":
            raise ConflictError(
                f"cannot supersede memory {old.id}: it is {old.status} "
                "(only active memories can be superseded)"
            )
        replacement: Memory | None = None
        if by:
            replacement = get_memory(conn, by)
            if replacement.id == old.id:
                raise InvalidInput("a memory cannot supersede itself")
            if replacement.status != "active":
                raise ConflictError(
                    f"replacement memory {replacement.id} is {replacement.status}, not active"
                )
        # The old row stops being active first so the replacement's
        # duplicate check does not trip over it.
        superseded = _transition(
            conn, old.id, "supersede", ("active",), "superseded", reason=reason, actor=actor
        )
        if new_content is not None:
            replacement = create_memory(
                conn,
                old.memory_type,
                new_content,
                project=old.project,
                status="active",
                confidence=old.confidence,
                reason=f"replaces {old.id}" + (f": {reason}" if reason else ""),
                actor=actor,
            )
        if replacement is not None:
            conn.execute(
                "UPDATE memories SET superseded_by = ? WHERE id = ?", (replacement.id, old.id)
            )
            superseded = get_memory(conn, old.id)
    return superseded, replacement


def mark_graduated(
    conn: Connection, memory_id: str, entity_id: str, *, reason: str = "", actor: str | None = None
) -> Memory:
    """active (or candidate) → graduated, pointing at the entity that now holds it.

    For the engineering layer's graduation; the memory leaves context packs.
    """
    if not entity_id:
        raise InvalidInput("graduation needs the id of the entity that replaces the memory")
    return _transition(
        conn,
        memory_id,
        "graduate",
        ("active", "candidate"),
        "graduated",
        reason=reason,
        actor=actor,
        extra={"graduated_to": entity_id},
    )


def forget_memory(
    conn: Connection,
    memory_id: str,
    *,
    reason: str = "",
    actor: str | None = None,
) -> dict:
    """Hard-delete a memory (any status). The log keeps no trace of its text.

    (:func:`atocore.memory.review_queue.forget_memory_and_source` also deletes
    the interaction it came from.)
    """
    with transaction(conn):
        memory = get_memory(conn, memory_id)
        conn.execute(
            "UPDATE memories SET superseded_by = NULL WHERE superseded_by = ?", (memory.id,)
        )
        conn.execute("DELETE FROM memory_tokens WHERE memory_id = ?", (memory.id,))
        conn.execute("DELETE FROM memories WHERE id = ?", (memory.id,))
        record_review(
            conn,
            TARGET_KIND,
            memory.id,
            "forget",
            from_status=memory.status,
            to_status="deleted",
            reason=reason,
            actor=actor,
        )
    return {
        "id": memory.id,
        "memory_type": memory.memory_type,
        "project": memory.project,
        "from_status": memory.status,
        "forgotten": True,
        "interaction_forgotten": None,
    }


def review_all_from_interaction(
    conn: Connection,
    interaction_id: str,
    action: str,
    *,
    reason: str = "",
    actor: str | None = None,
) -> list[Memory]:
    """Promote or reject every candidate extracted from one interaction (one transaction)."""
    if action not in ("promote", "reject"):
        raise InvalidInput(f"unknown review action {action!r}")
    interaction_id = (interaction_id or "").strip()
    if not interaction_id:
        raise InvalidInput("an interaction id is required")
    exists = conn.execute("SELECT 1 FROM interactions WHERE id = ?", (interaction_id,)).fetchone()
    candidates_exist = conn.execute(
        "SELECT 1 FROM memories WHERE source_interaction_id = ?", (interaction_id,)
    ).fetchone()
    if not exists and not candidates_exist:
        raise NotFound(f"interaction {interaction_id!r} not found")
    done: list[Memory] = []
    with transaction(conn):
        rows = conn.execute(
            "SELECT id FROM memories WHERE source_interaction_id = ? AND status = 'candidate' "
            "ORDER BY created_at, rowid",
            (interaction_id,),
        ).fetchall()
        for row in rows:
            if action == "promote":
                done.append(promote_memory(conn, row[0], reason=reason, actor=actor))
            else:
                done.append(reject_memory(conn, row[0], reason=reason, actor=actor))
    return done
