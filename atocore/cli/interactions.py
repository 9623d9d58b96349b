"""``atocore interactions``: captured LLM exchanges, reinforcement and extraction."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from atocore.cli.common import (
    JsonOpt,
    LimitOpt,
    ProjectOpt,
    console,
    emit,
    new_app,
    operations,
    state,
    success,
    table,
    to_jsonable,
)
from atocore.interactions import REINFORCE_BY_DEFAULT
from atocore.text import one_line

interactions_app = new_app(
    "Captured interactions (prompt, response, context used): reinforce memories the "
    "response confirms and extract candidate memories for review."
)


def register(app: typer.Typer) -> None:
    app.add_typer(interactions_app, name="interactions")


def _read_text(value: str | None, path: Path | None, what: str) -> str:
    """Inline text, or a file ('-' = stdin)."""
    from atocore.errors import InvalidInput

    if value is not None and path is not None:
        raise InvalidInput(f"give the {what} inline or with --{what}-file, not both")
    if value == "-" or (path is not None and str(path) == "-"):
        return sys.stdin.read()
    if path is not None:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"cannot read {what} file {path}: {exc}") from exc
    return value or ""


def _read_pack(path: Path | None):
    from atocore.errors import InvalidInput

    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8") if str(path) != "-" else sys.stdin.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read context pack file {path}: {exc}") from exc


@interactions_app.command("capture")
def capture_cmd(
    prompt: Annotated[
        str | None, typer.Argument(help="The prompt ('-' reads it from stdin).")
    ] = None,
    response: Annotated[
        str | None, typer.Argument(help="The response ('-' reads it from stdin).")
    ] = None,
    prompt_file: Annotated[
        Path | None, typer.Option("--prompt-file", help="Read the prompt from a file.")
    ] = None,
    response_file: Annotated[
        Path | None,
        typer.Option("--response-file", help="Read the response from a file ('-' = stdin)."),
    ] = None,
    project: ProjectOpt = None,
    client: Annotated[str, typer.Option("--client", help="Which tool produced it.")] = "cli",
    session: Annotated[str, typer.Option("--session", help="Client session id.")] = "",
    context_pack: Annotated[
        Path | None,
        typer.Option("--context-pack", help="JSON (or text) of the context pack used."),
    ] = None,
    reinforce: Annotated[
        bool,
        typer.Option("--reinforce/--no-reinforce", help="Reinforce memories it confirms."),
    ] = REINFORCE_BY_DEFAULT,
    json_output: JsonOpt = False,
) -> None:
    """Store an interaction (private spans stripped); by default reinforce the active
    memories its response restates."""
    from atocore.errors import InvalidInput

    if [prompt, response].count("-") + [prompt_file, response_file].count(Path("-")) > 1:
        raise InvalidInput("only one of the prompt and the response can come from stdin")
    prompt_text = _read_text(prompt, prompt_file, "prompt")
    response_text = _read_text(response, response_file, "response")
    pack = _read_pack(context_pack)
    with operations() as ops:
        interaction = ops.capture_interaction(
            prompt_text,
            response_text,
            project=project or "",
            client=client,
            session_id=session,
            context_pack=pack,
            reinforce=reinforce,
        )

    def render(d: dict) -> None:
        success(f"captured interaction {d['id']}" + (f" ({d['project']})" if d["project"] else ""))
        if d["response_truncated"]:
            console().print("[yellow]response truncated[/yellow]")
        reinforcement = d.get("reinforcement")
        if reinforcement:
            for m in reinforcement["matched"]:
                console().print(
                    f"  reinforced {m['id'][:8]} {m['confidence_before']:.2f}→"
                    f"{m['confidence_after']:.2f}: {one_line(m['content'], 70)}"
                )

    emit(to_jsonable(interaction), state.json, render)


@interactions_app.command("list")
def list_cmd(
    project: ProjectOpt = None,
    session: Annotated[str | None, typer.Option("--session", help="Session id.")] = None,
    client: Annotated[str | None, typer.Option("--client", help="Client name.")] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            help="ISO 8601 instant (2026-04-07T09:00:00Z, +02:00 offsets, "
            "'2026-04-07 09:00:00', or a date).",
        ),
    ] = None,
    limit: LimitOpt = 50,
    json_output: JsonOpt = False,
) -> None:
    """List interactions, newest first (at most 500)."""
    with operations() as ops:
        items = ops.list_interactions(
            project=project, session_id=session, client=client, since=since, limit=limit
        )
    emit(
        to_jsonable(items),
        state.json,
        lambda rows: table(
            None,
            ["id", "created (UTC)", "project", "client", "prompt", "chars"],
            [
                [
                    r["id"][:8],
                    r["created_at"],
                    r["project"] or "-",
                    r["client"] or "-",
                    one_line(r["prompt"], 60),
                    r["response_chars"],
                ]
                for r in rows
            ],
            empty="no interactions match",
        ),
    )


@interactions_app.command("show")
def show_cmd(
    interaction_id: Annotated[str, typer.Argument(help="Interaction id (or a unique prefix).")],
    json_output: JsonOpt = False,
) -> None:
    """Show one interaction in full."""
    with operations() as ops:
        interaction = ops.show_interaction(interaction_id)

    def render(d: dict) -> None:
        out = console()
        out.print(
            f"[bold]{d['id']}[/bold]  {d['created_at']} UTC · project {d['project'] or '-'} · "
            f"client {d['client'] or '-'} · session {d['session_id'] or '-'}"
        )
        out.print("[bold]prompt[/bold]")
        out.print(d["prompt"], markup=False, soft_wrap=True)
        out.print("[bold]response[/bold]")
        out.print(d["response"], markup=False, soft_wrap=True)
        if d["memories_used"] or d["chunks_used"]:
            out.print(
                f"[dim]context used: {len(d['memories_used'])} memories, "
                f"{len(d['chunks_used'])} chunks[/dim]"
            )
        if d["memories_reinforced"]:
            out.print(
                f"[dim]reinforced: {', '.join(m[:8] for m in d['memories_reinforced'])}[/dim]"
            )

    emit(to_jsonable(interaction), state.json, render)


@interactions_app.command("reinforce")
def reinforce_cmd(
    interaction_id: Annotated[str, typer.Argument(help="Interaction id (or a unique prefix).")],
    json_output: JsonOpt = False,
) -> None:
    """Reinforce the active memories a stored response restates (safe to re-run)."""
    with operations() as ops:
        result = ops.reinforce_interaction(interaction_id)

    def render(d: dict) -> None:
        if not d["matched"]:
            console().print(f"[dim]no active memory matched ({d['considered']} considered)[/dim]")
        for m in d["matched"]:
            success(
                f"{m['id'][:8]} {m['confidence_before']:.2f}→{m['confidence_after']:.2f} "
                f"({m['overlap']:.0%} overlap): {one_line(m['content'], 70)}"
            )

    emit(to_jsonable(result), state.json, render)


@interactions_app.command("extract")
def extract_cmd(
    interaction_id: Annotated[str, typer.Argument(help="Interaction id (or a unique prefix).")],
    persist: Annotated[
        bool, typer.Option("--persist", help="Store the proposals as candidate memories.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Propose candidate memories from an interaction (preview unless --persist)."""
    with operations() as ops:
        result = ops.extract_interaction(interaction_id, persist=persist)

    def render(d: dict) -> None:
        out = console()
        rows = [
            [p["memory_type"], p["project"] or "global", p["rule"], p["content"]]
            for p in d["candidates"]
        ]
        table(None, ["type", "project", "rule", "proposal"], rows, empty="no proposals")
        for dropped in d["dropped"]:
            preview = one_line(dropped["content"], 70)
            out.print(f"[dim]dropped ({dropped['reason']}): {preview}[/dim]")
        if d["persisted"]:
            success(f"stored {len(d['created_ids'])} candidate(s); review with `atocore review`")
        elif d["candidates"]:
            out.print("[dim]preview only: add --persist to store them as candidates[/dim]")

    emit(to_jsonable(result), state.json, render)


@interactions_app.command("forget")
def forget_cmd(
    interaction_id: Annotated[str, typer.Argument(help="Interaction id (or a unique prefix).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the review log).")] = "",
    json_output: JsonOpt = False,
) -> None:
    """Delete a captured interaction for good (privacy); the log keeps no copy of its text."""
    with operations() as ops:
        interaction = ops.show_interaction(interaction_id)
        if not yes:
            console(stderr=True).print(
                f"{interaction.id[:8]} {interaction.created_at}: {one_line(interaction.prompt, 70)}"
            )
            if not typer.confirm("Delete this interaction permanently?", default=False, err=True):
                console(stderr=True).print("kept")
                raise typer.Exit(1)
        data = ops.forget_interaction(interaction.id, reason=reason)
    emit(data, state.json, lambda d: success(f"forgot interaction {d['id'][:8]}"))
