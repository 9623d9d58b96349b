"""Loading one project's engineering state into memory for the Mirror.

One pass of SQL over the engineering tables (entities, relationships,
conflicts, conflict_members) and trusted project state; the page facts are
then derived in Python (see ``facts.py``). Reading everything once keeps a
1000-entity project well under a second and makes every ordering explicit.

The derivations follow the engineering query catalog: containment (Q-001,
Q-004), interfaces (Q-003), requirement coverage and orphans (Q-005, Q-006),
constraints (Q-007), decisions affecting an entity (Q-008), decisions on
assumptions flagged for review (Q-009), validation claim support (Q-010,
Q-011), recent changes (Q-013), the decision log (Q-014) and evidence
(Q-017). Only active entities and active relationships between active
entities count; candidates never appear.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Statuses shown anywhere in the Mirror (candidates are never shown).
SHOWN_STATUSES = ("active", "superseded", "invalid")


@dataclass
class Node:
    id: str
    type: str
    name: str
    status: str
    identity_key: str
    attributes: dict[str, Any]
    source_refs: list[dict[str, Any]]
    superseded_by: str | None
    created_at: str
    updated_at: str

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.name.lower(), self.id)


@dataclass
class Conflict:
    id: str
    field: str
    reason: str
    created_at: str
    members: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Graph:
    project: str
    nodes: dict[str, Node]
    out_edges: dict[str, list[tuple[str, str]]]  # id → [(rel_type, target id)]
    in_edges: dict[str, list[tuple[str, str]]]  # id → [(rel_type, source id)]
    conflicts: list[Conflict]
    disputes: dict[str, list[Conflict]]  # entity id → open conflicts it is a member of
    candidates: int
    reviews: dict[str, tuple[str, str]] = field(default_factory=dict)  # id → (when, action)

    def active(self, entity_type: str | None = None) -> list[Node]:
        found = [
            n
            for n in self.nodes.values()
            if n.status == "active" and (entity_type is None or n.type == entity_type)
        ]
        return sorted(found, key=lambda n: n.sort_key)

    def targets(self, node_id: str, rel: str, entity_type: str | None = None) -> list[Node]:
        """Active entities reached from ``node_id`` over active ``rel`` edges."""
        return self._ends(self.out_edges.get(node_id, ()), rel, entity_type)

    def sources(self, node_id: str, rel: str, entity_type: str | None = None) -> list[Node]:
        """Active entities with an active ``rel`` edge into ``node_id``."""
        return self._ends(self.in_edges.get(node_id, ()), rel, entity_type)

    def _ends(self, edges: Any, rel: str, entity_type: str | None) -> list[Node]:
        seen: dict[str, Node] = {}
        for edge_rel, other in edges:
            node = self.nodes.get(other)
            if edge_rel != rel or node is None or node.status != "active":
                continue
            if entity_type is None or node.type == entity_type:
                seen[node.id] = node
        return sorted(seen.values(), key=lambda n: n.sort_key)

    def children(self, node_id: str, entity_type: str | None = None) -> list[Node]:
        """Structural children: ``contains`` out-edges and ``part_of`` in-edges."""
        found = {
            n.id: n
            for n in self.targets(node_id, "contains", entity_type)
            + self.sources(node_id, "part_of", entity_type)
        }
        return sorted(found.values(), key=lambda n: n.sort_key)

    def parents(self, node_id: str, entity_type: str | None = None) -> list[Node]:
        found = {
            n.id: n
            for n in self.sources(node_id, "contains", entity_type)
            + self.targets(node_id, "part_of", entity_type)
        }
        return sorted(found.values(), key=lambda n: n.sort_key)


def parse_time(value: str | None) -> datetime | None:
    """Stored timestamps ('YYYY-MM-DD HH:MM:SS' or ISO 8601) as aware UTC datetimes."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json(raw: str | None, default: Any) -> Any:
    try:
        value = json.loads(raw) if raw else default
    except (TypeError, ValueError):
        return default
    return value if isinstance(value, type(default)) else default


