"""Text helpers shared by the hooks: truncation, transcripts (and, re-exported from
:mod:`atocore.privacy`, private spans)."""

from __future__ import annotations

import json
from pathlib import Path

from atocore import text as _text
from atocore.privacy import strip_private as strip_private  # the hooks' import path

MIN_PROMPT_CHARS = 15
MAX_RESPONSE_CHARS = 50_000


def truncate(text: str, limit: int = MAX_RESPONSE_CHARS) -> str:
    """A response cut to what a hook stores (:func:`atocore.text.truncate`)."""
    return _text.truncate(text, limit)


def _content_text(content: object) -> str:
    if isinstance(content, str):
        return content.strip()
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
        return "\n".join(parts).strip()
    return ""


TAIL_BYTES = 4 * 1024 * 1024


def _lines(path: Path, tail_bytes: int | None) -> list[bytes]:
    """All lines, or only the complete lines of the last ``tail_bytes``."""
    with open(path, "rb") as handle:
        size = handle.seek(0, 2)
        start = max(0, size - tail_bytes) if tail_bytes else 0
        handle.seek(start)
        data = handle.read()
    lines = data.split(b"\n")
    if start > 0:
        lines = lines[1:]  # the first one is cut
    return lines


def _entries(path: Path, tail_bytes: int | None):
    for raw in _lines(path, tail_bytes):
        line = raw.strip()
        if not line:
            continue
        try:
            entry = json.loads(line.decode("utf-8", errors="replace"))
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict):
            yield entry


def is_real_prompt(text: str) -> bool:
    """Not a command/system XML message, not a one-word acknowledgement."""
    return bool(text) and not text.startswith("<") and len(text) >= MIN_PROMPT_CHARS


def last_exchange(path: str | Path | None, *, tail_bytes: int = TAIL_BYTES) -> tuple[str, str]:
    """The last real user prompt in a transcript and the assistant text after it.

    Skips meta entries, command/system XML and prompts shorter than
    :data:`MIN_PROMPT_CHARS`; a missing or unreadable file gives ``("", "")``.
    Long transcripts are read from the end (the last ``tail_bytes``) and
    only read whole when no prompt is found there.
    """
    if not path:
        return "", ""
    target = Path(path).expanduser()
    try:
        found = _scan(_entries(target, tail_bytes))
        if not found[0] and target.stat().st_size > tail_bytes:
            found = _scan(_entries(target, None))
    except OSError:
        return "", ""
    return found


def _scan(entries) -> tuple[str, str]:
    prompt, answer_parts = "", list[str]()
    for entry in entries:
        kind = entry.get("type")
        message = entry.get("message")
        if not isinstance(message, dict):
            continue
        if kind == "user" and not entry.get("isMeta", False):
            text = _content_text(message.get("content", ""))
            if is_real_prompt(text):
                prompt, answer_parts = text, []
        elif kind == "assistant" and prompt:
            text = _content_text(message.get("content", ""))
            if text:
                answer_parts.append(text)
    return prompt, "\n\n".join(answer_parts)
