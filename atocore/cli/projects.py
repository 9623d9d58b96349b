"""``atocore projects``: the project registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from atocore.cli.common import JsonOpt, console, emit, new_app, state, success, table

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


def _roots(values: list[str] | None) -> list[dict] | None:
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
    from atocore.client import fetch, remote
    from atocore.projects.registry import list_projects

    projects = fetch("GET", "/projects") if remote() else [p.model_dump() for p in list_projects()]
    emit(
        projects,
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
    from atocore.client import fetch, remote, segment
    from atocore.projects.registry import project_roots, require_project

    if remote():
        data = fetch("GET", f"/projects/{segment(name)}")
    else:
        project = require_project(name)
        data = project.model_dump()
        data["resolved_roots"] = [
            {"path": str(p), "exists": p.is_dir()} for p in project_roots(project)
        ]

    def render(p: dict[str, Any]) -> None:
        _render_project(p)
        for root in p["resolved_roots"]:
            mark = "[green]exists[/green]" if root["exists"] else "[red]missing[/red]"
            console().print(f"  → {root['path']} {mark}")

    emit(data, state.json, render)


@projects_app.command("template")
def template_cmd() -> None:
    """Print an example registry entry to copy."""
    from atocore.cli.common import print_json
    from atocore.projects.registry import template

    print_json({"projects": [template()]})


@projects_app.command("propose")
def propose(
    project_id: str,
    alias: AliasOpt = None,
    description: Annotated[str, typer.Option("--description", "-d")] = "",
    root: RootOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Validate a registration without writing it (collisions, id format)."""
    from atocore.projects.registry import propose_project

    project = propose_project(project_id, alias, description, _roots(root))

    def render(p: dict[str, Any]) -> None:
        success("valid — `atocore projects register` with the same arguments writes it")
        _render_project(p)

    emit(project.model_dump(), state.json, render)


@projects_app.command("register")
def register_cmd(
    project_id: str,
    alias: AliasOpt = None,
    description: Annotated[str, typer.Option("--description", "-d")] = "",
    root: RootOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Add a project to the registry."""
    from atocore.projects.registry import register_project

    project = register_project(project_id, alias, description, _roots(root))
    emit(project.model_dump(), state.json, lambda p: success(f"registered {p['id']}"))


@projects_app.command("update")
def update(
    name: str,
    alias: AliasOpt = None,
    description: Annotated[str | None, typer.Option("--description", "-d")] = None,
    root: RootOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Replace a project's aliases, description or roots (the id never changes)."""
    from atocore.projects.registry import update_project

    project = update_project(
        name, aliases=alias, description=description, ingest_roots=_roots(root)
    )
    emit(project.model_dump(), state.json, lambda p: success(f"updated {p['id']}"))


@projects_app.command("source")
def source(name: str, path: Path) -> None:
    """Point a named source root (e.g. `vault`) at a directory."""
    from atocore.projects.registry import set_source

    set_source(name, str(path.expanduser().resolve()))
    success(f"source {name} → {path}")


@projects_app.command("detect")
def detect(
    text: Annotated[str, typer.Argument(help="A prompt to match against project names.")] = "",
    cwd: Annotated[
        Path | None, typer.Option("--cwd", help="Working directory to match against roots.")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """Guess which project a prompt or working directory belongs to."""
    from atocore.projects.registry import detect_project

    project = detect_project(text, cwd)
    data = {"project": project.id if project else None}
    emit(
        data,
        state.json,
        lambda d: console().print(d["project"] or "[dim]no project matched[/dim]"),
    )
