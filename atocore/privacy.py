"""Private spans: text a person marks ``<private>…</private>`` is never stored.

Stdlib only: the hooks import it on every prompt, and the capture service
applies it to everything it stores (prompt, response, summary, context pack),
so no entry point (CLI, HTTP, MCP, hooks) can keep a secret by forgetting it.
"""

from __future__ import annotations

import re
from typing import Any

_PRIVATE = re.compile(r"<private>.*?(?:</private>|\Z)", re.IGNORECASE | re.DOTALL)
PLACEHOLDER = "[private]"


def strip_private(text: str) -> str:
    """Drop ``<private>…</private>`` spans (an unclosed one runs to the end)."""
    return _PRIVATE.sub(PLACEHOLDER, text or "")


def strip_private_values(value: Any) -> Any:
    """``value`` with every string inside it (dicts, lists) stripped of private spans."""
    if isinstance(value, str):
        return strip_private(value)
    if isinstance(value, dict):
        return {k: strip_private_values(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strip_private_values(v) for v in value]
    return value
