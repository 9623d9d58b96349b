"""The three hooks as transport: stdin JSON in, an operation, stdout JSON out.

stop records the turn (``capture_turn``), prompt and session-start ask for
what to inject (``prompt_hook``, ``session_start_hook``). What gets injected
or stored is decided in the operations (atocore.context.hook_context), the
same code whether it runs here on the data dir or on a server (``--url`` /
``ATOCORE_URL``). A hook never creates a data dir and never fails the turn:
:func:`run_hook` turns every problem into one stderr line.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from atocore.context.sessions import SESSION_OFF, SESSION_ON
from atocore.env import read
from atocore.hooks import env_flag, hook_timeout_s
from atocore.hooks.text import is_real_prompt, last_exchange, strip_private, truncate


def log(message: str) -> None:
    """Hooks talk to people only through stderr (Claude Code shows it in verbose mode)."""
    print(f"atocore hook: {message}", file=sys.stderr)


def stop(payload: dict[str, Any], ops: Any) -> dict | None:
    """Record the last real prompt and the assistant's answer as an interaction."""
    if env_flag("ATOCORE_CAPTURE_DISABLED") or payload.get("stop_hook_active"):
        return None  # switched off, or a stop hook is already continuing this turn
    prompt, answer = last_exchange(payload.get("transcript_path"))
    prompt = strip_private(prompt).strip()  # private spans never leave this machine
    if not is_real_prompt(prompt) or SESSION_OFF in prompt or SESSION_ON in prompt:
        return None
    response = truncate(strip_private(str(payload.get("last_assistant_message") or answer or "")))
    interaction = ops.capture_turn(
        prompt,
        response,
        cwd=payload.get("cwd") or None,
        session_id=str(payload.get("session_id") or ""),
        reinforce=env_flag("ATOCORE_CAPTURE_REINFORCE"),
    )
    log(f"recorded interaction {interaction.id} (project={interaction.project or 'none'})")
    return None


def prompt(payload: dict[str, Any], ops: Any) -> dict | None:
    """Inject a budgeted context pack for the prompt (UserPromptSubmit)."""
    if env_flag("ATOCORE_CONTEXT_DISABLED"):
        return None
    forwarded = {**payload, "prompt": strip_private(str(payload.get("prompt") or ""))}
    mode = read("ATOCORE_HOOK_MODE")
    result = ops.prompt_hook(forwarded, budget=read("ATOCORE_HOOK_BUDGET"), mode=mode)
    return result.model_dump() if result else None


def session_start(payload: dict[str, Any], ops: Any) -> dict | None:
    """Inject the project's trusted state and recent decisions at session start."""
    if env_flag("ATOCORE_CONTEXT_DISABLED"):
        return None
    result = ops.session_start_hook(payload, budget=read("ATOCORE_SESSION_BUDGET"))
    return result.model_dump() if result else None


HANDLERS = {"stop": stop, "prompt": prompt, "session-start": session_start}


def run_hook(name: str, raw: str) -> str:
    """The fail-open edge: parse stdin, run the hook, return stdout text.

    Never raises: any problem (garbage stdin, a missing transcript, the
    server down, no data dir) is logged to stderr and yields "".
    """
    from atocore.api import operations

    try:
        handler = HANDLERS[name]
        payload = json.loads(raw) if raw.strip() else {}
        if not isinstance(payload, dict):
            raise ValueError("hook input is not a JSON object")
        with operations(timeout=hook_timeout_s(), create=False) as ops:
            result = handler(payload, ops)
        return json.dumps(result) if result else ""
    except Exception as exc:  # noqa: BLE001 - hooks must never fail the user's turn
        log(f"{name}: {getattr(exc, 'code', None) or type(exc).__name__}: {exc}")
        return ""
