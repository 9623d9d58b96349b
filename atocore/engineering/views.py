"""The composite shapes every front-end shows of the engineering layer, built once.

``entities show`` (entity, its edges and the entity at the other end of each),
an entity with the open conflicts it is in (a write flags, it never blocks),
and the type catalog.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from atocore.db.types import Connection
from atocore.engineering.entities import find_entity
from atocore.engineering.schemas import Entity, Relationship


class LinkEnd(BaseModel):
    id: str
    type: str
    key: str
    name: str
    status: str


class Link(BaseModel):
    """A live edge seen from one entity."""

    id: str
    rel_type: str
    family: str
    direction: Literal["in", "out"]
    other: LinkEnd


class EntityDetail(BaseModel):
    entity: Entity
    relationships: list[Relationship]
    links: list[Link]


class FlaggedEntity(Entity):
    """An entity after a write, with the ids of the open conflicts it is in."""

    open_conflicts: list[str]


def entity_detail(conn: Connection, ref: str, project: str | None = None) -> EntityDetail:
    from atocore.engineering.relationships import edges_of, links_of

    entity = find_entity(conn, ref, project)
    return EntityDetail(
        entity=entity,
        relationships=edges_of(conn, entity.id),
        links=[Link.model_validate(link) for link in links_of(conn, entity.id)],
    )


def flagged(conn: Connection, entity: Entity) -> FlaggedEntity:
    from atocore.engineering.conflicts import open_conflicts_for

    ids = [c.id for c in open_conflicts_for(conn, entity.id)]
    return FlaggedEntity(**entity.model_dump(), open_conflicts=ids)


def type_catalog() -> dict[str, Any]:
    """Entity types with their fields, and relationship types with their ends."""
    from atocore.engineering.schemas import ENTITY_TYPES, REL_TYPES, field_names

    return {
        "entity_types": {t: field_names(t) for t in ENTITY_TYPES},
        "relationships": {
            name: {"family": r.family, "from": list(r.sources), "to": list(r.targets)}
            for name, r in REL_TYPES.items()
        },
    }
