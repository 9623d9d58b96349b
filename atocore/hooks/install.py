"""``atocore claude install`` / ``uninstall``: wire atocore into Claude Code, and unwire it.

Install merges atocore's hooks into ``settings.json`` (other hooks and
settings are kept; atocore's own entries are replaced, so re-running is
idempotent and, when nothing changed, writes nothing), copies
``commands/*.md`` and records what it added in ``atocore-install.json``
beside the settings, so that uninstall removes exactly that.

Each hook command names the data dir (and server URL) it was installed
with, so Claude Code reaches the same store whatever its environment. By
default prompts are served warm: the prompt and session-start hooks talk to
a loopback server and start one in the background when none answers
(:mod:`atocore.hooks.autostart`); the stop hook writes to the data dir
itself, so a capture never waits for a server to start.
"""

from __future__ import annotations

import hashlib
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
MANIFEST = "atocore-install.json"
DEFAULT_PORT = 8100
SERVICE_NAME = "atocore-serve.service"


def default_command(name: str) -> str:
    """This installation's hook entry, by absolute path (hooks run without the venv's PATH).

    ``python -S`` on :mod:`atocore.hooks.launch` skips the ``site`` start-up
    that every other entry pays on every prompt.
    """
    launcher = Path(__file__).with_name("launch.py")
    return f"{shlex.quote(sys.executable)} -S {shlex.quote(str(launcher))} {name}"


def hook_command(
    name: str, *, data_dir: Path, url: str | None, autostart: bool, base: str | None = None
) -> str:
    """The shell command of hook ``name``: its environment, then the entry.

    With ``autostart`` the stop hook gets no URL: it captures into the data
    dir directly (the same store the started server reads).
    """
    env = [f"ATOCORE_DATA_DIR={shlex.quote(str(data_dir))}"]
    if url and not (autostart and name == "stop"):
        env.append(f"ATOCORE_URL={shlex.quote(url)}")
    if autostart and name != "stop":
        env.append("ATOCORE_AUTOSTART=1")
    entry = f"{base} hook {name}" if base else default_command(name)
    return " ".join([*env, entry])


def _is_ours(command: str, hook_name: str) -> bool:
    return "atocore" in command and (
        f"hook {hook_name}" in command
        or f"atocore.hooks {hook_name}" in command
        or f"launch.py {hook_name}" in command
    )


