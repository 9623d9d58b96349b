"""The three hooks: stop (capture), prompt (inject context), session-start.

Each works locally (the data dir's database) or, with ``--url``/
``ATOCORE_URL``, against a server. Local mode never creates a data dir:
with no database there is simply nothing to do.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

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
DEFAULT_HOOK_TIMEOUT = 8
SESSION_OFF = "#atocore-off"
SESSION_ON = "#atocore-on"


def log(message: str) -> None:
    """Hooks talk to people only through stderr (Claude Code shows it in verbose mode)."""
    print(f"atocore hook: {message}", file=sys.stderr)


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


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
        limit = _int_env("ATOCORE_HOOK_TIMEOUT_SECONDS", DEFAULT_HOOK_TIMEOUT)
        client.timeout = min(client.timeout, float(limit))
    return client


def _local_conn():
    """A connection to an existing database, or None (never creates one)."""
    from atocore.config import get_settings
    from atocore.db import open_db

    settings = get_settings()
    if not settings.db_path.exists():
        log(f"no database at {settings.db_path}; nothing to do")
        return None
    return open_db(settings)


def detect(text: str, cwd: str | None) -> str:
    """Project id for a working directory (registry roots) or prompt, else ''.

    With a server the server's registry answers (one cheap request instead of
    loading the registry models in every hook process).
    """
    client = _remote()
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


# --- session switch -------------------------------------------------------------


def _session_marker(session_id: str) -> Path | None:
    from atocore.config import get_settings

    safe = re.sub(r"[^A-Za-z0-9_-]", "_", session_id)[:128]
    if not safe:
        return None
    return get_settings().run_dir / "hook-sessions" / f"{safe}.off"


def context_enabled(session_id: str) -> bool:
    if _flag("ATOCORE_CONTEXT_DISABLED"):
        return False
    marker = _session_marker(session_id)
    return not (marker and marker.exists())


def _pack_file(session_id: str) -> Path | None:
    marker = _session_marker(session_id)
    return marker.with_suffix(".pack.json") if marker else None


def remember_pack(session_id: str, prompt: str, pack: dict[str, Any]) -> None:
    """Keep what was injected for this turn so the stop hook can record it."""
    path = _pack_file(session_id)
    if path is None:
        return
    summary = {
        "prompt": prompt,
        "project": pack.get("project"),
        "budget": pack.get("budget"),
        "chars_used": pack.get("chars_used"),
        "retrieval_mode": pack.get("retrieval_mode"),
        "blocks": [
            {k: b.get(k) for k in ("kind", "label", "source")} for b in pack.get("blocks") or []
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary), encoding="utf-8")
    _prune(path.parent)


def _prune(directory: Path, max_age_s: float = 2 * 86400) -> None:
    """Drop session files nobody consumed (capture off, session abandoned)."""
    import time

    cutoff = time.time() - max_age_s
    for old in directory.glob("*.pack.json"):
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass


def recall_pack(session_id: str, prompt: str) -> dict | None:
    """The pack injected for ``prompt`` in this session (consumed), if any."""
    path = _pack_file(session_id)
    if path is None or not path.exists():
        return None
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    finally:
        path.unlink(missing_ok=True)
    if not isinstance(summary, dict) or summary.get("prompt") != prompt:
        return None
    summary.pop("prompt", None)
    return summary


def _set_session(session_id: str, enabled: bool) -> None:
    marker = _session_marker(session_id)
    if marker is None:
        return
    if enabled:
        marker.unlink(missing_ok=True)
    else:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("off\n", encoding="utf-8")


# --- stop: capture --------------------------------------------------------------


def stop(payload: dict[str, Any]) -> dict | None:
    """Record the last real prompt and the assistant's answer as an interaction."""
    if _flag("ATOCORE_CAPTURE_DISABLED"):
        return None
    if payload.get("stop_hook_active"):
        return None  # a stop hook is already continuing this turn: captured once
    prompt, answer = last_exchange(payload.get("transcript_path"))
    prompt = strip_private(prompt).strip()
    if not is_real_prompt(prompt) or SESSION_OFF in prompt or SESSION_ON in prompt:
        return None
    response = payload.get("last_assistant_message") or answer or ""
    response = truncate(strip_private(str(response)))
    cwd = payload.get("cwd") or None
    project = detect("", cwd)
    session_id = str(payload.get("session_id") or "")
    body = {
        "context_pack": recall_pack(session_id, prompt),
        "prompt": prompt,
        "response": response,
        "project": project,
        "client": CLIENT,
        "session_id": session_id,
        "reinforce": _flag("ATOCORE_CAPTURE_REINFORCE"),
    }
    client = _remote()
    if client is not None:
        result = client.post("/interactions", body)
        log(f"recorded interaction {result.get('id', '?')} (project={project or 'none'})")
        return None
    from atocore.interactions.service import record_interaction

    conn = _local_conn()
    if conn is None:
        return None
    try:
        interaction = record_interaction(
            conn,
            body["prompt"],
            body["response"],
            project=project,
            client=CLIENT,
            session_id=body["session_id"],
            context_pack=body["context_pack"],
            reinforce=body["reinforce"],
        )
    finally:
        conn.close()
    log(f"recorded interaction {interaction.id} (project={project or 'none'})")
    return None


