"""``atocore review``: walk the candidate queue and promote, reject or edit.

Keys (type the letter, then Enter): ``p`` promote, ``r`` reject (asks for
a reason), ``e`` edit the text in place (pre-filled) then promote, ``v``
edit in ``$EDITOR`` then promote, ``s`` skip, ``q`` quit, ``?`` help.
"Resembles" is computed when an item is shown, so a twin of a memory
promoted earlier in the session says so.
End of input counts as quit. ``--list`` (or ``--json``) prints the queue
without asking. Every step is an operation, so with ``--url`` the session
reviews the server's queue.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any

import typer

from atocore.cli.common import JsonOpt, ProjectOpt, console, emit, operations, state, table

if TYPE_CHECKING:
    from atocore.api import Operations
    from atocore.memory.review_queue import ReviewItem

KEYS = {
    "p": "promote",
    "a": "promote",
    "promote": "promote",
    "r": "reject",
    "reject": "reject",
    "e": "edit",
    "edit": "edit",
    "v": "editor",
    "s": "skip",
    "n": "skip",
    "": "skip",
    "skip": "skip",
    "q": "quit",
    "quit": "quit",
    "?": "help",
    "h": "help",
}
HELP = (
    "p promote · r reject (asks why) · e edit (text pre-filled), then promote · "
    "v edit in $EDITOR, then promote · s skip (Enter) · q quit · ? help"
)


def register(app: typer.Typer) -> None:
    app.command("review")(review_cmd)


def parse_entity_edit(text: str) -> dict[str, Any]:
    """An edited entity body as ``edit_entity`` fields: the first line is the
    name, ``key: value`` lines are attributes (values JSON when they parse)."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return {}
    attributes: dict[str, Any] = {}
    for line in lines[1:]:
        key, sep, value = line.partition(":")
        if not sep:
            continue
        value = value.strip()
        try:
            attributes[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            attributes[key.strip()] = value
    fields: dict[str, Any] = {"name": lines[0].strip()}
    if attributes:
        fields["attributes"] = attributes
    return fields


def _show(item: ReviewItem, index: int, total: int) -> None:
    from rich.panel import Panel
    from rich.text import Text

    body = Text(item.body)
    details = Text()
    for line in item.provenance:
        details.append(f"\nfrom: {line}", style="dim")
    similar = item.similar
    if similar:
        details.append("\nresembles:", style="yellow")
        for line in similar:
            details.append(f"\n  {line}", style="yellow")
    else:
        details.append("\nresembles: nothing active", style="dim")
    console().print(
        Panel(
            Text.assemble(body, details),
            title=f"[{index}/{total}] {item.kind} {item.id[:8]} · {item.title}",
            title_align="left",
            subtitle=item.created_at,
            subtitle_align="right",
        )
    )


def _ask(prompt: str, default: str | None = None) -> str | None:
    """One line of input; None at end of input."""
    import click

    try:
        return click.prompt(prompt, default=default, show_default=False, prompt_suffix=" ")
    except (click.Abort, EOFError):
        return None


def _prefilled(prompt: str, text: str, out) -> str | None:
    """``text`` to edit in place: on a terminal the line starts with it (readline),
    elsewhere it is shown and Enter keeps it. None at end of input."""
    import sys

    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        readline = None  # type: ignore[assignment]  # the optional-import idiom mypy cannot type
    if readline is None or not sys.stdin.isatty():
        from rich.text import Text

        out.print(Text.assemble(("current: ", "dim"), text), soft_wrap=True)
        return _ask(f"{prompt} (Enter keeps it):", default=text)
    readline.set_startup_hook(lambda: readline.insert_text(text))
    try:
        return input(f"{prompt}: ")
    except EOFError:
        return None
    finally:
        readline.set_startup_hook(None)


def _promote(ops: Operations, item: ReviewItem, reason: str) -> None:
    if item.kind == "entity":
        ops.promote_entity(item.id, reason=reason)
    else:
        ops.promote_memory(item.id, reason=reason)


def _reject(ops: Operations, item: ReviewItem, reason: str) -> None:
    if item.kind == "entity":
        ops.reject_entity(item.id, reason=reason)
    else:
        ops.reject_memory(item.id, reason=reason)


def _edit(ops: Operations, item: ReviewItem, text: str) -> None:
    if item.kind == "entity":
        ops.edit_entity(item.id, reason="edited in review", **parse_entity_edit(text))
    else:
        ops.edit_memory(item.id, content=text, reason="edited in review")


def _act(ops: Operations, item: ReviewItem, action: str, *, use_editor: bool, out) -> str | None:
    """Run one action; returns the outcome word or None when it did not happen."""
    from atocore.errors import AtocoreError

    try:
        if action == "promote":
            _promote(ops, item, "promoted in atocore review")
            return "promoted"
        if action == "reject":
            reason = _ask("reason (optional):", default="")
            if reason is None:
                return None
            _reject(ops, item, reason.strip())
            return "rejected"
        if action in ("edit", "editor"):
            if use_editor or action == "editor":
                import click

                text = click.edit(item.body)
            else:
                if "\n" in item.body:
                    out.print("[dim]one line: name, then 'key: value' separated by ' | '[/dim]")
                text = _prefilled("new text", item.body.replace("\n", " | "), out)
                if text is not None and "\n" in item.body:
                    text = "\n".join(part.strip() for part in text.split(" | "))
            if text is None or not text.strip():
                out.print("[dim]edit cancelled[/dim]")
                return None
            if text.strip() == item.body.strip():
                _promote(ops, item, "promoted in atocore review")
                return "promoted"
            _edit(ops, item, text.strip())
            _promote(ops, item, "edited and promoted in atocore review")
            return "edited"
    except AtocoreError as exc:
        out.print(f"[red]error:[/red] {exc.message}", soft_wrap=True)
        return None
    return None


def review_cmd(
    memory_type: Annotated[
        str | None,
        typer.Option(
            "--type", "-t", help="Only this memory type (identity|preference|project|...)."
        ),
    ] = None,
    project: ProjectOpt = None,
    entities: Annotated[
        bool, typer.Option("--entities", help="Review engineering entity candidates instead.")
    ] = False,
    entity_type: Annotated[
        str | None, typer.Option("--entity-type", help="With --entities: only this type.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="Queue size.")] = 200,
    list_only: Annotated[
        bool, typer.Option("--list", help="Print the queue without reviewing.")
    ] = False,
    editor: Annotated[
        bool, typer.Option("--editor", help="Edit in $EDITOR instead of on one line.")
    ] = False,
    json_output: JsonOpt = False,
) -> None:
    """Review candidates oldest first: promote, reject, edit+promote, skip or quit."""
    with operations() as ops:
        items = ops.review_queue(
            entities=entities,
            memory_type=memory_type,
            project=project,
            entity_type=entity_type,
            limit=limit,
        )
        if list_only or state.json:
            emit(
                [item.model_dump() for item in items],
                state.json,
                lambda rows: table(
                    None,
                    ["id", "kind", "about", "text", "since"],
                    [
                        [r["id"][:8], r["kind"], r["title"], r["body"], r["created_at"]]
                        for r in rows
                    ],
                    empty="the review queue is empty",
                ),
            )
            return
        _session(ops, items, use_editor=editor)


def _session(ops: Operations, items: list[ReviewItem], *, use_editor: bool) -> dict:
    from atocore.errors import NotFound

    out = console()
    outcome: dict[str, list[str]] = {"promoted": [], "rejected": [], "edited": [], "skipped": []}
    if not items:
        out.print("[dim]the review queue is empty[/dim]")
        return {**outcome, "remaining": 0}
    out.print(f"{len(items)} candidate(s), oldest first. {HELP}", soft_wrap=True)
    index = 0
    quit_ = False
    while index < len(items) and not quit_:
        try:  # as it stands now: what it resembles, or gone since the queue was read
            item = ops.review_item(items[index].kind, items[index].id)
        except NotFound:
            out.print(f"[dim]{items[index].id[:8]} is no longer there[/dim]")
            index += 1
            continue
        _show(item, index + 1, len(items))
        while True:
            answer = _ask("[p/r/e/s/q/?]", default="")
            if answer is None:
                quit_ = True
                break
            action = KEYS.get(answer.strip().lower())
            if action is None or action == "help":
                out.print(HELP, soft_wrap=True)
                continue
            if action == "quit":
                quit_ = True
                break
            if action == "skip":
                outcome["skipped"].append(item.id)
                break
            done = _act(ops, item, action, use_editor=use_editor, out=out)
            if done:
                outcome[done].append(item.id)
                out.print(f"[green]✓[/green] {done}")
                break
        index += 1 if not quit_ else 0
    remaining = len(items) - index
    out.print(
        f"promoted {len(outcome['promoted'])} · edited {len(outcome['edited'])} · "
        f"rejected {len(outcome['rejected'])} · skipped {len(outcome['skipped'])} · "
        f"left {remaining}"
    )
    return {**outcome, "remaining": remaining}
