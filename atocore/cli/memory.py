"""``atocore memory``: typed memories and their review lifecycle."""

from __future__ import annotations

from typing import Annotated, Literal

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
from atocore.text import one_line

memory_app = new_app(
    "Memories: identity, preferences, project facts, decisions. Candidates wait for review; "
    "only active memories join context packs."
)

TypeOpt = Annotated[
    str | None,
    typer.Option(
        "--type",
        "-t",
        help="identity|preference|project|episodic|knowledge|adaptation",
    ),
]
ReasonOpt = Annotated[str, typer.Option("--reason", help="Why (kept in the review log).")]


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")


def _render_list(memories: list[dict]) -> None:
    table(
        None,
        ["id", "type", "project", "status", "conf", "refs", "content"],
        [
            [
                m["id"][:8],
                m["memory_type"],
                m["project"] or "-",
                m["status"],
                f"{m['confidence']:.2f}",
                m["reference_count"],
                one_line(m["content"], 90),
            ]
            for m in memories
        ],
        empty="no memories match",
    )


def _render_one(data: dict) -> None:
    m = data["memory"]
    out = console()
    out.print(f"[bold]{m['id']}[/bold]  {m['memory_type']} · {m['status']}")
    out.print(m["content"], soft_wrap=True)
    out.print(
        f"[dim]project {m['project'] or '(global)'} · confidence {m['confidence']:.2f} · "
        f"referenced {m['reference_count']}× (last {m['last_referenced_at'] or 'never'}) · "
        f"created {m['created_at']} · updated {m['updated_at']}[/dim]"
    )
    for label, key in (
        ("from interaction", "source_interaction_id"),
        ("from chunk", "source_chunk_id"),
        ("superseded by", "superseded_by"),
        ("graduated to", "graduated_to"),
    ):
        if m.get(key):
            out.print(f"[dim]{label} {m[key]}[/dim]")
    for line in data.get("provenance", []):
        out.print(f"[dim]· {line}[/dim]")
    if data.get("history"):
        out.print("[bold]review log[/bold]")
        for entry in data["history"]:
            out.print(
                f"  {entry['created_at']} {entry['action']} "
                f"{entry['from_status'] or '-'}→{entry['to_status'] or '-'} by {entry['actor']}"
                + (f": {entry['reason']}" if entry["reason"] else "")
            )


def _status_line(verb: str):
    def render(data) -> None:
        items = data if isinstance(data, list) else [data]
        if not items:
            console().print(f"[dim]nothing to {verb}[/dim]")
        for m in items:
            success(f"{m['id'][:8]} {m['status']}: {one_line(m['content'], 70)}")

    return render


@memory_app.command("list")
def list_cmd(
    memory_type: TypeOpt = None,
    project: ProjectOpt = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status", "-s", help="candidate|active|superseded|invalid|graduated (default: all)"
        ),
    ] = None,
    interaction: Annotated[
        str | None, typer.Option("--interaction", help="Only memories extracted from it.")
    ] = None,
    limit: LimitOpt = 100,
    json_output: JsonOpt = False,
) -> None:
    """List memories, newest first, filtered by type, project and status."""
    with operations() as ops:
        memories = ops.list_memories(
            memory_type=memory_type,
            project=project,
            status=status,
            interaction=interaction,
            limit=limit,
        )
    emit(to_jsonable(memories), state.json, _render_list)


