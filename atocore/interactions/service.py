"""Captured interactions: what was asked, what came back, what context was used.

``record_interaction`` is the one capture path (CLI, HTTP, MCP, Claude Code
Stop hook), so its policy holds at every door: ``<private>`` spans are
stripped from everything stored (:mod:`atocore.privacy`), and reinforcement
follows one default (``atocore.interactions.REINFORCE_BY_DEFAULT``).

Timestamps are stored as ``YYYY-MM-DD HH:MM:SS`` UTC so they sort lexically;
the ``since`` filter accepts the common ISO 8601 shapes and normalizes them
to that format before comparing.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field

from atocore.db import transaction
from atocore.db.rows import equal_filters, resolve_id
from atocore.db.types import Connection
from atocore.errors import InvalidInput
from atocore.interactions import REINFORCE_BY_DEFAULT
from atocore.memory.reinforcement import ReinforcementResult, reinforce_from_text
from atocore.privacy import strip_private, strip_private_values
from atocore.projects.known import require_known_project
from atocore.text import truncate
from atocore.timeutil import STORAGE_FORMAT, now_utc

MAX_PROMPT_CHARS = 20_000
MAX_RESPONSE_CHARS = 50_000
TRUNCATION_MARKER = "\n\n[truncated]"
MAX_LIST_LIMIT = 500
_STORAGE_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


class Interaction(BaseModel):
    id: str
    prompt: str
    response: str
    response_summary: str = ""
    context_pack: Any = None
    memories_used: list[str] = Field(default_factory=list)
    chunks_used: list[str] = Field(default_factory=list)
    client: str = ""
    session_id: str = ""
    project: str = ""
    response_truncated: bool = False
    memories_reinforced: list[str] = Field(default_factory=list)
    created_at: str


class CapturedInteraction(Interaction):
    """An interaction just recorded, with what its capture reinforced (None: not run)."""

    reinforcement: ReinforcementResult | None = None


class InteractionSummary(BaseModel):
    id: str
    prompt: str
    response_chars: int
    response_summary: str
    client: str
    session_id: str
    project: str
    created_at: str


def normalize_since(since: str) -> str:
    """An ISO 8601 instant (``T`` or space, ``Z``/offset, fractions) → storage format.

    Offsets are converted to UTC; naive values are taken as UTC; a bare
    date means its midnight. Anything else is bad input.
    """
    raw = (since or "").strip()
    if not raw:
        return ""
    if _STORAGE_RE.match(raw):
        return raw
    candidate = raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw
    try:
        instant = datetime.fromisoformat(candidate)
    except ValueError as exc:
        raise InvalidInput(
            f"cannot read --since {since!r}: use ISO 8601, e.g. 2026-04-07T09:30:00Z, "
            "2026-04-07T11:30:00+02:00, 2026-04-07 09:30:00 or 2026-04-07"
        ) from exc
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC).replace(tzinfo=None)
    return instant.strftime(STORAGE_FORMAT)


def _json_list(raw: Any) -> list[str]:
    if not raw:
        return []
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _pack_to_json(context_pack: Any) -> tuple[str | None, list[str], list[str]]:
    """Serialize a context pack (model, dict, JSON or plain text) and pick out what it used."""
    if context_pack is None or context_pack == "":
        return None, [], []
    pack = context_pack
    if hasattr(pack, "model_dump"):
        pack = pack.model_dump(mode="json")
    if isinstance(pack, str):
        try:
            pack = json.loads(pack)
        except json.JSONDecodeError:
            return json.dumps({"text": strip_private(context_pack)}), [], []
    pack = strip_private_values(pack)
    memories: list[str] = []
    chunks: list[str] = []
    if isinstance(pack, dict):
        memories = [str(m) for m in pack.get("memories_used") or []]
        chunks = [str(c) for c in pack.get("chunks_used") or []]
        for block in pack.get("blocks") or []:
            if not isinstance(block, dict) or not block.get("source"):
                continue
            if block.get("kind") == "memory" and block["source"] not in memories:
                memories.append(str(block["source"]))
            elif block.get("kind") == "chunk" and block["source"] not in chunks:
                chunks.append(str(block["source"]))
    try:
        text = json.dumps(pack, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"context pack is not serializable: {exc}") from exc
    return text, memories, chunks


def _interaction(row: Any) -> Interaction:
    pack = row["context_pack"]
    if pack:
        try:
            pack = json.loads(pack)
        except json.JSONDecodeError:
            pass
    keys = row.keys()
    return Interaction(
        id=row["id"],
        prompt=row["prompt"],
        response=row["response"] or "",
        response_summary=row["response_summary"] or "",
        context_pack=pack,
        memories_used=_json_list(row["memories_used"]),
        chunks_used=_json_list(row["chunks_used"]),
        client=row["client"] or "",
        session_id=row["session_id"] or "",
        project=row["project"] or "",
        response_truncated=bool(row["response_truncated"]),
        memories_reinforced=_json_list(
            row["memories_reinforced"] if "memories_reinforced" in keys else None
        ),
        created_at=row["created_at"],
    )


def record_interaction(
    conn: Connection,
    prompt: str,
    response: str = "",
    *,
    project: str = "",
    client: str = "",
    session_id: str = "",
    context_pack: Any = None,
    memories_used: list[str] | None = None,
    chunks_used: list[str] | None = None,
    response_summary: str = "",
    reinforce: bool = REINFORCE_BY_DEFAULT,
) -> CapturedInteraction:
    """Store one interaction, private spans stripped, and (unless ``reinforce=False``)
    reinforce memories.

    The returned interaction carries ``reinforcement`` (None when disabled).
    """
    if not prompt or not prompt.strip():
        raise InvalidInput("interaction prompt must be non-empty")
    project = require_known_project(conn, project, for_write=True)
    prompt = strip_private(prompt)
    response = strip_private(response or "")
    truncated = len(response) > MAX_RESPONSE_CHARS
    prompt = truncate(prompt, MAX_PROMPT_CHARS, TRUNCATION_MARKER)
    response = truncate(response, MAX_RESPONSE_CHARS, TRUNCATION_MARKER)
    pack_json, pack_memories, pack_chunks = _pack_to_json(context_pack)
    memories = list(dict.fromkeys([*(memories_used or []), *pack_memories]))
    chunks = list(dict.fromkeys([*(chunks_used or []), *pack_chunks]))
    summary = strip_private(response_summary or "").strip() or _summarize(response)
    interaction_id = str(uuid.uuid4())
    created_at = now_utc()

    key = turn_key(session_id, prompt, response)
    with transaction(conn):
        captured = _captured_turn(conn, session_id, key)
        if captured is not None:  # this turn is already stored: the Stop hook ran twice
            return CapturedInteraction(**captured.model_dump(), reinforcement=None)
        conn.execute(
            "INSERT INTO interactions (id, prompt, response, response_summary, context_pack, "
            "memories_used, chunks_used, client, session_id, project, response_truncated, "
            "created_at, turn_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                interaction_id,
                prompt,
                response,
                summary,
                pack_json,
                json.dumps(memories),
                json.dumps(chunks),
                (client or "").strip(),
                (session_id or "").strip(),
                project,
                int(truncated),
                created_at,
                key,
            ),
        )
        reinforcement = None
        if reinforce and response.strip():
            reinforcement = _reinforce(conn, interaction_id, response, project, set())
        interaction = get_interaction(conn, interaction_id)
    return CapturedInteraction(**interaction.model_dump(), reinforcement=reinforcement)


def turn_key(session_id: str, prompt: str, response: str) -> str:
    """Identity of one turn of a session: its prompt and response, digested.

    Claude Code's Stop payload carries no turn id; the same session with the
    same prompt and the same answer is the same turn, and a second capture
    of it (the Stop hook run twice) writes nothing and returns the first.
    No session, no key: captures from scripts are never merged.
    """
    session_id = (session_id or "").strip()
    if not session_id:
        return ""
    digest = hashlib.sha256()
    for part in (session_id, prompt, response):
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def _captured_turn(conn: Connection, session_id: str, key: str) -> Interaction | None:
    if not key:
        return None
    row = conn.execute(
        "SELECT id FROM interactions WHERE session_id = ? AND turn_key = ?",
        ((session_id or "").strip(), key),
    ).fetchone()
    return get_interaction(conn, row[0]) if row else None


def _summarize(response: str, limit: int = 200) -> str:
    text = re.sub(r"\s+", " ", response or "").strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _reinforce(
    conn: Connection, interaction_id: str, response: str, project: str, already: set[str]
) -> ReinforcementResult:
    result = reinforce_from_text(conn, response, project=project, skip_ids=already)
    if result.matched:
        done = sorted(already | {m.id for m in result.matched})
        conn.execute(
            "UPDATE interactions SET memories_reinforced = ? WHERE id = ?",
            (json.dumps(done), interaction_id),
        )
    return result


def reinforce_interaction(conn: Connection, interaction_id: str) -> ReinforcementResult:
    """Run reinforcement for a stored interaction (idempotent per memory)."""
    with transaction(conn):
        interaction = get_interaction(conn, interaction_id)
        return _reinforce(
            conn,
            interaction.id,
            interaction.response,
            interaction.project,
            set(interaction.memories_reinforced),
        )


def resolve_interaction_id(conn: Connection, interaction_id: str) -> str:
    """The full id for ``interaction_id`` or a unique prefix of it (≥ 4 characters)."""
    return resolve_id(conn, "interactions", interaction_id, "interaction")


def get_interaction(conn: Connection, interaction_id: str) -> Interaction:
    full_id = resolve_interaction_id(conn, interaction_id)
    row = conn.execute("SELECT * FROM interactions WHERE id = ?", (full_id,)).fetchone()
    return _interaction(row)


def list_interactions(
    conn: Connection,
    *,
    project: str | None = None,
    session_id: str | None = None,
    client: str | None = None,
    since: str | None = None,
    limit: int = 50,
) -> list[InteractionSummary]:
    """Newest first; ``limit`` is capped at 500; ``since`` is inclusive."""
    if limit <= 0:
        raise InvalidInput(f"limit must be positive, got {limit}")
    sql = (
        "SELECT id, prompt, length(response) AS response_chars, response_summary, client, "
        "session_id, project, created_at FROM interactions WHERE 1=1"
    )
    where, params = equal_filters(session_id=session_id, client=client)
    if project:  # a blank name resolves to "": interactions stored without a project
        where += " AND project = ?"
        params.append(require_known_project(conn, project, for_write=False))
    sql += where
    if since:
        sql += " AND created_at >= ?"
        params.append(normalize_since(since))
    sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?"
    params.append(min(int(limit), MAX_LIST_LIMIT))
    return [
        InteractionSummary(
            id=row["id"],
            prompt=row["prompt"],
            response_chars=int(row["response_chars"] or 0),
            response_summary=row["response_summary"] or "",
            client=row["client"] or "",
            session_id=row["session_id"] or "",
            project=row["project"] or "",
            created_at=row["created_at"],
        )
        for row in conn.execute(sql, params)
    ]


def forget_interaction(
    conn: Connection, interaction_id: str, *, reason: str = "", actor: str | None = None
) -> dict:
    """Hard-delete a stored interaction (privacy). The log keeps no trace of its text.

    Memories extracted from it stay (their provenance then reads "no longer
    stored"); forget those separately if they should go too.
    """
    from atocore.review_log import record_review

    with transaction(conn):
        interaction = get_interaction(conn, interaction_id)
        conn.execute("DELETE FROM interactions WHERE id = ?", (interaction.id,))
        record_review(
            conn,
            "interaction",
            interaction.id,
            "forget",
            to_status="deleted",
            reason=reason,
            actor=actor,
        )
    return {"id": interaction.id, "project": interaction.project, "forgotten": True}
