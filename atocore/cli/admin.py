"""Top-level housekeeping commands: init, status."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from atocore.cli.common import JsonOpt, console, emit, operations, state, success, table


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("status")(status)


def init(json_output: JsonOpt = False) -> None:
    """Create the data directory, database and an empty project registry (idempotent)."""
    with operations() as ops:
        result = ops.init_data_dir()

    def render(r: dict[str, Any]) -> None:
        success(f"data dir ready: {r['data_dir']}")
        console().print(f"  database: {r['db_path']} (schema v{r['schema_version']})")
        console().print(f"  registry: {r['registry_path']}")
        if r["migrations_applied"]:
            console().print(f"  migrations applied: {', '.join(r['migrations_applied'])}")

    emit(result, state.json, render)


def _render_settings(rows: list[dict[str, Any]]) -> None:
    table(
        "Settings",
        ["variable", "value", "from", "meaning"],
        [
            [
                r["name"],
                r.get("error") or ("" if r["value"] is None else r["value"]),
                r["source"],
                r["help"],
            ]
            for r in rows
        ],
    )


def status(
    settings: Annotated[
        bool,
        typer.Option("--settings", help="List every ATOCORE_* setting in effect, and its source."),
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Show paths, schema version, counts, embedding model and source readiness.

    [dim]Example:[/dim] atocore status --settings   (with --url: the server's)
    """
    if settings:
        with operations() as ops:
            rows = ops.effective_settings()
        return emit(rows, state.json, _render_settings)
    with operations() as ops:
        report = ops.status()

    def render(r: dict[str, Any]) -> None:
        out = console()
        out.print(f"[bold]atocore {r['version']}[/bold]  build {r['build_sha']}")
        out.print(f"data dir   {r['data_dir']}")
        out.print(f"database   {r['db_path']}")
        out.print(f"registry   {r['registry_path']}")
        if not r["initialized"]:
            out.print("[yellow]not initialised — run `atocore init`[/yellow]")
            return
        out.print(f"schema     v{r['schema_version']} (latest v{r['latest_schema_version']})")
        emb = r["embedding"]
        out.print(f"embedding  {emb['model'] or 'none yet'} ({emb['dimension'] or '?'} dims)")
        vec = r["vector_search"]
        if vec["available"]:
            out.print("vectors    [green]available[/green]")
        else:
            out.print(f"vectors    [bold red]UNAVAILABLE[/bold red] — {vec['reason']}")
        table("Counts", ["table", "rows"], [[k, v] for k, v in r["counts"].items()])
        table(
            "Projects",
            ["id", "aliases", "roots"],
            [
                [
                    p["id"],
                    ", ".join(p["aliases"]),
                    "\n".join(
                        f"{root['path']} {'✓' if root['exists'] else '[red]missing[/red]'}"
                        for root in p["roots"]
                    ),
                ]
                for p in r["projects"]
            ],
            empty="no projects registered",
        )

    emit(report, state.json, render)