@memory_app.command("add")
def add_cmd(
    content: Annotated[str, typer.Argument(help="The memory, one or two sentences.")],
    memory_type: Annotated[
        str,
        typer.Option(
            "--type", "-t", help="identity|preference|project|episodic|knowledge|adaptation"
        ),
    ] = "knowledge",
    project: ProjectOpt = None,
    confidence: Annotated[float, typer.Option("--confidence", help="0..1")] = 1.0,
    candidate: Annotated[
        bool, typer.Option("--candidate", help="Add as a candidate for review instead.")
    ] = False,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Add a memory by hand (active unless --candidate)."""
    with operations() as ops:
        memory = ops.add_memory(
            content,
            memory_type=memory_type,
            project=project or "",
            confidence=confidence,
            candidate=candidate,
            reason=reason,
        )
    emit(to_jsonable(memory), state.json, _status_line("add"))


@memory_app.command("show")
def show_cmd(
    memory_id: Annotated[str, typer.Argument(help="Memory id (or a unique prefix).")],
    json_output: JsonOpt = False,
) -> None:
    """Show one memory with its provenance and review history."""
    with operations() as ops:
        detail = ops.show_memory(memory_id)
    emit(to_jsonable(detail), state.json, _render_one)


@memory_app.command("edit")
def edit_cmd(
    memory_id: Annotated[str, typer.Argument(help="Memory id (or a unique prefix).")],
    content: Annotated[str | None, typer.Option("--content", "-c", help="New text.")] = None,
    memory_type: TypeOpt = None,
    project: ProjectOpt = None,
    confidence: Annotated[float | None, typer.Option("--confidence", help="0..1")] = None,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Change a candidate or active memory's text, type, project or confidence."""
    with operations() as ops:
        memory = ops.edit_memory(
            memory_id,
            content=content,
            memory_type=memory_type,
            project=project,
            confidence=confidence,
            reason=reason,
        )
    emit(to_jsonable(memory), state.json, _status_line("edit"))


def _review(
    action: Literal["promote", "reject"], ids: list[str], interaction: str | None, reason: str
) -> list[dict]:
    with operations() as ops:
        done = ops.review_memories(action, ids, interaction=interaction, reason=reason)
    return to_jsonable(done)


@memory_app.command("promote")
def promote_cmd(
    memory_ids: Annotated[
        list[str] | None, typer.Argument(help="Candidate memory ids (or unique prefixes).")
    ] = None,
    all_from_interaction: Annotated[
        str | None,
        typer.Option("--all-from-interaction", help="Promote every candidate from it."),
    ] = None,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Promote candidates to active (they start joining context packs)."""
    done = _review("promote", memory_ids or [], all_from_interaction, reason)
    emit(done, state.json, _status_line("promote"))


@memory_app.command("reject")
def reject_cmd(
    memory_ids: Annotated[
        list[str] | None, typer.Argument(help="Memory ids (or unique prefixes).")
    ] = None,
    all_from_interaction: Annotated[
        str | None,
        typer.Option("--all-from-interaction", help="Reject every candidate from it."),
    ] = None,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Reject candidates (or retire a wrong active memory): status becomes invalid."""
    done = _review("reject", memory_ids or [], all_from_interaction, reason)
    emit(done, state.json, _status_line("reject"))


@memory_app.command("supersede")
def supersede_cmd(
    memory_id: Annotated[str, typer.Argument(help="The active memory being replaced.")],
    by: Annotated[
        str | None, typer.Option("--by", help="An existing active memory replacing it.")
    ] = None,
    content: Annotated[
        str | None,
        typer.Option("--content", "-c", help="Text of a new memory replacing it."),
    ] = None,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Mark an active memory superseded, optionally by a replacement."""
    with operations() as ops:
        result = ops.supersede_memory(memory_id, by=by, content=content, reason=reason)

    def render(d: dict) -> None:
        success(f"{d['superseded']['id'][:8]} superseded")
        if d["replacement"]:
            success(f"replaced by {d['replacement']['id'][:8]}: {d['replacement']['content']}")

    emit(to_jsonable(result), state.json, render)


@memory_app.command("forget")
def forget_cmd(
    memory_id: Annotated[str, typer.Argument(help="Memory id (or a unique prefix).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    with_interaction: Annotated[
        bool,
        typer.Option(
            "--with-interaction", help="Also delete the captured interaction it came from."
        ),
    ] = False,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Delete a memory for good (privacy). The review log keeps no copy of its text."""
    with operations() as ops:
        memory = ops.show_memory(memory_id).memory
        source = memory.source_interaction_id if with_interaction else None
        if not yes:
            console(stderr=True).print(
                f"{memory.id[:8]} [{memory.memory_type}] {one_line(memory.content, 70)}"
                + (f"\nand interaction {source[:8]} (if still stored)" if source else "")
            )
            if not typer.confirm("Delete permanently?", default=False, err=True):
                console(stderr=True).print("kept")
                raise typer.Exit(1)
        data = ops.forget_memory(memory.id, with_interaction=with_interaction, reason=reason)
    emit(
        data,
        state.json,
        lambda d: success(
            f"forgot memory {d['id'][:8]}"
            + (
                f" and interaction {d['interaction_forgotten'][:8]}"
                if d["interaction_forgotten"]
                else ""
            )
        ),
    )
