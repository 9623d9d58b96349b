"""``atocore state``: trusted, hand-curated project state."""

from __future__ import annotations

from typing import Annotated

import typer

from atocore.cli.common import (
    JsonOpt,
    emit,
    new_app,
    operations,
    state,
    success,
    table,
    to_jsonable,
)

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
    with operations() as ops:
        entries = ops.get_state(project, category=category, all=all_)
    emit(to_jsonable(entries), state.json, _render)


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
    with operations() as ops:
        entry = ops.set_state(project, category, key, value, source=source, confidence=confidence)
    emit(
        to_jsonable(entry),
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
    with operations() as ops:
        entry = ops.invalidate_state(project, category, key)
    emit(
        to_jsonable(entry),
        state.json,
        lambda e: success(f"superseded {e['project']} {e['category']}/{e['key']}"),
    )
