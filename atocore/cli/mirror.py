"""``atocore mirror``: render and read the Human Mirror pages."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer

from atocore.cli.common import (
    JsonOpt,
    console,
    emit,
    new_app,
    operations,
    state,
    table,
    to_jsonable,
)

mirror_app = new_app(
    "Human Mirror: read-only markdown pages per project (overview, decision log, "
    "subsystems), generated from entities and trusted project state."
)


def register(app: typer.Typer) -> None:
    app.add_typer(mirror_app, name="mirror")


def _render_report(data: dict) -> None:
    projects = data["projects"]
    rows = [
        [p["project"], page["page"], page["status"], page["path"]]
        for p in projects
        for page in p["pages"]
    ]
    table(None, ["project", "page", "status", "path"], rows, empty="no projects to render")
    for p in projects:
        console().print(
            f"[green]✓[/green] {p['project']}: {p['written']} written, "
            f"{p['unchanged']} unchanged, {p['removed']} removed"
        )


@contextlib.contextmanager
def _progress() -> Iterator[None]:
    """A progress bar on stderr while projects render (none with --json)."""
    from atocore.api.progress import progress_to

    if state.json:
        yield
        return
    from rich.progress import Progress

    with Progress(console=console(stderr=True), transient=True) as bar:
        task = bar.add_task("rendering", total=None)

        def step(done: int, total: int, project: str) -> None:
            bar.update(task, completed=done, total=total, description=project)

        with progress_to(step):
            yield


@mirror_app.command("render")
def render_cmd(
    project: Annotated[str | None, typer.Argument(help="Project id or alias.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Render every known project.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Rewrite pages even when their inputs are unchanged.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Regenerate a project's pages (or every project's with --all; the daily cron entry).

    Pages whose input checksum is unchanged are left untouched. A failure keeps
    the previous pages, is recorded, and exits 1 with the reason.
    """
    from atocore.errors import InvalidInput

    if bool(project) == all_:
        raise InvalidInput("give a project or --all (not both)")
    with operations() as ops:
        if all_:
            with _progress():
                run = ops.render_all_mirrors(force=force, trigger="cli")
        else:
            run = ops.render_mirror(project or "", force=force, trigger="cli")
    data = to_jsonable(run)
    emit(data, state.json, _render_report)
    if data["failures"]:
        if not state.json:
            for failure in data["failures"]:
                console(stderr=True).print(f"[red]error:[/red] {failure['error']}", soft_wrap=True)
        raise typer.Exit(1)


@mirror_app.command("show")
def show_cmd(
    project: Annotated[str, typer.Argument(help="Project id or alias.")],
    page: Annotated[
        str, typer.Argument(help="overview | decisions | subsystems/<slug> (or just <slug>).")
    ] = "overview",
    raw: Annotated[bool, typer.Option("--raw", help="Print the markdown source.")] = False,
    json_output: JsonOpt = False,
) -> None:
    """Show a rendered page (rich markdown in the terminal, or --raw).

    When the project has never been rendered, it is rendered first.
    """
    with operations() as ops:
        data = ops.mirror_page(project, page)
    if state.json:
        emit(to_jsonable(data), True, lambda _: None)
    elif raw:
        typer.echo(data.markdown, nl=False)
    else:
        from rich.markdown import Markdown

        console().print(Markdown(data.markdown))


@mirror_app.command("list")
def list_cmd(
    project: Annotated[str, typer.Argument(help="Project id or alias.")],
    json_output: JsonOpt = False,
) -> None:
    """List a project's rendered pages with their regeneration time and checksum."""
    with operations() as ops:
        pages = to_jsonable(ops.list_mirror_pages(project))
    emit(
        pages,
        state.json,
        lambda rows: table(
            None,
            ["page", "regenerated", "bytes", "path"],
            [[r["page"], r["regenerated"], r["bytes"], r["path"]] for r in rows],
            empty=f"no pages rendered yet (atocore mirror render {project})",
        ),
    )


@mirror_app.command("failures")
def failures_cmd(
    project: Annotated[str | None, typer.Argument(help="Project id or alias.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 20,
    json_output: JsonOpt = False,
) -> None:
    """Recorded regeneration failures, newest first."""
    with operations() as ops:
        rows = to_jsonable(ops.mirror_failures(project, limit=limit))
    emit(
        rows,
        state.json,
        lambda data: table(
            None,
            ["when", "project", "trigger", "error"],
            [[r["failed_at"], r["project"], r["trigger"], r["error"]] for r in data],
            empty="no mirror regeneration failures",
        ),
    )
