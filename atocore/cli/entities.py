"""``atocore entities``: typed engineering entities and their relationships."""

from __future__ import annotations

from typing import Annotated

import typer

from atocore.cli.common import (
    JsonOpt,
    LimitOpt,
    ProjectOpt,
    emit,
    new_app,
    operations,
    state,
    success,
    to_jsonable,
    warn,
)
from atocore.cli.common import table as render_table

entities_app = new_app(
    "Engineering entities (Subsystem, Component, Requirement, Decision, ...): list, add, "
    "review, relate."
)

ReasonOpt = Annotated[str, typer.Option("--reason", "-r", help="Why (kept in the review log).")]
AttrOpt = Annotated[
    list[str] | None,
    typer.Option("--attr", "-a", help="Type-specific field as key=value (repeatable)."),
]


def register(app: typer.Typer) -> None:
    app.add_typer(entities_app, name="entities")
    # `atocore memory graduate` belongs to the memory group but is served by the
    # engineering layer; attach it there (the memory module knows nothing of entities).
    try:
        from atocore.cli.memory import memory_app
    except ImportError:  # pragma: no cover - memory group not installed
        return
    if not any(c.name == "graduate" for c in memory_app.registered_commands):
        memory_app.command("graduate")(graduate_cmd)


def graduate_cmd(
    memory_id: Annotated[str, typer.Argument(help="Memory id or unique prefix.")],
    entity_type: Annotated[
        str | None,
        typer.Option("--type", "-t", help="Override the mapped entity type."),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Entity name.")] = None,
    project: ProjectOpt = None,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Graduate a memory into an entity candidate (adaptation → Decision, project →
    Requirement, knowledge → Constraint); the memory becomes graduated, not deleted."""
    with operations() as ops:
        result = ops.graduate_memory(
            memory_id, entity_type=entity_type, name=name, project=project, reason=reason
        )
    emit(
        to_jsonable(result),
        state.json,
        lambda r: success(
            f"memory {r['memory']['id'][:12]} graduated → {r['entity']['entity_type']} "
            f"candidate {r['entity']['id'][:12]} (review with: atocore review --entities)"
        ),
    )


def _render_list(rows: list[dict]) -> None:
    render_table(
        None,
        ["id", "type", "name", "key", "status", "project"],
        [
            [
                r["id"][:12],
                r["entity_type"],
                r["name"],
                r["identity_key"],
                r["status"],
                r["project"],
            ]
            for r in rows
        ],
        empty="no entities",
    )


def _render_one(data: dict) -> None:
    from atocore.cli.common import console

    out = console()
    e = data["entity"]
    out.print(f"[bold]{e['entity_type']} {e['name']}[/bold]  ({e['status']})")
    for label, key in [
        ("id", "id"),
        ("project", "project"),
        ("key", "identity_key"),
        ("confidence", "confidence"),
        ("canonical home", "canonical_home"),
        ("extractor", "extractor_version"),
        ("superseded by", "superseded_by"),
        ("last imported", "last_imported_at"),
        ("created", "created_at"),
        ("updated", "updated_at"),
    ]:
        if e.get(key) not in (None, ""):
            out.print(f"  {label}: {e[key]}")
    for name, value in sorted(e["attributes"].items()):
        if value not in (None, "", [], {}):
            out.print(f"  [cyan]{name}[/cyan]: {value}")
    for ref in e["source_refs"]:
        out.print(f"  [dim]source: {ref.get('kind')} {ref.get('ref')}[/dim]")
    for link in data["links"]:
        other = link["other"]
        text = f"{other['type']} {other['name']} [{other['status']}]"
        if link["direction"] == "out":
            out.print(f"  → {link['rel_type']} {text}")
        else:
            out.print(f"  ← {text} {link['rel_type']} this")


def _flagged(verb: str):
    """Render a write's result; an entity in open conflicts is flagged (never blocked)."""

    def render(e: dict) -> None:
        if e["open_conflicts"]:
            warn(
                f"flagged: {e['name']} is in open conflict "
                f"{', '.join(i[:12] for i in e['open_conflicts'])} (atocore conflicts show ID)"
            )
        _status(verb)(e)

    return render


def _status(verb: str):
    return lambda e: success(
        f"{verb} {e['entity_type']} {e['name']} ({e['id'][:12]}) → {e['status']}"
    )


@entities_app.command("list")
def list_cmd(
    project: ProjectOpt = None,
    entity_type: Annotated[str | None, typer.Option("--type", "-t", help="Entity type.")] = None,
    status: Annotated[
        str, typer.Option("--status", "-s", help="candidate|active|superseded|invalid|all")
    ] = "active",
    limit: LimitOpt = 200,
    json_output: JsonOpt = False,
) -> None:
    """List entities (active by default), sorted by type and name."""
    with operations() as ops:
        rows = ops.list_entities(project, entity_type=entity_type, status=status, limit=limit)
    emit(to_jsonable(rows), state.json, _render_list)


@entities_app.command("show")
def show_cmd(
    ref: Annotated[str, typer.Argument(help="Entity id, id prefix, or key/name with --project.")],
    project: ProjectOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Show one entity with its fields, sources and relationships."""
    with operations() as ops:
        detail = ops.show_entity(ref, project=project)
    emit(to_jsonable(detail), state.json, _render_one)


@entities_app.command("add")
def add_cmd(
    entity_type: Annotated[str, typer.Argument(help="Subsystem, Component, Requirement, ...")],
    name: Annotated[str, typer.Argument(help="Human-readable name.")],
    project: ProjectOpt = None,
    attr: AttrOpt = None,
    key: Annotated[
        str | None, typer.Option("--key", "-k", help="Identity key (default: slug of name).")
    ] = None,
    active: Annotated[
        bool, typer.Option("--active", help="Create as active (runs conflict detection).")
    ] = False,
    source: Annotated[
        str | None, typer.Option("--source", help="Where this comes from (kept as provenance).")
    ] = None,
    confidence: Annotated[float, typer.Option("--confidence")] = 1.0,
    json_output: JsonOpt = False,
) -> None:
    """Add an entity (a candidate unless --active)."""
    from atocore.engineering.entities import parse_attr_pairs

    with operations() as ops:
        entity = ops.add_entity(
            entity_type,
            name,
            project=project or "",
            attributes=parse_attr_pairs(attr or []),
            identity_key=key,
            active=active,
            source=source,
            confidence=confidence,
        )
    emit(to_jsonable(entity), state.json, _flagged("added"))


@entities_app.command("edit")
def edit_cmd(
    entity_id: Annotated[str, typer.Argument(help="Entity id or unique prefix.")],
    name: Annotated[str | None, typer.Option("--name")] = None,
    attr: AttrOpt = None,
    confidence: Annotated[float | None, typer.Option("--confidence")] = None,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Edit a candidate's name or fields before promoting it."""
    from atocore.engineering.entities import parse_attr_pairs

    attributes = parse_attr_pairs(attr) if attr else None
    with operations() as ops:
        entity = ops.edit_entity(
            entity_id, name=name, attributes=attributes, confidence=confidence, reason=reason
        )
    emit(to_jsonable(entity), state.json, _status("edited"))


@entities_app.command("promote")
def promote_cmd(
    entity_id: Annotated[str, typer.Argument(help="Entity id or unique prefix.")],
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Promote a candidate to active (refused while it is in an open conflict)."""
    with operations() as ops:
        entity = ops.promote_entity(entity_id, reason=reason)
    emit(to_jsonable(entity), state.json, _flagged("promoted"))


@entities_app.command("reject")
def reject_cmd(
    entity_id: Annotated[str, typer.Argument(help="Entity id or unique prefix.")],
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Reject a candidate (it becomes invalid)."""
    with operations() as ops:
        entity = ops.reject_entity(entity_id, reason=reason)
    emit(to_jsonable(entity), state.json, _status("rejected"))


@entities_app.command("supersede")
def supersede_cmd(
    entity_id: Annotated[str, typer.Argument(help="The active entity being replaced.")],
    by: Annotated[
        str | None, typer.Option("--by", help="Successor entity (promoted if a candidate).")
    ] = None,
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Mark an active entity superseded, optionally by a successor."""
    with operations() as ops:
        entity = ops.supersede_entity(entity_id, by=by, reason=reason)
    emit(to_jsonable(entity), state.json, _status("superseded"))


@entities_app.command("relate")
def relate_cmd(
    source: Annotated[str, typer.Argument(help="Source entity (id, prefix or key).")],
    rel_type: Annotated[str, typer.Argument(help="contains, satisfies, affects, supports, ...")],
    target: Annotated[str, typer.Argument(help="Target entity (id, prefix or key).")],
    project: ProjectOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Link two entities with a typed relationship (checked against the ontology)."""
    with operations() as ops:
        edge = ops.relate(source, rel_type, target, project=project)
    emit(
        to_jsonable(edge),
        state.json,
        lambda e: success(f"{e['source_id'][:12]} {e['rel_type']} {e['target_id'][:12]}"),
    )


@entities_app.command("unrelate")
def unrelate_cmd(
    edge_id: Annotated[str, typer.Argument(help="Relationship id (see `entities show --json`).")],
    json_output: JsonOpt = False,
) -> None:
    """Retire a relationship (kept for history, no longer counted by queries)."""
    with operations() as ops:
        edge = ops.unrelate(edge_id)
    emit(
        to_jsonable(edge), state.json, lambda e: success(f"retired {e['rel_type']} {e['id'][:12]}")
    )


@entities_app.command("types")
def types_cmd(json_output: JsonOpt = False) -> None:
    """List the entity types with their fields, and the relationship types."""
    with operations() as ops:
        data = ops.entity_types()

    def render(d: dict) -> None:
        render_table(
            None, ["type", "fields"], [[t, ", ".join(f)] for t, f in d["entity_types"].items()]
        )
        render_table(
            None,
            ["relationship", "family", "from", "to"],
            [
                [n, r["family"], ", ".join(r["from"]), ", ".join(r["to"])]
                for n, r in d["relationships"].items()
            ],
        )

    emit(data, state.json, render)
