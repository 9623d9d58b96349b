"""One project's engineering state in memory for the Mirror.

The entities and edges come from the engineering graph (loaded once, with
the superseded and invalid entities the pages show; the query catalog gets
its active-only view), the open conflicts from ``engineering.conflicts``;
this module adds what only the pages need (candidate count, last review of
each entity). The page facts are then derived in Python (see ``facts.py``).
Reading everything once keeps a 1000-entity project well under a second and
makes every ordering explicit.

The derivations follow the engineering query catalog: containment (Q-001,
Q-004), interfaces (Q-003), requirement coverage and orphans (Q-005, Q-006),
constraints (Q-007), decisions affecting an entity (Q-008), decisions on
assumptions flagged for review (Q-009), validation claim support (Q-010,
Q-011), recent changes (Q-013), the decision log (Q-014) and evidence
(Q-017). Only active entities and active relationships between active
entities count; candidates never appear.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from atocore.db.types import Connection
from atocore.engineering.conflicts import Conflict, list_conflicts
from atocore.engineering.graph import Graph as EntityGraph
from atocore.engineering.schemas import Entity

# Statuses shown anywhere in the Mirror (candidates are never shown).
SHOWN_STATUSES = ("active", "superseded", "invalid")


def by_name(entity: Entity) -> tuple[str, str]:
    """The pages' order for entities: name, case-insensitive, then id."""
    return (entity.name.lower(), entity.id)


@dataclass
class MirrorGraph:
    project: str
    entities: EntityGraph
    conflicts: list[Conflict]
    disputes: dict[str, list[Conflict]]  # entity id → open conflicts it is a member of
    candidates: int
    reviews: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (when, action)
    # entity conflict member id → its name (members may be candidates, not in ``nodes``)
    member_names: dict[str, str] = field(default_factory=dict)

    @property
    def nodes(self) -> dict[str, Entity]:
        return self.entities.entities

    @property
    def out_edges(self) -> dict[str, list[tuple[str, str]]]:  # id → [(rel_type, target id)]
        return self.entities.out

    @property
    def in_edges(self) -> dict[str, list[tuple[str, str]]]:  # id → [(rel_type, source id)]
        return self.entities.inc

    def active(self, entity_type: str | None = None) -> list[Entity]:
        return _active(self.nodes.values(), entity_type)

    def targets(self, node_id: str, rel: str, entity_type: str | None = None) -> list[Entity]:
        """Active entities reached from ``node_id`` over active ``rel`` edges."""
        return _active(self.entities.targets(node_id, rel), entity_type)

    def sources(self, node_id: str, rel: str, entity_type: str | None = None) -> list[Entity]:
        """Active entities with an active ``rel`` edge into ``node_id``."""
        return _active(self.entities.sources(node_id, rel), entity_type)

    def children(self, node_id: str, entity_type: str | None = None) -> list[Entity]:
        """Structural children: ``contains`` out-edges and ``part_of`` in-edges."""
        return _active(self.entities.children(node_id), entity_type)

    def parents(self, node_id: str, entity_type: str | None = None) -> list[Entity]:
        return _active(self.entities.parents(node_id), entity_type)


def _active(entities: Any, entity_type: str | None) -> list[Entity]:
    found = [
        e
        for e in entities
        if e.status == "active" and (entity_type is None or e.entity_type == entity_type)
    ]
    return sorted(found, key=by_name)


def member_name(graph: MirrorGraph, member: Any) -> str:
    """A conflict member's name ('' for project state, as the pages show it)."""
    return graph.member_names.get(member.id, "") if member.kind == "entity" else ""


def parse_time(value: str | None) -> datetime | None:
    """Stored timestamps ('YYYY-MM-DD HH:MM:SS' or ISO 8601) as aware UTC datetimes."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _has_table(conn: Connection, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def load_graph(conn: Connection, project: str) -> MirrorGraph:
    """Every shown entity, active edge and open conflict of ``project`` (canonical id)."""
    if not _has_table(conn, "entities"):
        return MirrorGraph(project, EntityGraph(project, {}, []), [], {}, 0)
    entities = EntityGraph.load(conn, project, statuses=SHOWN_STATUSES)
    candidates = conn.execute(
        "SELECT count(*) FROM entities WHERE project = ? AND status = 'candidate'", (project,)
    ).fetchone()[0]
    conflicts = list_conflicts(conn, project, status="open")
    disputes: dict[str, list[Conflict]] = {}
    member_ids: set[str] = set()
    for conflict in conflicts:
        for member in conflict.members:
            if member.kind != "entity":
                continue
            member_ids.add(member.id)
            if member.id in entities.entities:
                disputes.setdefault(member.id, []).append(conflict)
    placeholders = ", ".join("?" for _ in member_ids)
    member_names = dict(
        conn.execute(f"SELECT id, name FROM entities WHERE id IN ({placeholders})", [*member_ids])
    )
    reviews: dict[str, tuple[str, str]] = {}
    for row in conn.execute(
        "SELECT r.target_id, r.action, r.created_at FROM review_log r "
        "JOIN entities e ON e.id = r.target_id WHERE r.target_kind = 'entity' "
        "AND e.project = ? ORDER BY r.created_at, r.id",
        (project,),
    ):
        if row["target_id"] in entities.entities:
            reviews[row["target_id"]] = (row["created_at"], row["action"])
    return MirrorGraph(project, entities, conflicts, disputes, candidates, reviews, member_names)
