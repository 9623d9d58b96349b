"""The three hooks: stop (capture), prompt (inject context), session-start.

Each works locally (the data dir's database) or, with ``--url``/
``ATOCORE_URL``, against a server: prompt and session-start then run on the
server (``POST /hooks/NAME``), stop posts the interaction there. Local mode
never creates a data dir: with no database there is simply nothing to do.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from atocore.hooks import env_flag, hook_timeout_s
from atocore.hooks.session import (
    SESSION_OFF,
    SESSION_ON,
    injection_on,
    recall_pack,
    remember_pack,
    set_injection,
)
from atocore.hooks.text import (
    MIN_PROMPT_CHARS,
    is_real_prompt,
    last_exchange,
    strip_private,
    truncate,
)

CLIENT = "claude-code"
DEFAULT_PROMPT_BUDGET = 3000
DEFAULT_SESSION_BUDGET = 2500


def log(message: str) -> None:
    """Hooks talk to people only through stderr (Claude Code shows it in verbose mode)."""
    print(f"atocore hook: {message}", file=sys.stderr)


def _int_env(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, "") or default)
    except ValueError:
        return default


# --- where data comes from ------------------------------------------------------


def _remote():
    """The server client, with a short timeout: a hook must never hang a turn."""
    from atocore.client import remote

    client = remote()
    if client is not None:
        client.timeout = min(client.timeout, hook_timeout_s())
    return client


@contextlib.contextmanager
def _database(conn: Any = None) -> Iterator[Any]:
    """The caller's connection (the server's pooled one), else the data dir's
    database if there is one (never created here), else None."""
    if conn is not None:
        yield conn
        return
    from atocore.config import get_settings
    from atocore.db import open_db

    settings = get_settings()
    if not settings.db_path.exists():
        log(f"no database at {settings.db_path}; nothing to do")
        yield None
        return
    local = open_db(settings)
    try:
        yield local
    finally:
        local.close()


def detect(text: str, cwd: str | None, client: Any = None) -> str:
    """Project id for a working directory (registry roots) or prompt, else ''."""
    if client is not None:
        if not (text or cwd):
            return ""
        found = client.post("/projects/detect", {"text": text, "cwd": cwd})
        return found.get("project") or ""
    from atocore.projects.registry import detect_project

    try:
        project = detect_project(text, Path(cwd) if cwd else None)
    except Exception as exc:  # noqa: BLE001 - a broken registry must not break the hook
        log(f"project detection failed: {exc}")
        project = None
    return project.id if project is not None else ""


def _additional(event: str, text: str) -> dict:
    return {"hookSpecificOutput": {"hookEventName": event, "additionalContext": text}}


# --- stop: capture --------------------------------------------------------------


def stop(payload: dict[str, Any]) -> dict | None:
    """Record the last real prompt and the assistant's answer as an interaction.

    Always runs in the hook process (the transcript is a local file); with a
    server the interaction is posted there, and the server attaches the pack
    it injected for this prompt.
    """
    if env_flag("ATOCORE_CAPTURE_DISABLED"):
        return None
    if payload.get("stop_hook_active"):
        return None  # a stop hook is already continuing this turn: captured once
    prompt, answer = last_exchange(payload.get("transcript_path"))
    prompt = strip_private(prompt).strip()
    if not is_real_prompt(prompt) or SESSION_OFF in prompt or SESSION_ON in prompt:
        return None
    response = payload.get("last_assistant_message") or answer or ""
    response = truncate(strip_private(str(response)))
    client = _remote()
    project = detect("", payload.get("cwd") or None, client)
    session_id = str(payload.get("session_id") or "")
    body = {
        "context_pack": recall_pack(session_id, prompt),
        "prompt": prompt,
        "response": response,
        "project": project,
        "client": CLIENT,
        "session_id": session_id,
        "reinforce": env_flag("ATOCORE_CAPTURE_REINFORCE"),
    }
    if client is not None:
        result = client.post("/interactions", body)
        log(f"recorded interaction {result.get('id', '?')} (project={project or 'none'})")
        return None
    from atocore.interactions.service import record_interaction

    with _database() as conn:
        if conn is None:
            return None
        interaction = record_interaction(conn, **body)
    log(f"recorded interaction {interaction.id} (project={project or 'none'})")
    return None


# --- prompt: inject a context pack ----------------------------------------------


def prompt(
    payload: dict[str, Any], *, conn: Any = None, budget: int | None = None, mode: str | None = None
) -> dict | None:
    """Inject a budgeted context pack for the prompt (UserPromptSubmit).

    With a server configured the whole hook runs there (``POST /hooks/prompt``:
    one round trip, warm model); ``conn`` is the server's connection when it
    runs this on a client's behalf.
    """
    if env_flag("ATOCORE_CONTEXT_DISABLED"):
        return None
    budget = budget or _int_env("ATOCORE_HOOK_BUDGET", DEFAULT_PROMPT_BUDGET)
    # bm25 skips the embedding model: the fast choice for a hook without a server
    mode = mode or os.environ.get("ATOCORE_HOOK_MODE", "").strip() or "hybrid"
    client = _remote() if conn is None else None
    if client is not None:
        # private spans never leave this machine
        forwarded = {**payload, "prompt": strip_private(str(payload.get("prompt") or ""))}
        return client.post("/hooks/prompt", forwarded, budget=budget, mode=mode) or None

    session_id = str(payload.get("session_id") or "")
    text = str(payload.get("prompt") or "")
    if SESSION_OFF in text:
        set_injection(session_id, False)
        return _additional("UserPromptSubmit", "(atocore context is off for this session)")
    if SESSION_ON in text:
        set_injection(session_id, True)
    if not injection_on(session_id):
        return None
    text = strip_private(text).strip()
    if len(text) < MIN_PROMPT_CHARS or text.startswith("/"):
        return None
    project = detect(text, payload.get("cwd") or None)
    from atocore.context.builder import ContextOptions, build_context

    with _database(conn) as db:
        if db is None:
            return None
        options = ContextOptions(budget=budget, retrieval_mode=mode)
        pack = build_context(db, text, project=project or None, options=options)
    context = pack.formatted_context.strip()
    if not context:
        return None
    remember_pack(session_id, text, pack.model_dump(mode="json"))
    head = f'<atocore-context project="{project or "none"}">'
    return _additional("UserPromptSubmit", f"{head}\n{context}\n</atocore-context>")


# --- session-start: project state and recent decisions --------------------------


def _session_data(conn: Any, project: str) -> dict[str, list[dict]]:
    """Active state, Decision entities and recent active memories of ``project``."""
    from atocore.context.project_state import get_state
    from atocore.engineering.entities import list_entities
    from atocore.memory.service import list_memories

    return {
        "state": [e.model_dump() for e in get_state(conn, project)],
        "decisions": [e.model_dump() for e in list_entities(conn, project, entity_type="Decision")],
        "memories": [
            m.model_dump() for m in list_memories(conn, project=project, status="active", limit=5)
        ],
    }


def _decision_lines(state: list[dict], entities: list[dict], limit: int = 8) -> list[str]:
    """State decisions and Decision entities, newest first."""
    dated = [
        (e.get("updated_at", ""), f"- {e['key']}: {e['value']} ({e.get('updated_at', '')[:10]})")
        for e in state
        if e["category"] == "decision"
    ]
    for entity in entities:
        attrs = entity.get("attributes") or {}
        when = attrs.get("decided_on") or entity.get("updated_at", "")
        text = attrs.get("statement") or entity["name"]
        dated.append((when, f"- {entity['name']}: {text} ({str(when)[:10]})"))
    dated.sort(key=lambda item: str(item[0]), reverse=True)
    return [line for _, line in dated[:limit]]


def session_text(project: str, data: dict[str, list[dict]], budget: int) -> str:
    """Decisions first (newest first), then the rest of the state, then memories."""
    decisions = _decision_lines(data["state"], data["decisions"])
    others = [e for e in data["state"] if e["category"] != "decision"]
    lines = [f"atocore: project {project}"]
    if decisions:
        lines.append("Recent decisions:")
        lines += decisions
    if others:
        lines.append("Project state:")
        lines += [f"- [{e['category']}] {e['key']}: {e['value']}" for e in others]
    if data["memories"]:
        lines.append("Recent memories:")
        lines += [f"- [{m['memory_type']}] {m['content']}" for m in data["memories"]]
    out, used = [], 0
    for line in lines:
        if used + len(line) + 1 > budget:
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out) if len(out) > 1 else ""


def session_start(
    payload: dict[str, Any], *, conn: Any = None, budget: int | None = None
) -> dict | None:
    """Inject the project's trusted state and recent decisions at session start."""
    if env_flag("ATOCORE_CONTEXT_DISABLED"):
        return None
    budget = budget or _int_env("ATOCORE_SESSION_BUDGET", DEFAULT_SESSION_BUDGET)
    client = _remote() if conn is None else None
    if client is not None:
        return client.post("/hooks/session-start", payload, budget=budget) or None
    project = detect("", payload.get("cwd") or None)
    if not project:
        return None
    with _database(conn) as db:
        if db is None:
            return None
        text = session_text(project, _session_data(db, project), budget)
    return _additional("SessionStart", text) if text else None


HANDLERS = {"stop": stop, "prompt": prompt, "session-start": session_start}


def run_hook(name: str, raw: str) -> str:
    """The fail-open edge: parse stdin, run the hook, return stdout text.

    Never raises: any problem (garbage stdin, a missing transcript, the
    server down, a broken data dir) is logged to stderr and yields "".
    """
    try:
        handler = HANDLERS[name]
        payload = json.loads(raw) if raw.strip() else {}
        if not isinstance(payload, dict):
            raise ValueError("hook input is not a JSON object")
        result = handler(payload)
        return json.dumps(result) if result else ""
    except Exception as exc:  # noqa: BLE001 - hooks must never fail the user's turn
        log(f"{name}: {getattr(exc, 'code', None) or type(exc).__name__}: {exc}")
        return ""
