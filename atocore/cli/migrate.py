"""``atocore migrate``: one-off data migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from atocore.cli.common import JsonOpt, console, emit, new_app, operations, state, success

migrate_app = new_app("One-off data migrations (dry run unless --apply).")


def register(app: typer.Typer) -> None:
    app.add_typer(migrate_app, name="migrate")


def render_plan_text(payload: dict[str, Any]) -> str:
    """Human summary of a migration plan (also used in tests)."""
    plan = payload["plan"]
    counts = plan["counts"]
    lines = []
    if not plan["alias_map"]:
        return "No registered projects: nothing to plan."
    if plan["is_empty"]:
        lines.append("Nothing to migrate: no rows are keyed under a project alias.")
    else:
        lines.append("Legacy alias migration plan:")
        for name, value in counts.items():
            if value:
                lines.append(f"  {name.replace('_', ' ')}: {value}")
        for shadow in plan["shadow_projects"]:
            lines.append(
                f"  shadow project {shadow['shadow_name']!r} -> "
                f"{shadow['canonical_project_id']} ({shadow['state_rows']} state rows)"
            )
    for table, count in plan.get("other_alias_rows", {}).items():
        lines.append(
            f"  note: {count} {table} rows use an alias (not migrated; re-ingest/re-import)"
        )
    for error in plan["integrity_errors"]:
        lines.append(f"  INTEGRITY ERROR: {error}")
    for state_plan in plan["state_plans"]:
        for c in state_plan["collisions"]:
            lines.append(
                f"  COLLISION {state_plan['canonical_project_id']} {c['category']}/{c['key']}: "
                f"alias value {c['shadow']['value']!r} vs canonical {c['canonical']['value']!r}"
            )
        for drop in state_plan["historical_drops"]:
            lines.append(
                f"  historical drop (canonical holds the same value): "
                f"{drop['category']}/{drop['key']} = {drop['value']!r} [{drop['status']}]"
            )
    if plan["integrity_errors"] or plan["has_collisions"]:
        lines.append(
            "  --apply will REFUSE until these are resolved (e.g. `atocore state set` the "
            "value you want on the canonical project, or remove the stray row)."
        )
    return "\n".join(lines)


@migrate_app.command("aliases")
def aliases(
    apply: Annotated[
        bool, typer.Option("--apply", help="Carry out the plan (default: dry run).")
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(
            "--report",
            help="Where to write the JSON report (default: <data>/logs/migrate-aliases-*.json).",
            show_default=False,
        ),
    ] = None,
    no_backup: Annotated[
        bool, typer.Option("--no-backup", help="With --apply: skip the safety snapshot.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Fold rows stored under a project alias into the canonical project id.

    Covers project rows + trusted state, memories and interactions. Refuses to apply
    when active state values collide or projects rows are ambiguous; idempotent.
    """
    with operations() as ops:
        result = ops.migrate_aliases(apply=apply, report=report, backup=not no_backup)

    def render(r: dict[str, Any]) -> None:
        out = console()
        out.print(render_plan_text(r), highlight=False, markup=False)
        if r["summary"]:
            changed = {k: v for k, v in r["summary"].items() if v}
            success("migration applied: " + (", ".join(f"{k}={v}" for k, v in changed.items())))
            if r["backup_stamp"]:
                out.print(f"  safety snapshot: {r['backup_stamp']}")
        elif r["mode"] == "dry-run" and not r["plan"]["is_empty"]:
            out.print("[dim]dry run: pass --apply to migrate[/dim]")
        out.print(f"[dim]report: {r['report_path']}[/dim]")

    emit(result, state.json, render)
