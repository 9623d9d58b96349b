"""``atocore projects``: the project registry."""

from __future__ import annotations

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
    to_jsonable,
)

projects_app = new_app("Register projects, their aliases and ingest roots.")

AliasOpt = Annotated[list[str] | None, typer.Option("--alias", "-a", help="An alias (repeatable).")]
RootOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--root",
        "-r",
        help="Ingest root as SOURCE[:SUBPATH] — SOURCE names a registry source or is a "
        "directory (repeatable).",
    ),
]


def register(app: typer.Typer) -> None:
    app.add_typer(projects_app, name="projects")


def _roots(values: list[str] | None) -> list[Any] | None:
    """``SOURCE[:SUBPATH]`` options as roots (the registry validates them)."""
    if values is None:
        return None
    roots = []
    for value in values:
        source, _, subpath = value.partition(":")
        roots.append({"source": source, "subpath": subpath})
    return roots


def _render_project(p: dict[str, Any]) -> None:
    out = console()
    out.print(f"[bold]{p['id']}[/bold]  {p.get('description', '')}")
    out.print(f"  aliases: {', '.join(p['aliases']) or '-'}")
    for root in p["ingest_roots"]:
        out.print(f"  root: {root['source']}:{root['subpath']}")


@projects_app.command("list")
def list_cmd(json_output: JsonOpt = False) -> None:
    """List registered projects."""
    with operations() as ops:
        projects = ops.list_projects()
    emit(
        to_jsonable(projects),
        state.json,
        lambda rows: table(
            "Projects",
            ["id", "aliases", "description", "roots"],
            [
                [
                    p["id"],
                    ", ".join(p["aliases"]),
                    p["description"],
                    "\n".join(f"{r['source']}:{r['subpath']}" for r in p["ingest_roots"]),
                ]
                for p in rows
            ],
            empty="no projects registered — see `atocore projects template`",
        ),
    )


@projects_app.command("show")
def show(name: str, json_output: JsonOpt = False) -> None:
    """Show one project (by id or alias) with its resolved roots."""
    with operations() as ops:
        detail = ops.show_project(name)

    def render(p: dict[str, Any]) -> None:
        _render_project(p)
        for root in p["resolved_roots"]:
            mark = "[green]exists[/green]" if root["exists"] else "[red]missing[/red]"
            console().print(f"  → {root['path']} {mark}")

    emit(to_jsonable(detail), state.json, render)


@projects_app.command("template")
def template_cmd(json_output: JsonOpt = False) -> None:
    """Print an example registry entry to copy (JSON, with or without --json)."""
    from atocore.cli.common import print_json

    with operations() as ops:
        print_json(ops.project_template())


@projects_app.command("propose")
def propose(
    project_id: str,
    alias: AliasOpt = None,
    description: Annotated[str, typer.Option("--description", "-d")] = "",
    root: RootOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Validate a registration without writing it (collisions, id format)."""
    with operations() as ops:
        project = ops.propose_project(project_id, alias, description, _roots(root))

    def render(p: dict[str, Any]) -> None:
        success("valid — `atocore projects register` with the same arguments writes it")
        _render_project(p)

    emit(to_jsonable(project), state.json, render)


@projects_app.command("register")
def register_cmd(
    project_id: str,
    alias: AliasOpt = None,
    description: Annotated[str, typer.Option("--description", "-d")] = "",
    root: RootOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Add a project to the registry."""
    with operations() as ops:
        project = ops.register_project(project_id, alias, description, _roots(root))
    emit(to_jsonable(project), state.json, lambda p: success(f"registered {p['id']}"))


@projects_app.command("update")
def update(
    name: str,
    alias: AliasOpt = None,
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    root: RootOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Replace a project's aliases, description or roots (the id never changes)."""
    with operations() as ops:
        project = ops.update_project(
            name, aliases=alias, description=description, ingest_roots=_roots(root)
        )
    emit(to_jsonable(project), state.json, lambda p: success(f"updated {p['id']}"))


@projects_app.command("source")
def source(name: str, path: Path, json_output: JsonOpt = False) -> None:
    """Point a named source root (e.g. `vault`) at a directory (on this machine)."""
    with operations() as ops:
        data = ops.set_project_source(name, str(path))
    emit(data, state.json, lambda d: success(f"source {d['source']} → {d['path']}"))


@projects_app.command("detect")
def detect(
    text: Annotated[str, typer.Argument(help="A prompt to match against project names.")] = "",
    cwd: Annotated[
        Path | None, typer.Option("--cwd", help="Working directory to match against roots.")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Guess which project a prompt or working directory belongs to."""
    with operations() as ops:
        data = ops.detect_project(text, str(cwd) if cwd else None)
    emit(
        data,
        state.json,
        lambda d: console().print(d["project"] or "[dim]no project matched[/dim]"),
    )