def _without_ours(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` minus every atocore hook entry (groups and events left empty go too)."""
    if "hooks" not in settings:
        return dict(settings)
    hooks = settings["hooks"]
    if not isinstance(hooks, dict):
        raise InvalidInput("settings.json: 'hooks' must be an object")
    cleaned = dict(hooks)
    for event, (name, _timeout) in HOOK_EVENTS.items():
        groups = cleaned.get(event)
        if groups is None:
            continue
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
            if entries or not group.get("hooks"):
                kept.append({**group, "hooks": entries} if "hooks" in group else group)
        if kept:
            cleaned[event] = kept
        else:
            cleaned.pop(event)
    result = {**settings, "hooks": cleaned}
    if not cleaned and hooks:
        result.pop("hooks")
    return result


def merge_hooks(settings: dict[str, Any], commands: dict[str, str]) -> dict[str, Any]:
    """``settings`` with atocore's hook entries (re)placed, everything else kept.

    ``commands`` maps our hook name to its shell command (:func:`hook_command`).
    """
    merged = _without_ours(settings)
    hooks = dict(merged.get("hooks", {}))
    for event, (name, timeout) in HOOK_EVENTS.items():
        entry = {"type": "command", "command": commands[name], "timeout": timeout}
        hooks[event] = [*hooks.get(event, []), {"hooks": [entry]}]
    return {**merged, "hooks": hooks}


def _read_json(path: Path, what: str) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"{path} is not valid JSON ({exc}); fix it first, nothing was changed"
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{path} must hold a JSON {what}; nothing was changed")
    return data


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".atocore-", suffix=".json", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)


def _backup(path: Path) -> Path | None:
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    backup = path.with_name(f"{path.name}.bak-{stamp}")
    shutil.copy2(path, backup)
    return backup


def _restore_env(settings: dict[str, Any], key: str, added: dict[str, Any]) -> dict[str, Any]:
    """``settings`` with env ``key`` as it was before install set it (unless changed since)."""
    env = dict(settings.get("env", {}))
    if env.get(key) != added.get("value"):
        return settings  # changed since install: the user's now
    if added.get("previous") is None:
        env.pop(key)
    else:
        env[key] = added["previous"]
    restored = {**settings, "env": env}
    if not env:
        restored.pop("env")
    return restored


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mcp_servers(path: Path) -> dict[str, Any]:
    current = _read_json(path, "object")
    if not isinstance(current.get("mcpServers", {}), dict):
        raise InvalidInput(f"{path} must hold an object with an mcpServers object")
    return current


def install_mcp(project_dir: Path, *, data_dir: Path, url: str | None = None) -> str:
    """Merge an ``atocore`` server into the project's ``.mcp.json`` (others kept)."""
    path = project_dir.expanduser().resolve() / ".mcp.json"
    current = _mcp_servers(path)
    servers = dict(current.get("mcpServers", {}))
    env = {"ATOCORE_DATA_DIR": str(data_dir), **({"ATOCORE_URL": url} if url else {})}
    servers["atocore"] = {"command": sys.executable, "args": ["-m", "atocore", "mcp"], "env": env}
    if servers != current.get("mcpServers"):
        _write_json(path, {**current, "mcpServers": servers})
    return str(path)


def user_unit_dir(home: Path | None = None) -> Path:
    """Where systemd looks for user units (``$XDG_CONFIG_HOME/systemd/user``)."""
    if home is None and os.environ.get("XDG_CONFIG_HOME"):
        return Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
    return (home or Path.home()) / ".config" / "systemd" / "user"


def service_unit(data_dir: Path, port: int) -> str:
    """A systemd user unit running this installation's server on loopback."""
    return (
        "# Written by `atocore claude install --service`; removed by `atocore claude uninstall`.\n"
        "[Unit]\n"
        "Description=atocore HTTP API (warm context packs for Claude Code hooks)\n\n"
        "[Service]\n"
        "Type=simple\n"
        f'Environment="ATOCORE_DATA_DIR={data_dir}"\n'
        f"ExecStart={shlex.quote(sys.executable)} -m atocore serve --host 127.0.0.1 "
        f"--port {port}\n"
        "Restart=on-failure\n"
        "RestartSec=5\n"
        "RestartPreventExitStatus=2\n\n"
        "[Install]\n"
        "WantedBy=default.target\n"
    )


def _claude_root(project_dir: Path | None, home: Path | None) -> Path:
    if project_dir is not None:
        if not project_dir.expanduser().is_dir():
            raise InvalidInput(f"project dir {project_dir} does not exist")
        return project_dir.expanduser().resolve() / ".claude"
    return (home or Path.home()) / ".claude"


def install(
    project_dir: Path | None = None,
    *,
    home: Path | None = None,
    command: str | None = None,
    commands_src: Path | None = None,
    mcp: bool = False,
    mcp_dir: Path | None = None,
    url: str | None = None,
    port: int = DEFAULT_PORT,
    service: bool = False,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Install hooks + slash commands for one project (``.claude/`` in it) or the user.

    Without ``url`` the hooks use a loopback server on ``port``: started by
    the prompt hook when needed, or by a systemd user unit (``service``).
    ``url`` (the user's own server) is also set as ``env.ATOCORE_URL``, so
    the slash commands talk to it. ``mcp`` registers the MCP server in
    ``mcp_dir`` (default: the project dir, else the current directory).
    """
    from atocore.config import get_settings

    if url is not None:
        if not url.startswith(("http://", "https://")):
            raise InvalidInput(f"--url must start with http:// or https://, got {url!r}")
        if service:
            raise InvalidInput("--service runs a local server; it cannot be used with --url")
        url = url.rstrip("/")
    if not 1 <= port <= 65535:
        raise InvalidInput(f"--port must be 1-65535, got {port}")
    data_dir = (data_dir or get_settings().data_dir).absolute()
    root = _claude_root(project_dir, home)
    settings_path = root / "settings.json"
    manifest_path = root / MANIFEST
    current = _read_json(settings_path, "object")
    previous = _read_json(manifest_path, "object")
    hook_url = url or f"http://127.0.0.1:{port}"
    autostart = url is None and not service
    commands = {
        name: hook_command(name, data_dir=data_dir, url=hook_url, autostart=autostart, base=command)
        for name, _ in HOOK_EVENTS.values()
    }
    merged = merge_hooks(current, commands)  # validates before any write
    env_added = dict(previous.get("env", {}))
    if url is not None:
        env = merged.get("env", {})
        if not isinstance(env, dict):
            raise InvalidInput("settings.json: 'env' must be an object")
        if "ATOCORE_URL" not in env_added:
            env_added["ATOCORE_URL"] = {"previous": env.get("ATOCORE_URL")}
        env_added["ATOCORE_URL"]["value"] = url
        merged["env"] = {**env, "ATOCORE_URL": url}
    elif "ATOCORE_URL" in env_added:  # an earlier install set it; this one uses no remote URL
        merged = _restore_env(merged, "ATOCORE_URL", env_added.pop("ATOCORE_URL"))
    mcp_target = (mcp_dir or project_dir or Path.cwd()) if mcp else None
    if mcp_target is not None and not mcp_target.expanduser().is_dir():
        raise InvalidInput(f"MCP project dir {mcp_target} does not exist")
    mcp_path = install_mcp(mcp_target, data_dir=data_dir, url=url) if mcp_target else None

    backup = None
    if merged != current or not settings_path.exists():
        backup = _backup(settings_path)
        _write_json(settings_path, merged)
    src = commands_src or COMMANDS_DIR
    copied: dict[str, str] = {}
    if src.is_dir():
        target = root / "commands"
        for md in sorted(src.glob("atocore-*.md")):
            dest = target / md.name
            if not dest.exists() or dest.read_bytes() != md.read_bytes():
                target.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(md, dest)
            copied[str(dest)] = _sha(dest)
    unit_path = None
    if service:
        unit = user_unit_dir(home) / SERVICE_NAME
        text = service_unit(data_dir, port)
        if not unit.exists() or unit.read_text(encoding="utf-8") != text:
            unit.parent.mkdir(parents=True, exist_ok=True)
            unit.write_text(text, encoding="utf-8")
        unit_path = str(unit)
    mcp_configs = sorted({*previous.get("mcp_configs", []), *([mcp_path] if mcp_path else [])})
    units = sorted({*previous.get("service_units", []), *([unit_path] if unit_path else [])})
    manifest = {
        "data_dir": str(data_dir),
        "url": hook_url,
        "autostart": autostart,
        "hooks": {event: commands[name] for event, (name, _) in HOOK_EVENTS.items()},
        "commands": copied,
        "env": env_added,
        "mcp_configs": mcp_configs,
        "service_units": units,
    }
    if manifest != previous:
        _write_json(manifest_path, manifest)
    return {
        "settings_path": str(settings_path),
        "backup_path": str(backup) if backup else None,
        "data_dir": str(data_dir),
        "hooks": manifest["hooks"],
        "commands": sorted(copied),
        "commands_source": str(src) if src.is_dir() else None,
        "mcp_config": mcp_path,
        "url": merged.get("env", {}).get("ATOCORE_URL"),
        "server": hook_url,
        "server_mode": "remote" if url else ("service" if service else "autostart"),
        "service_unit": unit_path,
    }


def uninstall(project_dir: Path | None = None, *, home: Path | None = None) -> dict[str, Any]:
    """Remove what :func:`install` added to ``.claude/`` (and .mcp.json, the unit); keep the rest.

    Hook entries go by their shape (any atocore hook command); slash
    commands, env values, MCP entries and units only as the install
    manifest recorded them, and a command file edited since is kept.
    """
    root = _claude_root(project_dir, home)
    settings_path = root / "settings.json"
    manifest_path = root / MANIFEST
    current = _read_json(settings_path, "object")
    manifest = _read_json(manifest_path, "object")
    cleaned = _without_ours(current) if current else current
    for key, added in manifest.get("env", {}).items():
        cleaned = _restore_env(cleaned, key, added)
    backup = None
    if cleaned != current:
        backup = _backup(settings_path)
        _write_json(settings_path, cleaned)
    removed, kept = [], []
    for name, sha in manifest.get("commands", {}).items():
        path = Path(name)
        if path.is_file() and _sha(path) == sha:
            path.unlink()
            removed.append(name)
        elif path.exists():
            kept.append(name)
    commands_dir = root / "commands"
    if commands_dir.is_dir() and not any(commands_dir.iterdir()):
        commands_dir.rmdir()
    for config in manifest.get("mcp_configs", []):
        path = Path(config)
        data = _mcp_servers(path) if path.exists() else {}
        servers = {k: v for k, v in data.get("mcpServers", {}).items() if k != "atocore"}
        if servers == data.get("mcpServers", {}):
            continue
        if servers or set(data) != {"mcpServers"}:
            _write_json(path, {**data, "mcpServers": servers})
        else:
            path.unlink()
        removed.append(config)
    for unit in manifest.get("service_units", []):
        if Path(unit).exists():
            Path(unit).unlink()
            removed.append(unit)
    manifest_path.unlink(missing_ok=True)
    return {
        "settings_path": str(settings_path),
        "backup_path": str(backup) if backup else None,
        "removed": removed,
        "kept_edited": kept,
        "service_units": manifest.get("service_units", []),
    }
