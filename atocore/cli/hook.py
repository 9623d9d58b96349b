"""``atocore hook``: Claude Code hooks (stdin JSON in, always exit 0)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer


class HookName(StrEnum):
    stop = "stop"
    prompt = "prompt"
    session_start = "session-start"


def register(app: typer.Typer) -> None:
    app.command("hook")(hook)


def hook(
    name: Annotated[HookName, typer.Argument(help="stop | prompt | session-start")],
) -> None:
    """Run a Claude Code hook: reads the hook JSON on stdin, never fails the session.

    [bold]stop[/bold] captures the last prompt/response as an interaction;
    [bold]prompt[/bold] injects a context pack; [bold]session-start[/bold] injects
    project state and recent decisions. Kill switches: ATOCORE_CAPTURE_DISABLED=1,
    ATOCORE_CONTEXT_DISABLED=1; type #atocore-off / #atocore-on in a prompt to
    switch injection for one session.
    """
    from atocore.hooks.__main__ import main as run_hook

    raise typer.Exit(run_hook([name.value]))
