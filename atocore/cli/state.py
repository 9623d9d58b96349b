"""``atocore state``: trusted, hand-curated project state."""

from __future__ import annotations

from typing import Annotated

import typer

from atocore.cli.common import JsonOpt, db, emit, new_app, state, success, table

state_app = new_app("Trusted project state: curated facts that lead every context pack.")


def register(app: typer.Typer) -> None:
    app.add_typer(state_app, name="state")


def _render(entries: list[dict]) -> None:
    table(
        None,
        ["category", "key", "value", "status", "updated"],
        [[e["category"], e["key"], e["value"], e["status"], e["updated_at"]] for e in entries],
        empty="no project state",
    )


@state_app.command("list")
def list_cmd(
    project: Annotated[str, typer.Argument(help="Project id or alias.")],
    category: Annotated[str | None, typer.Option("--category", "-c")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Include superseded history.")] = False,
    json_output: JsonOpt = False,
) -> None:
    """List a project's active state (or its full history with --all)."""
    from atocore.client import fetch, remote, segment
    from atocore.context.project_state import get_state

    if remote():
        path = f"/project/state/{segment(project)}"
        return emit(fetch("GET", path, category=category, all=all_), state.json, _render)
    with db() as conn:
        entries = get_state(conn, project, category=category, include_history=all_)
    emit([e.model_dump() for e in entries], state.json, _render)


@state_app.command("set")
def set_cmd(
    project: Annotated[str, typer.Argument(help="Project id or alias.")],
    category: Annotated[
        str,
        typer.Argument(help="status|decision|requirement|contact|milestone|fact|config"),
    ],
    key: str,
    value: str,
    source: Annotated[str, typer.Option("--source", help="Where this fact comes from.")] = "",
    confidence: Annotated[float, typer.Option("--confidence")] = 1.0,
    json_output: JsonOpt = False,
) -> None:
    """Set the active value of project/category/key (the old value becomes history)."""
    from atocore.context.project_state import set_state

    with db() as conn:
        entry = set_state(conn, project, category, key, value, source=source, confidence=confidence)
    emit(
        entry.model_dump(),
        state.json,
        lambda e: success(f"{e['project']} {e['category']}/{e['key']} = {e['value']}"),
    )


@state_app.command("invalidate")
def invalidate(
    project: Annotated[str, typer.Argument(help="Project id or alias.")],
    category: str,
    key: str,
    json_output: JsonOpt = False,
) -> None:
    """Retire the active value of project/category/key (kept as history)."""
    from atocore.context.project_state import invalidate_state

    with db() as conn:
        entry = invalidate_state(conn, project, category, key)
    emit(
        entry.model_dump(),
        state.json,
        lambda e: success(f"superseded {e['project']} {e['category']}/{e['key']}"),
    )
