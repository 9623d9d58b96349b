"""``atocore memory``: typed memories and their review lifecycle."""

from __future__ import annotations

from typing import Annotated

import typer

from atocore.cli.common import (
    JsonOpt,
    LimitOpt,
    ProjectOpt,
    console,
    db,
    emit,
    new_app,
    state,
    success,
    table,
)

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


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
                _short(m["content"]),
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
            success(f"{m['id'][:8]} {m['status']}: {_short(m['content'], 70)}")

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
    from atocore.client import fetch, remote
    from atocore.memory.service import list_memories

    if remote():
        params = dict(memory_type=memory_type, project=project, status=status, limit=limit)
        rows = fetch("GET", "/memory", interaction=interaction, **params)
        return emit(rows, state.json, _render_list)
    with db() as conn:
        memories = list_memories(
            conn,
            memory_type=memory_type,
            project=project,
            status=status,
            source_interaction_id=interaction,
            limit=limit,
        )
    emit([m.model_dump() for m in memories], state.json, _render_list)


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
    from atocore.memory.service import create_memory

    with db() as conn:
        memory = create_memory(
            conn,
            memory_type,
            content,
            project=project or "",
            status="candidate" if candidate else "active",
            confidence=confidence,
            reason=reason or "added by hand",
        )
    emit(memory.model_dump(), state.json, _status_line("add"))


@memory_app.command("show")
def show_cmd(
    memory_id: Annotated[str, typer.Argument(help="Memory id (or a unique prefix).")],
    json_output: JsonOpt = False,
) -> None:
    """Show one memory with its provenance and review history."""
    from atocore.memory.review_queue import memory_provenance
    from atocore.memory.service import get_memory
    from atocore.review_log import list_reviews

    with db() as conn:
        memory = get_memory(conn, memory_id)
        data = {
            "memory": memory.model_dump(),
            "provenance": memory_provenance(conn, memory),
            "history": [
                r.model_dump()
                for r in reversed(list_reviews(conn, target_kind="memory", target_id=memory.id))
            ],
        }
    emit(data, state.json, _render_one)


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
    from atocore.memory.service import edit_memory

    with db() as conn:
        memory = edit_memory(
            conn,
            memory_id,
            content=content,
            memory_type=memory_type,
            project=project,
            confidence=confidence,
            reason=reason,
        )
    emit(memory.model_dump(), state.json, _status_line("edit"))


def _review(action: str, ids: list[str], interaction: str | None, reason: str) -> list[dict]:
    from atocore.db import transaction
    from atocore.errors import InvalidInput
    from atocore.memory.service import (
        promote_memory,
        reject_memory,
        review_all_from_interaction,
    )

    if bool(ids) == bool(interaction):
        raise InvalidInput("give memory ids or --all-from-interaction ID (one of the two)")
    with db() as conn:
        if interaction:
            from atocore.interactions.service import resolve_interaction_id

            full = resolve_interaction_id(conn, interaction)
            done = review_all_from_interaction(conn, full, action, reason=reason)
        else:
            fn = promote_memory if action == "promote" else reject_memory
            with transaction(conn):  # all or nothing
                done = [fn(conn, memory_id, reason=reason) for memory_id in ids]
    return [m.model_dump() for m in done]


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
    from atocore.memory.service import supersede_memory

    with db() as conn:
        old, new = supersede_memory(conn, memory_id, by=by, new_content=content, reason=reason)
    data = {"superseded": old.model_dump(), "replacement": new.model_dump() if new else None}

    def render(d: dict) -> None:
        success(f"{d['superseded']['id'][:8]} superseded")
        if d["replacement"]:
            success(f"replaced by {d['replacement']['id'][:8]}: {d['replacement']['content']}")

    emit(data, state.json, render)


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
    from atocore.db import transaction
    from atocore.interactions.service import forget_interaction
    from atocore.memory.service import forget_memory, get_memory

    with db() as conn:
        memory = get_memory(conn, memory_id)
        source = memory.source_interaction_id if with_interaction else None
        if (
            source
            and not conn.execute("SELECT 1 FROM interactions WHERE id = ?", (source,)).fetchone()
        ):
            source = None
        if not yes:
            console(stderr=True).print(
                f"{memory.id[:8]} [{memory.memory_type}] {_short(memory.content, 70)}"
                + (f"\nand interaction {source[:8]}" if source else "")
            )
            if not typer.confirm("Delete permanently?", default=False, err=True):
                console(stderr=True).print("kept")
                raise typer.Exit(1)
        with transaction(conn):
            data = forget_memory(conn, memory.id, reason=reason)
            data["interaction_forgotten"] = None
            if source:
                forget_interaction(conn, source, reason=reason)
                data["interaction_forgotten"] = source
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
