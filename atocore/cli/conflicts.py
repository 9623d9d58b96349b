"""``atocore conflicts``: disagreements between entities (and curated state) to rule on."""

from __future__ import annotations

from typing import Annotated

import typer

from atocore.cli.common import (
    JsonOpt,
    ProjectOpt,
    console,
    emit,
    new_app,
    operations,
    state,
    success,
    to_jsonable,
)
from atocore.cli.common import table as render_table

conflicts_app = new_app("Conflicts between entities / project state: list, show, resolve.")


def register(app: typer.Typer) -> None:
    app.add_typer(conflicts_app, name="conflicts")


def _values(c: dict) -> str:
    return " | ".join(f"{m['value']} ({m['role']}, {m['status']})" for m in c["members"])


def _render_list(rows: list[dict]) -> None:
    render_table(
        None,
        ["id", "project", "slot", "values", "status"],
        [
            [
                c["id"][:12],
                c["project"],
                f"{c['identity_key']}.{c['field']}",
                _values(c),
                c["status"],
            ]
            for c in rows
        ],
        empty="no conflicts",
    )


def _render_one(c: dict) -> None:
    out = console()
    ruling = f" · {c['resolution']}" if c["resolution"] else ""
    out.print(f"[bold]conflict {c['id']}[/bold]  ({c['status']}{ruling})")
    out.print(f"  slot: {c['slot_key']}")
    out.print(f"  detected by: {c['detected_by']} at {c['created_at']}")
    for m in c["members"]:
        out.print(
            f"  - {m['role']:<8} {m['kind']} {m['id'][:12]} [{m['status']}] {m['label']}: "
            f"[cyan]{m['value']}[/cyan]"
        )
    if c["reason"]:
        out.print(f"  reason: {c['reason']}")


@conflicts_app.command("list")
def list_cmd(
    project: ProjectOpt = None,
    status: Annotated[
        str, typer.Option("--status", "-s", help="open|resolved|dismissed|all")
    ] = "open",
    json_output: JsonOpt = False,
) -> None:
    """List conflicts (open ones by default)."""
    with operations() as ops:
        rows = ops.list_conflicts(project, status=status)
    emit(to_jsonable(rows), state.json, _render_list)


@conflicts_app.command("show")
def show_cmd(
    conflict_id: Annotated[str, typer.Argument(help="Conflict id or unique prefix.")],
    json_output: JsonOpt = False,
) -> None:
    """Show one conflict and its members."""
    with operations() as ops:
        conflict = ops.show_conflict(conflict_id)
    emit(to_jsonable(conflict), state.json, _render_one)


@conflicts_app.command("resolve")
def resolve_cmd(
    conflict_id: Annotated[str, typer.Argument(help="Conflict id or unique prefix.")],
    action: Annotated[str, typer.Option("--action", help="supersede_others | no_action | dismiss")],
    winner: Annotated[
        str | None,
        typer.Option(
            "--winner",
            help="Member that wins supersede_others (default: curated "
            "state, else the incoming value).",
        ),
    ] = None,
    reason: Annotated[str, typer.Option("--reason", "-r", help="Why (review log).")] = "",
    json_output: JsonOpt = False,
) -> None:
    """Resolve a conflict: supersede the losing members, leave them as they are, or dismiss."""
    with operations() as ops:
        conflict = ops.resolve_conflict(conflict_id, action, winner=winner, reason=reason)
    emit(
        to_jsonable(conflict),
        state.json,
        lambda c: success(f"conflict {c['id'][:12]} {c['status']} ({c['resolution']})"),
    )
