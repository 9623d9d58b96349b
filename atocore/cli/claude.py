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
        typer.Option(
            "--mcp",
            help="Also register `atocore mcp` in .mcp.json of --project-dir (default: the "
            "current directory).",
        ),
    ] = False,
    port: Annotated[
        int,
        typer.Option(
            "--port",
            min=1,
            max=65535,
            help="Port of the local warm server the hooks use (without --url).",
        ),
    ] = 8100,
    service: Annotated[
        bool,
        typer.Option(
            "--service",
            help="Run the warm server as a systemd user unit instead of starting it from the "
            "prompt hook (~/.config/systemd/user/atocore-serve.service).",
        ),
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Merge atocore's hooks into Claude Code's settings.json and copy commands.

    Prompts are served warm: the prompt hook starts a local server when none
    answers (it stops after 30 idle minutes), or --service installs a unit.
    """
    from atocore.cli.common import refuse_url

    refuse_url("claude install", "it writes this machine's settings; use `claude install --url`")
    from atocore.hooks.install import install

    report = install(project_dir, command=command, mcp=mcp, url=url, port=port, service=service)

    def render(r: dict[str, Any]) -> None:
        success(f"hooks in {r['settings_path']} (data dir {r['data_dir']})")
        if r["backup_path"]:
            console().print(f"  previous settings backed up to {r['backup_path']}")
        for event, cmd in r["hooks"].items():
            console().print(f"  {event}: {cmd}")
        if r["commands"]:
            console().print(f"  slash commands: {', '.join(Path(c).stem for c in r['commands'])}")
        else:
            warn("slash commands not found next to this installation; none copied")
        if r["server_mode"] == "remote":
            console().print(f"  sessions use the server at {r['url']} (env.ATOCORE_URL)")
        elif r["server_mode"] == "autostart":
            console().print(
                f"  warm server: {r['server']}, started by the prompt hook when needed "
                "(stops after ATOCORE_IDLE_EXIT_SECONDS, default 1800)"
            )
        else:
            console().print(f"  systemd user unit written: {r['service_unit']}")
            console().print(
                "  start it: systemctl --user daemon-reload && "
                "systemctl --user enable --now atocore-serve.service"
            )
        if r["mcp_config"]:
            console().print(f"  MCP server registered in {r['mcp_config']}")

    emit(report, state.json, render)


@claude_app.command("uninstall")
def uninstall_cmd(
    project_dir: Annotated[
        Path | None,
        typer.Option(
            "--project-dir",
            help="Uninstall from DIR/.claude/ (default: the user's ~/.claude/).",
            show_default=False,
        ),
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Remove what `claude install` added; your own hooks and settings stay."""
    from atocore.hooks.install import uninstall

    report = uninstall(project_dir)

    def render(r: dict[str, Any]) -> None:
        success(f"atocore hooks removed from {r['settings_path']}")
        if r["backup_path"]:
            console().print(f"  previous settings backed up to {r['backup_path']}")
        for path in r["removed"]:
            console().print(f"  removed {path}")
        for path in r["kept_edited"]:
            warn(f"kept {path} (edited since install)")
        if r["service_units"]:
            console().print(
                "  stop it: systemctl --user disable --now atocore-serve.service && "
                "systemctl --user daemon-reload"
            )

    emit(report, state.json, render)
