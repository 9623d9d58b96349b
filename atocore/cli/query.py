"""``atocore query``, ``atocore context`` and ``atocore audit-query``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from atocore.cli.common import (
    JsonOpt,
    console,
    emit,
    operations,
    state,
    table,
    to_jsonable,
    warn,
)
from atocore.retrieval.modes import Mode

ModeOpt = Annotated[
    Mode,
    typer.Option("--mode", "-m", help="Retrieval: keywords and meaning fused, or one of them."),
]
TopKOpt = Annotated[int, typer.Option("--top-k", "-k", min=1, help="Number of results.")]


def register(app: typer.Typer) -> None:
    app.command("query")(query)
    app.command("context")(context)
    app.command("audit-query")(audit_query)
    app.command("links")(links)


def _vector_warning(vector: dict[str, Any], mode: str) -> None:
    if mode != "bm25" and not vector["available"]:
        console(stderr=True).print(
            f"[bold red]VECTOR SEARCH UNAVAILABLE[/bold red] — keyword results only: "
            f"{vector['reason']}",
            soft_wrap=True,
        )


def query(
    text: Annotated[str, typer.Argument(help="What to search for (plain text, any punctuation).")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Limit to a project (id or alias).")
    ] = None,
    top_k: TopKOpt = 10,
    mode: ModeOpt = "hybrid",
    json_output: JsonOpt = False,
) -> None:
    """Search the ingested sources (BM25 + vectors, fused).

    [dim]Example:[/dim] atocore query "mirror mount material" -p p05 -k 5
    """
    with operations() as ops:
        result = to_jsonable(ops.search(text, project=project, top_k=top_k, mode=mode))

    def render(r: dict[str, Any]) -> None:
        _vector_warning(r["vector"], r["mode"])
        table(
            f"{len(r['hits'])} results for {r['query']!r}"
            + (f" in {r['project']}" if r["project"] else "")
            + f" ({r['mode']}, {r['duration_ms']:.0f} ms)",
            ["#", "score", "found by", "source", "heading", "text"],
            [
                [
                    i,
                    f"{h['score']:.4f}",
                    "+".join(h["retrievers"]),
                    h["source"],
                    h["heading"],
                    " ".join(h["text"].split())[:160],
                ]
                for i, h in enumerate(r["hits"], start=1)
            ],
            empty="no results",
        )

    emit(result, state.json, render)


def _render_pack(p: dict[str, Any]) -> None:
    out = console()
    _vector_warning(p["vector"], p["retrieval_mode"])
    for message in p["warnings"]:
        if "VECTOR SEARCH UNAVAILABLE" not in message:
            warn(message)
    if p["formatted_context"]:
        typer.echo(p["formatted_context"])
    else:
        out.print("[dim](empty pack: nothing relevant found)[/dim]")
    layers = ", ".join(f"{k} {v}" for k, v in p["layers"].items() if v)
    project = p["project"] or "no project"
    if p.get("project_detected"):
        project += " (detected)"
    console(stderr=True).print(
        f"\n[dim]— {p['chars_used']:,}/{p['budget']:,} chars, ~{p['estimated_tokens']:,} tokens "
        f"({layers or 'empty'}); {project}; "
        f"{len(p['chunks'])} chunks; {p['retrieval_mode']}; {p['duration_ms']:.0f} ms[/dim]"
    )


def context(
    prompt: Annotated[
        str | None, typer.Argument(help="The prompt to build context for.", show_default=False)
    ] = None,
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="Project id or alias, or 'auto' to detect it."),
    ] = None,
    budget: Annotated[
        int, typer.Option("--budget", "-b", min=1, help="Maximum characters in the pack.")
    ] = 3000,
    tokens: Annotated[
        int | None,
        typer.Option(
            "--tokens",
            "-t",
            min=1,
            help="Budget in tokens instead (estimated at 4 characters a token).",
            show_default=False,
        ),
    ] = None,
    mode: ModeOpt = "hybrid",
    last: Annotated[
        bool, typer.Option("--last", help="Show the last pack built in this data dir.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Build a context pack: project state, entities, memories, then retrieved notes.

    The pack goes to stdout (paste it into a prompt); a summary line goes to stderr.

    [dim]Example:[/dim] atocore context "Which material is the mirror mount?" -p auto -b 2000
    """
    from atocore.errors import InvalidInput

    if not last and (not prompt or not prompt.strip()):
        raise InvalidInput("a prompt is required (or --last)")
    with operations() as ops:
        if last:
            pack = ops.last_context()
        else:
            pack = ops.build_context(
                prompt or "", project=project, budget=budget, mode=mode, budget_tokens=tokens
            )
    emit(to_jsonable(pack), state.json, _render_pack)


def audit_query(
    text: Annotated[str, typer.Argument(help="The query to audit.")],
    project: Annotated[
        str | None,
        typer.Option("--project", "-p", help="The project the query is meant for."),
    ] = None,
    top_k: TopKOpt = 10,
    mode: ModeOpt = "hybrid",
    json_output: JsonOpt = False,
) -> None:
    """Audit retrieval: label each corpus-wide hit on-/off-project, flag weak ones.

    [dim]Example:[/dim] atocore audit-query "thermal drift" -p p05
    """
    with operations() as ops:
        report = ops.audit_query(text, project=project, top_k=top_k, mode=mode)

    def render(r: dict[str, Any]) -> None:
        _vector_warning(r["vector"], mode)
        table(
            f"audit {r['query']!r} → {r['verdict']}"
            + (
                f" ({r['on_project_share']:.0%} on {r['project']})"
                if r["on_project_share"] is not None
                else ""
            ),
            ["#", "label", "flags", "project", "source", "heading", "preview"],
            [
                [
                    h["rank"],
                    h["label"],
                    ", ".join(h["flags"]),
                    h["project"] or "-",
                    h["source"],
                    h["heading"],
                    h["preview"],
                ]
                for h in r["hits"]
            ],
            empty="no results",
        )
        if r["competing_projects"]:
            competing = ", ".join(f"{k} ({v})" for k, v in r["competing_projects"].items())
            console().print(f"competing projects: {competing}")

    emit(to_jsonable(report), state.json, render)


def links(
    note: Annotated[str, typer.Argument(help="A note: its path, file name, title or alias.")],
    project: Annotated[
        str | None, typer.Option("--project", "-p", help="Look for the note in this project.")
    ] = None,
    json_output: JsonOpt = False,
) -> None:
    """A note's [[wikilinks]] and its backlinks (the notes that link to it).

    [dim]Example:[/dim] atocore links "drive motor"
    """
    with operations() as ops:
        found = to_jsonable(ops.note_links(note, project=project))

    def render(r: dict[str, Any]) -> None:
        n = r["note"]
        console().print(f"[bold]{n['title']}[/bold]  [dim]{n['source']}[/dim]")
        table(
            "links",
            ["target", "resolves to"],
            [
                [
                    link["target"] + (f"#{link['heading']}" if link["heading"] else ""),
                    link["note"]["source"] if link["note"] else "(unresolved)",
                ]
                for link in r["links"]
            ],
            empty="no links",
        )
        table(
            "backlinks",
            ["from", "title"],
            [[link["note"]["source"], link["note"]["title"]] for link in r["backlinks"]],
            empty="no backlinks",
        )

    emit(found, state.json, render)
