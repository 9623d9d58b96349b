"""Builders for test data that need no fixture: notes in a vault folder, a Claude Code
transcript, a row count. The fixtures that need the test's data dir or connection
(``registered_project``, ``make_memory``, ``make_entity``, ``api``) are in conftest.py
and use these. See "Writing tests" in docs/architecture/overview.md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def frontmatter(**fields: Any) -> str:
    """A YAML frontmatter block, lists written inline: ``aliases: [drive motor]``."""
    if not fields:
        return ""
    lines = [
        f"{key}: [{', '.join(map(str, value))}]" if isinstance(value, list) else f"{key}: {value}"
        for key, value in fields.items()
    ]
    return "---\n" + "\n".join(lines) + "\n---\n"


def write_note(root: Path, relpath: str, body: str | bytes = "", **fields: Any) -> Path:
    """Write one note (its folders made as needed), frontmatter from ``fields`` first;
    bytes are written as they are. Returns the note's path."""
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(frontmatter(**fields) + body, encoding="utf-8")
    return path


def write_notes(root: Path, files: dict[str, str | bytes]) -> Path:
    """Write ``{relpath: text}`` under ``root`` (made even when ``files`` is empty)."""
    root.mkdir(parents=True, exist_ok=True)
    for relpath, body in files.items():
        write_note(root, relpath, body)
    return root


def write_transcript(path: Path, prompt: str, answer: str | None = None) -> Path:
    """A Claude Code transcript (JSON lines): the user's prompt, then the assistant's
    answer when given — what the Stop hook reads back."""
    entries: list[dict[str, Any]] = [
        {"type": "user", "message": {"role": "user", "content": prompt}}
    ]
    if answer is not None:
        entries.append(
            {
                "type": "assistant",
                "message": {"role": "assistant", "content": [{"type": "text", "text": answer}]},
            }
        )
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return path


def count(conn: Any, table: str, where: str = "1=1") -> int:
    """Rows in ``table`` matching ``where`` (an SQL expression written by the test)."""
    return conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchone()[0]
