"""Test helpers that need no fixture: notes in a vault folder, a Claude Code
transcript, a hook run as Claude Code runs it, a row count. The fixtures that need the
test's data dir or connection (``registered_project``, ``make_memory``, ``make_entity``,
``mirror_project``, ``api``) are in conftest.py. See "Writing tests" in
docs/architecture/overview.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

MOUNT_NOTE = "# Mount\n\nThe reference mirror sits on a kinematic mount with three balls.\n"
"""The one-paragraph note the hook and server tests ingest and ask about."""


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


HOOK = [sys.executable, "-m", "atocore.hooks"]
"""The hooks' fast entry point, as the installed hooks call it: ``[*HOOK, "prompt"]``."""


def run_hook(
    argv: list[str], payload: dict | str, env: dict[str, str] | None = None, *, timeout=60
) -> subprocess.CompletedProcess:
    """Run a hook process with ``payload`` (a dict is sent as JSON) on stdin and ``env``
    added to this process's environment; stdout and stderr come back as text."""
    stdin = payload if isinstance(payload, str) else json.dumps(payload)
    return subprocess.run(
        argv,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def count(conn: Any, table: str, where: str = "1=1") -> int:
    """Rows in ``table`` matching ``where`` (an SQL expression written by the test)."""
    return conn.execute(f"SELECT COUNT(*) FROM {table} WHERE {where}").fetchone()[0]