def _has_table(conn: Any, name: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
    ).fetchone()
    return row is not None


def load_graph(conn: Any, project: str) -> Graph:
    """Every shown entity, active edge and open conflict of ``project`` (canonical id)."""
    nodes: dict[str, Node] = {}
    out_edges: dict[str, list[tuple[str, str]]] = {}
    in_edges: dict[str, list[tuple[str, str]]] = {}
    conflicts: list[Conflict] = []
    disputes: dict[str, list[Conflict]] = {}
    candidates = 0
    if not _has_table(conn, "entities"):
        return Graph(project, nodes, out_edges, in_edges, conflicts, disputes, candidates)

    placeholders = ", ".join("?" for _ in SHOWN_STATUSES)
    for row in conn.execute(
        "SELECT id, entity_type, name, status, identity_key, attributes, source_refs, "
        f"superseded_by, created_at, updated_at FROM entities WHERE project = ? "
        f"AND status IN ({placeholders})",
        (project, *SHOWN_STATUSES),
    ):
        nodes[row["id"]] = Node(
            id=row["id"],
            type=row["entity_type"],
            name=row["name"],
            status=row["status"],
            identity_key=row["identity_key"],
            attributes=_json(row["attributes"], {}),
            source_refs=_json(row["source_refs"], []),
            superseded_by=row["superseded_by"],
            created_at=row["created_at"] or "",
            updated_at=row["updated_at"] or "",
        )
    candidates = conn.execute(
        "SELECT count(*) FROM entities WHERE project = ? AND status = 'candidate'", (project,)
    ).fetchone()[0]

    for row in conn.execute(
        "SELECT rel_type, source_id, target_id FROM relationships "
        "WHERE project = ? AND status = 'active' ORDER BY id",
        (project,),
    ):
        if row["source_id"] in nodes and row["target_id"] in nodes:
            out_edges.setdefault(row["source_id"], []).append((row["rel_type"], row["target_id"]))
            in_edges.setdefault(row["target_id"], []).append((row["rel_type"], row["source_id"]))

    by_id: dict[str, Conflict] = {}
    for row in conn.execute(
        "SELECT c.id, c.field, c.reason, c.created_at, m.member_kind, m.member_id, m.value, "
        "m.role, e.name AS member_name, e.status AS member_status FROM conflicts c "
        "LEFT JOIN conflict_members m ON m.conflict_id = c.id "
        "LEFT JOIN entities e ON e.id = m.member_id "
        "WHERE c.project = ? AND c.status = 'open' "
        "ORDER BY c.created_at, c.id, m.member_kind, m.member_id",
        (project,),
    ):
        conflict = by_id.get(row["id"])
        if conflict is None:
            conflict = Conflict(
                row["id"], row["field"] or "", row["reason"] or "", row["created_at"]
            )
            by_id[row["id"]] = conflict
            conflicts.append(conflict)
        if row["member_id"] is None:
            continue
        member = {
            "kind": row["member_kind"] or "",
            "id": row["member_id"],
            "value": row["value"] or "",
            "role": row["role"] or "",
        }
        member["name"] = row["member_name"] or ""
        member["status"] = row["member_status"] or ""
        node = nodes.get(row["member_id"])
        conflict.members.append(member)
        if node is not None:
            disputes.setdefault(node.id, []).append(conflict)
    reviews: dict[str, tuple[str, str]] = {}
    for row in conn.execute(
        "SELECT r.target_id, r.action, r.created_at FROM review_log r "
        "JOIN entities e ON e.id = r.target_id WHERE r.target_kind = 'entity' "
        "AND e.project = ? ORDER BY r.created_at, r.id",
        (project,),
    ):
        if row["target_id"] in nodes:
            reviews[row["target_id"]] = (row["created_at"], row["action"])
    return Graph(project, nodes, out_edges, in_edges, conflicts, disputes, candidates, reviews)
