"""A read-only snapshot of a project's entities and the active edges between them.

The one loader of the engineering tables: the query catalog walks the
active entities; the Human Mirror also loads the superseded and invalid
ones (``statuses``) and hands the catalog ``only_active()`` of the same
load. An edge is present only while both of its ends are, so in an
active-only graph candidates can never satisfy a query.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from atocore.db.types import Connection
from atocore.engineering.entities import row_to_entity
from atocore.engineering.schemas import Entity


class Graph:
    def __init__(
        self, project: str, entities: dict[str, Entity], edges: list[tuple[str, str, str]]
    ) -> None:
        """``edges``: (rel_type, source id, target id); those with an end missing are left out."""
        self.project = project
        self.entities = entities
        self._edges = edges
        self.out: dict[str, list[tuple[str, str]]] = defaultdict(list)  # id -> (rel, target)
        self.inc: dict[str, list[tuple[str, str]]] = defaultdict(list)  # id -> (rel, source)
        for rel, src, tgt in edges:
            if src in entities and tgt in entities:
                self.out[src].append((rel, tgt))
                self.inc[tgt].append((rel, src))

    @classmethod
    def load(
        cls, conn: Connection, project: str, *, statuses: tuple[str, ...] = ("active",)
    ) -> Graph:
        """The project's entities of ``statuses`` and its active edges: two statements."""
        placeholders = ", ".join("?" for _ in statuses)
        entities = {
            row["id"]: row_to_entity(row)
            for row in conn.execute(
                f"SELECT * FROM entities WHERE project = ? AND status IN ({placeholders})",
                (project, *statuses),
            )
        }
        edges = [
            (row["rel_type"], row["source_id"], row["target_id"])
            for row in conn.execute(
                "SELECT rel_type, source_id, target_id FROM relationships "
                "WHERE project = ? AND status = 'active' ORDER BY rel_type, source_id, target_id",
                (project,),
            )
        ]
        return cls(project, entities, edges)

    def only_active(self) -> Graph:
        """The same snapshot restricted to active entities (no SQL)."""
        active = {i: e for i, e in self.entities.items() if e.status == "active"}
        return Graph(self.project, active, self._edges)

    # --- selection -------------------------------------------------------------------

    def of_type(self, entity_type: str) -> list[Entity]:
        found = [e for e in self.entities.values() if e.entity_type == entity_type]
        return sorted(found, key=lambda e: (e.name.lower(), e.identity_key, e.id))

    def targets(self, entity_id: str, rel: str) -> list[Entity]:
        return self._sorted(t for r, t in self.out.get(entity_id, []) if r == rel)

    def sources(self, entity_id: str, rel: str) -> list[Entity]:
        return self._sorted(s for r, s in self.inc.get(entity_id, []) if r == rel)

    def _sorted(self, ids) -> list[Entity]:
        found = {i: self.entities[i] for i in ids}
        return sorted(found.values(), key=lambda e: (e.entity_type, e.name.lower(), e.id))

    def children(self, entity_id: str) -> list[Entity]:
        """contains-targets plus part_of-sources."""
        ids = {t for r, t in self.out.get(entity_id, []) if r == "contains"}
        ids |= {s for r, s in self.inc.get(entity_id, []) if r == "part_of"}
        return self._sorted(ids)

    def parents(self, entity_id: str) -> list[Entity]:
        ids = {s for r, s in self.inc.get(entity_id, []) if r == "contains"}
        ids |= {t for r, t in self.out.get(entity_id, []) if r == "part_of"}
        return self._sorted(ids)

    def ancestors(self, entity_id: str) -> list[Entity]:
        return self._closure(entity_id, self.parents)

    def descendants(self, entity_id: str) -> list[Entity]:
        return self._closure(entity_id, self.children)

    def around(self, entity_id: str, *, parts: bool = True, containers: bool = False) -> set[str]:
        """``entity_id`` with its parts and/or what contains it: the ids a question
        about one entity covers."""
        ids = {entity_id}
        if parts:
            ids |= {d.id for d in self.descendants(entity_id)}
        if containers:
            ids |= {a.id for a in self.ancestors(entity_id)}
        return ids

    def _closure(self, entity_id: str, step: Callable[[str], list[Entity]]) -> list[Entity]:
        """Everything reachable from ``entity_id`` by repeating ``step`` (cycles stop)."""
        seen: set[str] = set()
        stack = [entity_id]
        while stack:
            for found in step(stack.pop()):
                if found.id not in seen and found.id != entity_id:
                    seen.add(found.id)
                    stack.append(found.id)
        return self._sorted(seen)


def brief(entity: Entity, *fields: str) -> dict[str, Any]:
    """The stable short form of an entity used in query rows."""
    out: dict[str, Any] = {
        "id": entity.id,
        "type": entity.entity_type,
        "key": entity.identity_key,
        "name": entity.name,
    }
    for name in fields:
        out[name] = entity.attributes.get(name)
    return out


def refs_of(entity: Entity) -> list[dict[str, Any]]:
    return sorted(entity.source_refs, key=lambda r: json.dumps(r, sort_keys=True))
