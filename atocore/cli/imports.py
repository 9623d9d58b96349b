"""``atocore import``: KB-CAD / KB-FEM exports into entity candidates (one-way mirror)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from atocore.cli.common import (
    JsonOpt,
    ProjectOpt,
    console,
    emit,
    new_app,
    operations,
    print_json,
    state,
    to_jsonable,
)

if TYPE_CHECKING:
    from atocore.api.engineering import ExportKind

import_app = new_app(
    "Import KB-CAD / KB-FEM exports as entity candidates (nothing is promoted automatically)."
)

FileArg = Annotated[Path, typer.Argument(help="The export JSON file.")]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Validate and report what would change; write nothing.")
]


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")


def _render(summary: dict) -> None:
    out = console()
    head = "would import" if summary["dry_run"] else "imported"
    out.print(
        f"[bold]{head}[/bold] {summary['kind']} {summary['exporter_version']} for "
        f"{summary['project']}: [green]{summary['created']} created[/green], "
        f"{summary['unchanged']} unchanged, [yellow]{summary['conflicted']} conflicted[/yellow], "
        f"{summary['failed']} failed, {summary['relationships_created']} new relationships"
    )
    for line in summary["dropped"]:
        out.print(f"  [dim]dropped link: {line}[/dim]")
    for cid in summary["conflicts"]:
        out.print(f"  [yellow]conflict[/yellow] {cid}  (atocore conflicts show {cid[:12]})")
    if summary["created"] or summary["conflicted"]:
        out.print("  review the candidates with: atocore review --entities")


def _run(kind: ExportKind, path: Path, project: str | None, dry_run: bool) -> None:
    """Read the file here; the import runs where the data is (local or ``--url``)."""
    from atocore.engineering.imports import read_export

    export = read_export(path)
    with operations() as ops:
        summary = ops.import_export(
            kind, export, project=project, dry_run=dry_run, source=str(path)
        )
    emit(to_jsonable(summary), state.json, _render)


def _import_command(kind: ExportKind, doc: str) -> None:
    """``atocore import KIND``: every export kind takes the same arguments."""

    def command(
        path: FileArg,
        project: ProjectOpt = None,
        dry_run: DryRunOpt = False,
        json_output: JsonOpt = False,
    ) -> None:
        _run(kind, path, project, dry_run)

    command.__doc__ = doc
    import_app.command(kind)(command)


_import_command(
    "kb-cad", "Import a KB-CAD export (subsystems, components, parameters, materials, interfaces)."
)
_import_command("kb-fem", "Import a KB-FEM export (analysis models, results, validation claims).")


@import_app.command("schema")
def schema_cmd(
    kind: Annotated[str, typer.Argument(help="kb-cad or kb-fem")],
) -> None:
    """Print the JSON Schema an export must satisfy."""
    with operations() as ops:
        print_json(ops.import_schema(kind))
