"""``atocore claude install``: wire the hooks and slash commands into Claude Code.

Merges into an existing ``settings.json`` (other hooks and settings are
kept; atocore's own entries are replaced, so re-running is idempotent),
backs the old file up first, and copies ``commands/*.md``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from atocore.errors import InvalidInput

# Claude Code event → (our hook name, timeout in seconds).
HOOK_EVENTS = {
    "SessionStart": ("session-start", 10),
    "UserPromptSubmit": ("prompt", 10),
    "Stop": ("stop", 15),
}
COMMANDS_DIR = Path(__file__).resolve().parents[2] / "commands"


def default_command(name: str) -> str:
    """This installation's hook entry, by absolute path (hooks run without the venv's PATH).

    The ``atocore`` script beside the interpreter takes ``hook NAME`` straight
    to the hook code; ``python -m`` would add runpy's ~4 ms to every prompt.
    """
    script = Path(sys.executable).parent / "atocore"
    if script.is_file() and os.access(script, os.X_OK):
        return f"{shlex.quote(str(script))} hook {name}"
    return f"{shlex.quote(sys.executable)} -m atocore.hooks {name}"


def _is_ours(command: str, hook_name: str) -> bool:
    return "atocore" in command and (
        f"hook {hook_name}" in command or f"atocore.hooks {hook_name}" in command
    )


def merge_hooks(settings: dict[str, Any], base: str | None = None) -> dict[str, Any]:
    """``settings`` with atocore's hook entries (re)placed, everything else kept.

    ``base`` is how to start the CLI (``atocore`` → ``atocore hook stop``);
    by default this installation's entry (:func:`default_command`).
    """
    hooks = settings.get("hooks", {})
    if not isinstance(hooks, dict):
        raise InvalidInput("settings.json: 'hooks' must be an object")
    merged = {**settings, "hooks": dict(hooks)}
    for event, (name, timeout) in HOOK_EVENTS.items():
        groups = merged["hooks"].get(event, [])
        if not isinstance(groups, list):
            raise InvalidInput(f"settings.json: hooks.{event} must be a list")
        kept = []
        for group in groups:
            if not isinstance(group, dict):
                kept.append(group)
                continue
            entries = [
                h
                for h in group.get("hooks", [])
                if not (isinstance(h, dict) and _is_ours(str(h.get("command", "")), name))
            ]
            if entries:
                kept.append({**group, "hooks": entries})
        command = f"{base} hook {name}" if base else default_command(name)
        kept.append({"hooks": [{"type": "command", "command": command, "timeout": timeout}]})
        merged["hooks"][event] = kept
    return merged


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def install_mcp(project_dir: Path) -> str:
    """Merge an ``atocore`` server into the project's ``.mcp.json`` (others kept)."""
    path = project_dir.expanduser().resolve() / ".mcp.json"
    current: dict[str, Any] = {}
    if path.exists():
        try:
            current = json.loads(path.read_text(encoding="utf-8") or "{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path} is not valid JSON ({exc}); nothing was changed") from exc
        if not isinstance(current, dict) or not isinstance(current.get("mcpServers", {}), dict):
            raise InvalidInput(f"{path} must hold an object with an mcpServers object")
    servers = dict(current.get("mcpServers", {}))
    servers["atocore"] = {"command": sys.executable, "args": ["-m", "atocore", "mcp"]}
    _write_json(path, {**current, "mcpServers": servers})
    return str(path)


def install(
    project_dir: Path | None = None,
    *,
    home: Path | None = None,
    command: str | None = None,
    commands_src: Path | None = None,
    mcp: bool = False,
    url: str | None = None,
) -> dict[str, Any]:
    """Install hooks + slash commands for one project (``.claude/`` in it) or the user.

    ``url`` sets ``env.ATOCORE_URL`` in the settings, so the hooks and the
    slash commands of every session talk to that server.
    """
    if mcp and project_dir is None:
        raise InvalidInput(
            "--mcp needs --project-dir (for all projects run: claude mcp add atocore -- "
            "atocore mcp)"
        )
    root = (
        project_dir.expanduser().resolve() if project_dir else (home or Path.home())
    ) / ".claude"
    if project_dir is not None and not project_dir.expanduser().is_dir():
        raise InvalidInput(f"project dir {project_dir} does not exist")
    settings_path = root / "settings.json"
    current: dict[str, Any] = {}
    backup = None
    if settings_path.exists():
        try:
            current = json.loads(settings_path.read_text(encoding="utf-8") or "{}")
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(
                f"{settings_path} is not valid JSON ({exc}); fix it first, nothing was changed"
            ) from exc
        if not isinstance(current, dict):
            raise InvalidInput(f"{settings_path} must hold a JSON object; nothing was changed")
    merged = merge_hooks(current, command)  # validates before any write
    if url is not None:
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(f"--url must start with http:// or https://, got {url!r}")
        env = merged.get("env", {})
        if not isinstance(env, dict):
            raise InvalidInput("settings.json: 'env' must be an object")
        merged["env"] = {**env, "ATOCORE_URL": url.rstrip("/")}
    mcp_path = install_mcp(project_dir) if mcp and project_dir is not None else None
    if settings_path.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        backup = settings_path.with_name(f"settings.json.bak-{stamp}")
        shutil.copy2(settings_path, backup)
    _write_json(settings_path, merged)
    src = commands_src or COMMANDS_DIR
    copied = []
    if src.is_dir():
        target = root / "commands"
        target.mkdir(parents=True, exist_ok=True)
        for md in sorted(src.glob("atocore-*.md")):
            shutil.copyfile(md, target / md.name)
            copied.append(str(target / md.name))
    return {
        "settings_path": str(settings_path),
        "backup_path": str(backup) if backup else None,
        "hooks": {
            event: merged["hooks"][event][-1]["hooks"][0]["command"] for event in HOOK_EVENTS
        },
        "commands": copied,
        "commands_source": str(src) if src.is_dir() else None,
        "mcp_config": mcp_path,
        "url": merged.get("env", {}).get("ATOCORE_URL"),
    }
