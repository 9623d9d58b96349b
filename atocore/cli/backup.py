"""``atocore backup``: snapshots of the data dir (create, list, validate, restore, cleanup)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer

from atocore.cli.common import (
    JsonOpt,
    console,
    emit,
    new_app,
    operations,
    state,
    success,
    table,
    warn,
)

backup_app = new_app(
    "Snapshots of the database, registry and template overrides: create, list, "
    "validate, restore, cleanup."
)

DestOpt = Annotated[
    Path | None,
    typer.Option(
        "--dest",
        help="Snapshot root to use instead of <data>/backups/snapshots (e.g. a mounted "
        "off-machine disk).",
        show_default=False,
    ),
]
StampArg = Annotated[str, typer.Argument(help="Snapshot stamp, e.g. 20260409T060000Z.")]


def register(app: typer.Typer) -> None:
    app.add_typer(backup_app, name="backup")


@contextlib.contextmanager
def _progress() -> Iterator[None]:
    """Local operations inside draw a rich progress bar on stderr (silent with --json)."""
    bar: dict[str, Any] = {}

    def callback(phase: str, done: int, total: int) -> None:
        if state.json or total <= 0:
            return
        if "progress" not in bar:
            from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

            bar["progress"] = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TaskProgressColumn(),
                console=console(stderr=True),
                transient=True,
            )
            bar["progress"].start()
        progress = bar["progress"]
        if phase not in bar:
            bar[phase] = progress.add_task(f"{phase} pages" if phase == "database" else phase)
        progress.update(bar[phase], completed=done, total=total)

    from atocore.api.progress import progress_to

    try:
        with progress_to(callback):
            yield
    finally:
        if "progress" in bar:
            bar["progress"].stop()


def _fail_unless(ok: bool) -> None:
    if not ok:
        raise typer.Exit(1)


@backup_app.command("create")
def create(dest: DestOpt = None, json_output: JsonOpt = False) -> None:
    """Snapshot the data dir (safe while serve/watch run) and validate the snapshot.

    Exits 1 when the new snapshot fails validation (it is kept for inspection).
    """
    with operations() as ops, _progress():
        result = ops.create_backup_at(dest) if dest else ops.create_backup()

    def render(r: dict[str, Any]) -> None:
        size = r["db"]["bytes"]
        if r["validated"]:
            success(f"snapshot {r['stamp']} ({size:,} bytes) validated")
        else:
            warn(f"snapshot {r['stamp']} FAILED validation: {', '.join(r['validation_errors'])}")
        console().print(f"  {r['path']}")
        for name in r.get("removed_partials") or []:
            console().print(f"  [dim]removed an interrupted backup: {name}[/dim]")

    emit(result, state.json, render)
    _fail_unless(bool(result["validated"]))


@backup_app.command("list")
def list_cmd(dest: DestOpt = None, json_output: JsonOpt = False) -> None:
    """List snapshots, oldest first, with their last validation result."""
    with operations() as ops:
        result = ops.list_backups_at(dest) if dest else ops.list_backups()

    def render(r: dict[str, Any]) -> None:
        def valid(v: bool | None) -> str:
            return "?" if v is None else ("yes" if v else "[red]NO[/red]")

        table(
            f"Snapshots in {r['root']}",
            ["stamp", "kind", "db bytes", "schema", "registry", "valid"],
            [
                [
                    s["stamp"],
                    s["kind"] or "?",
                    f"{s['db_bytes']:,}" if s["db_bytes"] is not None else "?",
                    s["schema_version"],
                    "yes" if s["has_registry"] else "no",
                    valid(s["valid"]),
                ]
                for s in r["snapshots"]
            ],
            empty=f"no snapshots in {r['root']}",
        )
        for p in r.get("partials") or []:
            state_ = (
                "stale: the next backup or cleanup --confirm removes it"
                if p["stale"]
                else ("in progress")
            )
            console().print(
                f"[yellow]interrupted backup[/yellow] {p['name']} ({p['bytes']:,} bytes, {state_})"
            )
        if r["other"]:
            console().print(f"[dim]not snapshots (left alone): {', '.join(r['other'])}[/dim]")

    emit(result, state.json, render)


@backup_app.command("validate")
def validate(
    stamp: Annotated[str, typer.Argument(help="Snapshot stamp, or 'latest'.")],
    dest: DestOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Check a snapshot (integrity_check with sqlite-vec loaded, checksums, registry).

    The result is recorded in the snapshot's validation.json. Exits 1 when invalid.
    """
    with operations() as ops:
        result = ops.validate_backup_at(stamp, dest) if dest else ops.validate_backup(stamp)

    def render(r: dict[str, Any]) -> None:
        if r["valid"]:
            success(f"snapshot {r['stamp']} is valid")
        else:
            console().print(f"[red]✗[/red] snapshot {r['stamp']} is NOT valid")
            for code, message in r["error_details"].items():
                console().print(f"  [red]{code}[/red]: {message}")
        for code, message in r["warning_details"].items():
            console().print(f"  [yellow]{code}[/yellow]: {message}")
        for name in r.get("stale_partials") or []:
            warn(f"interrupted backup left behind: {name} (backup cleanup --confirm removes it)")

    emit(result, state.json, render)
    _fail_unless(result["valid"])


