"""``atocore claude``: Claude Code integration (hooks + slash commands)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from atocore.cli.common import JsonOpt, console, emit, new_app, state, success, warn

claude_app = new_app("Claude Code integration: install hooks and slash commands.")


def register(app: typer.Typer) -> None:
    app.add_typer(claude_app, name="claude")


@claude_app.command("install")
def install_cmd(
    project_dir: Annotated[
        Path | None,
        typer.Option(
            "--project-dir",
            help="Install into DIR/.claude/ (default: the user's ~/.claude/).",
            show_default=False,
        ),
    ] = None,
    command: Annotated[
        str | None,
        typer.Option(
            "--command",
            help="Start hooks as `COMMAND hook NAME` (default: this installation's `atocore` "
            "script by absolute path; `hook NAME` skips the CLI start-up).",
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Set env.ATOCORE_URL in the settings: hooks and slash commands use that server.",
            show_default=False,
        ),
    ] = None,
    mcp: Annotated[
        bool,
        typer.Option("--mcp", help="Also register `atocore mcp` in DIR/.mcp.json (project scope)."),
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Merge atocore's hooks into Claude Code's settings.json (backed up) and copy commands."""
    from atocore.cli.common import refuse_url

    refuse_url("claude install", "it writes this machine's settings; use `claude install --url`")
    from atocore.hooks.install import install

    report = install(project_dir, command=command, mcp=mcp, url=url)

    def render(r: dict[str, Any]) -> None:
        success(f"hooks written to {r['settings_path']}")
        if r["backup_path"]:
            console().print(f"  previous settings backed up to {r['backup_path']}")
        for event, cmd in r["hooks"].items():
            console().print(f"  {event}: {cmd}")
        if r["commands"]:
            console().print(f"  slash commands: {', '.join(Path(c).stem for c in r['commands'])}")
        else:
            warn("slash commands not found next to this installation; none copied")
        if r["url"]:
            console().print(f"  sessions use the server at {r['url']} (env.ATOCORE_URL)")
        if r["mcp_config"]:
            console().print(f"  MCP server registered in {r['mcp_config']}")

    emit(report, state.json, render)
