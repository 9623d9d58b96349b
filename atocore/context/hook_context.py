"""What the Claude Code hooks inject: the policy, whichever process runs it.

The prompt hook gets a budgeted context pack for the prompt (after the
per-session ``#atocore-off``/``#atocore-on`` switch, private spans removed);
session start gets the project's trusted state, recent decisions and recent
active memories. Both read only: nothing here writes project state or
memories. The hook processes and the server's ``/hooks/*`` routes only carry
these results (see :mod:`atocore.hooks`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel

from atocore.context.sessions import SESSION_OFF, SESSION_ON, injection_on, remember_pack
from atocore.db.types import Connection
from atocore.hooks.text import MIN_PROMPT_CHARS, strip_private

DEFAULT_PROMPT_BUDGET = 3000
DEFAULT_SESSION_BUDGET = 2500


class HookSpecificOutput(BaseModel):
    hookEventName: str
    additionalContext: str


class Injection(BaseModel):
    """Text for Claude Code to add to the conversation, in the shape its hooks
    print on stdout (so a relay passes the server's bytes straight through)."""

    hookSpecificOutput: HookSpecificOutput

    @classmethod
    def of(cls, event: str, text: str) -> Injection:
        return cls(
            hookSpecificOutput=HookSpecificOutput(hookEventName=event, additionalContext=text)
        )


def detect(text: str, cwd: str | None) -> str:
    """Project id for a working directory (registry roots) or prompt, else ''."""
    from atocore.projects.registry import detect_project

    project = detect_project(text, Path(cwd) if cwd else None)
    return project.id if project is not None else ""


def prompt_injection(
    conn: Connection, payload: dict[str, Any], *, budget: int | None = None, mode: str = "hybrid"
) -> Injection | None:
    """The context pack for a UserPromptSubmit payload, or None (nothing to add)."""
    from atocore.context.builder import ContextOptions, build_context
    from atocore.context.sessions import set_injection

    session_id = str(payload.get("session_id") or "")
    text = str(payload.get("prompt") or "")
    if SESSION_OFF in text:
        set_injection(session_id, False)
        return Injection.of("UserPromptSubmit", "(atocore context is off for this session)")
    if SESSION_ON in text:
        set_injection(session_id, True)
    if not injection_on(session_id):
        return None
    text = strip_private(text).strip()
    if len(text) < MIN_PROMPT_CHARS or text.startswith("/"):
        return None
    project = detect(text, payload.get("cwd") or None)
    options = ContextOptions(budget=budget or DEFAULT_PROMPT_BUDGET, retrieval_mode=mode)
    pack = build_context(conn, text, project=project or None, options=options)
    context = pack.formatted_context.strip()
    if not context:
        return None
    remember_pack(session_id, text, pack.model_dump(mode="json"))
    head = f'<atocore-context project="{project or "none"}">'
    return Injection.of("UserPromptSubmit", f"{head}\n{context}\n</atocore-context>")


class SessionStartPack(BaseModel):
    """A project's trusted state, Decision entities and recent active memories."""

    project: str
    state: list[dict[str, Any]]
    decisions: list[dict[str, Any]]
    memories: list[dict[str, Any]]


def session_start_pack(conn: Connection, project: str) -> SessionStartPack:
    """Only trusted rows: active state, active Decision entities, active memories."""
    from atocore.context.project_state import get_state
    from atocore.engineering.entities import list_entities
    from atocore.memory.service import list_memories

    return SessionStartPack(
        project=project,
        state=[e.model_dump() for e in get_state(conn, project)],
        decisions=[
            e.model_dump()
            for e in list_entities(conn, project, entity_type="Decision", status="active")
        ],
        memories=[
            m.model_dump() for m in list_memories(conn, project=project, status="active", limit=5)
        ],
    )


def _decision_lines(pack: SessionStartPack, limit: int = 8) -> list[str]:
    """State decisions and Decision entities, newest first."""
    dated = [
        (e.get("updated_at", ""), f"- {e['key']}: {e['value']} ({e.get('updated_at', '')[:10]})")
        for e in pack.state
        if e["category"] == "decision"
    ]
    for entity in pack.decisions:
        attrs = entity.get("attributes") or {}
        when = attrs.get("decided_on") or entity.get("updated_at", "")
        text = attrs.get("statement") or entity["name"]
        dated.append((when, f"- {entity['name']}: {text} ({str(when)[:10]})"))
    dated.sort(key=lambda item: str(item[0]), reverse=True)
    return [line for _, line in dated[:limit]]


def session_text(pack: SessionStartPack, budget: int) -> str:
    """Decisions first (newest first), then the rest of the state, then memories."""
    decisions = _decision_lines(pack)
    others = [e for e in pack.state if e["category"] != "decision"]
    lines = [f"atocore: project {pack.project}"]
    if decisions:
        lines.append("Recent decisions:")
        lines += decisions
    if others:
        lines.append("Project state:")
        lines += [f"- [{e['category']}] {e['key']}: {e['value']}" for e in others]
    if pack.memories:
        lines.append("Recent memories:")
        lines += [f"- [{m['memory_type']}] {m['content']}" for m in pack.memories]
    out, used = [], 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out) if len(out) > 1 else ""


def session_start_injection(
    conn: Connection, payload: dict[str, Any], *, budget: int | None = None
) -> Injection | None:
    """Trusted state and recent decisions for the session's project, or None."""
    project = detect("", payload.get("cwd") or None)
    if not project:
        return None
    text = session_text(session_start_pack(conn, project), budget or DEFAULT_SESSION_BUDGET)
    return Injection.of("SessionStart", text) if text else None