@backup_app.command("restore")
def restore(
    stamp: StampArg,
    confirm_stopped: Annotated[
        bool,
        typer.Option(
            "--confirm-stopped",
            help="Confirm that `atocore serve` and `atocore watch` are stopped for this data dir.",
        ),
    ] = False,
    no_pre_snapshot: Annotated[
        bool,
        typer.Option(
            "--no-pre-snapshot", help="Skip the safety snapshot of the current state (rollback)."
        ),
    ] = False,
    dest: DestOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Replace the live database, registry and template overrides with a snapshot.

    Refuses without --confirm-stopped, while serve/watch run, or for an invalid
    snapshot. Write down the reported pre-restore snapshot: restoring it undoes
    this restore. Exits 1 when the restored database fails its integrity check.
    """
    with operations() as ops, _progress():
        result = ops.restore_backup(
            stamp, confirm_stopped=confirm_stopped, pre_snapshot=not no_pre_snapshot, dest=dest
        )

    def render(r: dict[str, Any]) -> None:
        out = console()
        if r["restored_integrity_ok"]:
            success(f"restored snapshot {r['stamp']} into {r['target_db']}")
        else:
            out.print(
                f"[red]✗ restored database FAILED its integrity check[/red]: "
                f"{r.get('integrity_error')} — do not start the server; "
                "restore another snapshot or the pre-restore one"
            )
        pre = r["pre_restore_snapshot"]
        out.print(f"  pre-restore snapshot: {pre or 'none (skipped)'}")
        out.print(f"  registry restored:    {'yes' if r['registry_restored'] else 'no'}")
        if r["sidecars_removed"]:
            names = ", ".join(Path(s["path"]).name for s in r["sidecars_removed"])
            out.print(f"  stale sidecars removed: {names}")
        out.print(f"  schema version:       v{r['restored_schema_version']}")

    emit(result, state.json, render)
    _fail_unless(result["restored_integrity_ok"])


@backup_app.command("cleanup")
def cleanup(
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Actually delete (default: dry run).")
    ] = False,
    dest: DestOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Apply retention: newest per day for 7 days, Sundays for 4 weeks, 1sts for 6 months.

    Dry run unless --confirm. Directories whose names are not stamps are never touched.
    """
    with operations() as ops:
        result = ops.cleanup_backups(confirm=confirm, dest=dest)

    def render(r: dict[str, Any]) -> None:
        out = console()
        verb = "would delete" if r["dry_run"] else "deleted"
        gone = r["delete"] if r["dry_run"] else r["deleted"]
        out.print(f"keep {len(r['keep'])}, {verb} {len(gone)}")
        for item in r["keep"]:
            out.print(f"  keep   {item['stamp']}  ({', '.join(item['reasons'])})")
        for stamp in gone:
            out.print(f"  [red]delete[/red] {stamp}")
        for name in r["unparseable"]:
            out.print(f"  [dim]left alone (not a stamp): {name}[/dim]")
        partials = r.get("partials") if r["dry_run"] else r.get("partials_deleted")
        for name in partials or []:
            label = name if isinstance(name, str) else name.get("name", name)
            out.print(
                f"  [red]{'delete' if r['dry_run'] else 'deleted'}[/red] {label} (interrupted)"
            )
        for err in r["errors"]:
            out.print(f"  [red]error[/red] {err['stamp']}: {err['error']}")
        if r["dry_run"] and gone:
            out.print("[dim]dry run: pass --confirm to delete[/dim]")

    emit(result, state.json, render)
    _fail_unless(not result["errors"])
