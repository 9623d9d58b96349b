"""Per-session prompt-hook state: the ``#atocore-off`` switch and the injected pack.

Both live as small files under the run dir of the process that builds the
pack: the hook process in local mode, the server when the prompt hook is
relayed to it. The stop hook's interaction is recorded by the same side
(``POST /interactions`` recalls the pack on the server), so the pack that
was injected for a turn reaches the interaction that records it.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

SESSION_OFF = "#atocore-off"
SESSION_ON = "#atocore-on"
STALE_AFTER_S = 2 * 86400


def _marker(session_id: str) -> Path | None:
    from atocore.config import get_settings

    safe = re.sub(r"[^A-Za-z0-9_-]", "_", session_id)[:128]
    if not safe:
        return None
    return get_settings().run_dir / "hook-sessions" / f"{safe}.off"


def injection_on(session_id: str) -> bool:
    """False once ``#atocore-off`` was typed in this session (until ``#atocore-on``)."""
    marker = _marker(session_id)
    return not (marker and marker.exists())


def set_injection(session_id: str, enabled: bool) -> None:
    marker = _marker(session_id)
    if marker is None:
        return
    if enabled:
        marker.unlink(missing_ok=True)
    else:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text("off\n", encoding="utf-8")


def _pack_file(session_id: str) -> Path | None:
    marker = _marker(session_id)
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
    prune(path.parent)


def prune(directory: Path, max_age_s: float = STALE_AFTER_S) -> None:
    """Drop session files nobody consumed (capture off, session abandoned)."""
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