# --- prompt: inject a context pack ----------------------------------------------


def _additional(event: str, text: str) -> dict:
    return {"hookSpecificOutput": {"hookEventName": event, "additionalContext": text}}


def build_pack(prompt: str, project: str, budget: int, mode: str = "hybrid") -> dict[str, Any]:
    """A context pack as the JSON the server's /context/build returns."""
    body = {"prompt": prompt, "project": project, "budget": budget, "mode": mode}
    client = _remote()
    if client is not None:
        return client.post("/context/build", body)
    from atocore.context.builder import ContextOptions, build_context

    conn = _local_conn()
    if conn is None:
        return {}
    try:
        options = ContextOptions(budget=budget, retrieval_mode=mode)
        pack = build_context(conn, prompt, project=project or None, options=options)
    finally:
        conn.close()
    return pack.model_dump(mode="json")


def prompt(payload: dict[str, Any]) -> dict | None:
    """Inject a budgeted context pack for the prompt (UserPromptSubmit)."""
    session_id = str(payload.get("session_id") or "")
    text = str(payload.get("prompt") or "")
    if SESSION_OFF in text:
        _set_session(session_id, False)
        return _additional("UserPromptSubmit", "(atocore context is off for this session)")
    if SESSION_ON in text:
        _set_session(session_id, True)
    if not context_enabled(session_id):
        return None
    text = strip_private(text).strip()
    if len(text) < MIN_PROMPT_CHARS or text.startswith("/"):
        return None
    project = detect(text, payload.get("cwd") or None)
    budget = _int_env("ATOCORE_HOOK_BUDGET", DEFAULT_PROMPT_BUDGET)
    # bm25 skips the embedding model: the fast choice for a hook without a server
    mode = os.environ.get("ATOCORE_HOOK_MODE", "").strip() or "hybrid"
    pack = build_pack(text, project, budget, mode)
    context = (pack.get("formatted_context") or pack.get("text") or "").strip()
    if not context:
        return None
    remember_pack(session_id, text, pack)
    head = f'<atocore-context project="{project or "none"}">'
    return _additional("UserPromptSubmit", f"{head}\n{context}\n</atocore-context>")


# --- session-start: project state and recent decisions --------------------------


def _session_data(project: str) -> dict[str, list[dict]]:
    """Active state, Decision entities and recent active memories of ``project``."""
    client = _remote()
    if client is not None:
        from atocore.client import segment

        return {
            "state": client.get(f"/project/state/{segment(project)}"),
            "decisions": client.get("/entities", project=project, entity_type="Decision"),
            "memories": client.get("/memory", project=project, status="active", limit=5),
        }
    from atocore.context.project_state import get_state
    from atocore.engineering.entities import list_entities
    from atocore.memory.service import list_memories

    conn = _local_conn()
    if conn is None:
        return {"state": [], "decisions": [], "memories": []}
    try:
        return {
            "state": [e.model_dump() for e in get_state(conn, project)],
            "decisions": [
                e.model_dump() for e in list_entities(conn, project, entity_type="Decision")
            ],
            "memories": [
                m.model_dump()
                for m in list_memories(conn, project=project, status="active", limit=5)
            ],
        }
    finally:
        conn.close()


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


def session_start(payload: dict[str, Any]) -> dict | None:
    """Inject the project's trusted state and recent decisions at session start."""
    if _flag("ATOCORE_CONTEXT_DISABLED"):
        return None
    project = detect("", payload.get("cwd") or None)
    if not project:
        return None
    budget = _int_env("ATOCORE_SESSION_BUDGET", DEFAULT_SESSION_BUDGET)
    text = session_text(project, _session_data(project), budget)
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
        log(f"{name}: {type(exc).__name__}: {exc}")
        return ""
