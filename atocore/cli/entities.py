"""``atocore entities``: typed engineering entities and their relationships."""

from __future__ import annotations

from typing import Annotated

import typer

from atocore.cli.common import (
    JsonOpt,
    LimitOpt,
    ProjectOpt,
    db,
    emit,
    new_app,
    state,
    success,
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
    from atocore.engineering.graduation import graduate_memory

    with db() as conn:
        result = graduate_memory(
            conn, memory_id, entity_type=entity_type, name=name, project=project, reason=reason
        )
    emit(
        result.model_dump(),
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


def _with_conflicts(conn, entity) -> dict:
    """The entity plus the open conflicts it is in (a write flags, it never blocks)."""
    from atocore.engineering.conflicts import open_conflicts_for

    ids = [c.id for c in open_conflicts_for(conn, entity.id)]
    if ids and not state.json:
        warn(
            f"flagged: {entity.name} is in open conflict {', '.join(i[:12] for i in ids)} "
            "(atocore conflicts show ID)"
        )
    return {**entity.model_dump(), "open_conflicts": ids}


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
    from atocore.engineering.entities import list_entities

    with db() as conn:
        rows = list_entities(
            conn,
            project,
            entity_type=entity_type,
            status=None if status == "all" else status,
            limit=limit,
        )
    emit([r.model_dump() for r in rows], state.json, _render_list)


@entities_app.command("show")
def show_cmd(
    ref: Annotated[str, typer.Argument(help="Entity id, id prefix, or key/name with --project.")],
    project: ProjectOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Show one entity with its fields, sources and relationships."""
    from atocore.engineering.entities import find_entity
    from atocore.engineering.relationships import edges_of, links_of

    with db() as conn:
        entity = find_entity(conn, ref, project)
        data = {
            "entity": entity.model_dump(),
            "relationships": [r.model_dump() for r in edges_of(conn, entity.id)],
            "links": links_of(conn, entity.id),
        }
    emit(data, state.json, _render_one)


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
    from atocore.engineering.create import create_entity
    from atocore.engineering.entities import parse_attr_pairs

    refs = [{"kind": "manual", "ref": source}] if source else None
    with db() as conn:
        entity = create_entity(
            conn,
            project or "",
            entity_type,
            name,
            parse_attr_pairs(attr or []),
            identity_key=key,
            status="active" if active else "candidate",
            confidence=confidence,
            source_refs=refs,
        )
        data = _with_conflicts(conn, entity)
    emit(data, state.json, _status("added"))


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
    from atocore.engineering.entities import find_entity, parse_attr_pairs
    from atocore.engineering.review import edit_entity

    fields: dict = {}
    if name is not None:
        fields["name"] = name
    if attr:
        fields["attributes"] = parse_attr_pairs(attr)
    if confidence is not None:
        fields["confidence"] = confidence
    if not fields:
        from atocore.errors import InvalidInput

        raise InvalidInput("nothing to edit: give --name, --attr or --confidence")
    with db() as conn:
        entity = edit_entity(conn, find_entity(conn, entity_id).id, reason=reason, **fields)
    emit(entity.model_dump(), state.json, _status("edited"))


@entities_app.command("promote")
def promote_cmd(
    entity_id: Annotated[str, typer.Argument(help="Entity id or unique prefix.")],
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Promote a candidate to active (refused while it is in an open conflict)."""
    from atocore.engineering.entities import find_entity
    from atocore.engineering.review import promote_entity

    with db() as conn:
        entity = promote_entity(conn, find_entity(conn, entity_id).id, reason=reason)
        data = _with_conflicts(conn, entity)
    emit(data, state.json, _status("promoted"))


@entities_app.command("reject")
def reject_cmd(
    entity_id: Annotated[str, typer.Argument(help="Entity id or unique prefix.")],
    reason: ReasonOpt = "",
    json_output: JsonOpt = False,
) -> None:
    """Reject a candidate (it becomes invalid)."""
    from atocore.engineering.entities import find_entity
    from atocore.engineering.review import reject_entity

    with db() as conn:
        entity = reject_entity(conn, find_entity(conn, entity_id).id, reason=reason)
    emit(entity.model_dump(), state.json, _status("rejected"))


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
    from atocore.engineering.entities import find_entity
    from atocore.engineering.review import supersede_entity

    with db() as conn:
        entity = supersede_entity(conn, find_entity(conn, entity_id).id, by=by, reason=reason)
    emit(entity.model_dump(), state.json, _status("superseded"))


@entities_app.command("relate")
def relate_cmd(
    source: Annotated[str, typer.Argument(help="Source entity (id, prefix or key).")],
    rel_type: Annotated[str, typer.Argument(help="contains, satisfies, affects, supports, ...")],
    target: Annotated[str, typer.Argument(help="Target entity (id, prefix or key).")],
    project: ProjectOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """Link two entities with a typed relationship (checked against the ontology)."""
    from atocore.engineering.relationships import relate

    with db() as conn:
        edge = relate(conn, source, rel_type, target, project=project)
    emit(
        edge.model_dump(),
        state.json,
        lambda e: success(f"{e['source_id'][:12]} {e['rel_type']} {e['target_id'][:12]}"),
    )


@entities_app.command("unrelate")
def unrelate_cmd(
    edge_id: Annotated[str, typer.Argument(help="Relationship id (see `entities show --json`).")],
    json_output: JsonOpt = False,
) -> None:
    """Retire a relationship (kept for history, no longer counted by queries)."""
    from atocore.engineering.relationships import unrelate

    with db() as conn:
        edge = unrelate(conn, edge_id)
    emit(
        edge.model_dump(), state.json, lambda e: success(f"retired {e['rel_type']} {e['id'][:12]}")
    )


@entities_app.command("types")
def types_cmd(json_output: JsonOpt = False) -> None:
    """List the entity types with their fields, and the relationship types."""
    from atocore.engineering.schemas import ENTITY_TYPES, REL_TYPES, field_names

    data = {
        "entity_types": {t: field_names(t) for t in ENTITY_TYPES},
        "relationships": {
            name: {"family": r.family, "from": list(r.sources), "to": list(r.targets)}
            for name, r in REL_TYPES.items()
        },
    }

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
