"""``atocore eng``: the engineering query catalog (Q-001 … Q-020)."""

from __future__ import annotations

import json
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
    to_jsonable,
)
from atocore.cli.common import table as render_table

eng_app = new_app("Engineering queries over a project's active entities (Q-001 … Q-020).")


def register(app: typer.Typer) -> None:
    app.add_typer(eng_app, name="eng")


def _cell(value) -> str:
    if isinstance(value, dict) and "name" in value and "type" in value:
        return value["name"]
    if isinstance(value, dict) and "label" in value and "value" in value:
        return f"{value['label']}: {value['value']} ({value.get('status', '')})"
    if isinstance(value, dict) and "ref" in value and "kind" in value:
        return f"{value['kind']} {value['ref']}"
    if isinstance(value, list):
        return ", ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return "" if value is None else str(value)


def _render(result: dict) -> None:
    out = console()
    args = " ".join(f"{k}={v}" for k, v in result["args"].items())
    out.print(f"[bold]{result['query']} {result['title']}[/bold] · {result['project']} {args}")
    rows = result["rows"]
    if not rows:
        out.print("[dim]no results[/dim]")
        return
    columns = list(rows[0])
    render_table(None, columns, [[_cell(r.get(c)) for c in columns] for r in rows])


@eng_app.command("query")
def query_cmd(
    query_id: Annotated[
        str, typer.Argument(help="Catalog id, e.g. Q-006 (see `atocore eng list`).")
    ],
    project: ProjectOpt = None,
    entity: Annotated[
        str | None,
        typer.Option("--entity", "-e", help="Entity id, key or name the query is about."),
    ] = None,
    material: Annotated[str | None, typer.Option("--material", help="Q-002: one material.")] = None,
    days: Annotated[int | None, typer.Option("--days", help="Q-013: window in days.")] = None,
    json_output: JsonOpt = False,
) -> None:
    """Run one catalog query against a project's active entities."""
    with operations() as ops:
        result = ops.run_query(
            query_id, project=project or "", entity=entity, material=material, days=days
        )
    emit(to_jsonable(result), state.json, _render)


@eng_app.command("list")
def list_cmd(json_output: JsonOpt = False) -> None:
    """List the catalog: id, title, arguments, what it answers."""
    with operations() as ops:
        rows = to_jsonable(ops.query_catalog())
    emit(
        rows,
        state.json,
        lambda rs: render_table(
            None,
            ["id", "title", "args", "answers"],
            [[q["id"], q["title"], ", ".join(q["args"]), q["description"]] for q in rs],
        ),
    )
