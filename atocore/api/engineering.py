"""Entities and their review, relationships, conflicts, the query catalog, KB imports.

Status and type names stay plain strings: the services check them and say
which values exist, with the same message locally and over HTTP.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field

from atocore.api.base import Limit, OperationsBase
from atocore.api.routing import route

if TYPE_CHECKING:
    from atocore.engineering.conflicts import Conflict
    from atocore.engineering.graduation import Graduation
    from atocore.engineering.imports import ImportSummary
    from atocore.engineering.query_registry import QueryDef, QueryResult
    from atocore.engineering.schemas import Entity, Relationship
    from atocore.engineering.views import EntityDetail, FlaggedEntity

ExportKind = Literal["kb-cad", "kb-fem"]


class EngineeringOperations(OperationsBase):
    # --- entities ----------------------------------------------------------------------

    @route("GET", "/entities")
    def list_entities(
        self,
        project: str | None = None,
        entity_type: str | None = None,
        status: str = "active",
        limit: Limit = 200,
    ) -> list[Entity]:
        """Entities sorted by type and name (active by default; ``status="all"`` for every one)."""
        from atocore.engineering.entities import list_entities

        return list_entities(
            self.conn,
            project,
            entity_type=entity_type,
            status=None if status == "all" else status,
            limit=limit,
        )

    @route("GET", "/entities/{ref}")
    def show_entity(self, ref: str, project: str | None = None) -> EntityDetail:
        """One entity with its relationships and the entities they link to
        (``ref``: id, prefix, or key/name with ``project``)."""
        from atocore.engineering.views import entity_detail

        return entity_detail(self.conn, ref, project)

    @route("POST", "/entities", status=201)
    def add_entity(
        self,
        entity_type: str,
        name: str,
        project: str = "",
        attributes: dict[str, Any] | None = None,
        identity_key: str | None = None,
        active: bool = False,
        source: str | None = None,
        confidence: float = 1.0,
    ) -> FlaggedEntity:
        """Add an entity, a candidate unless ``active`` (which runs conflict detection)."""
        from atocore.engineering.create import create_entity
        from atocore.engineering.views import flagged

        entity = create_entity(
            self.conn,
            project,
            entity_type,
            name,
            attributes or {},
            identity_key=identity_key,
            status="active" if active else "candidate",
            confidence=confidence,
            source_refs=[{"kind": "manual", "ref": source}] if source else None,
        )
        return flagged(self.conn, entity)

    @route("PUT", "/entities/{ref}")
    def edit_entity(
        self,
        ref: str,
        name: str | None = None,
        attributes: dict[str, Any] | None = None,
        confidence: float | None = None,
        reason: str = "",
    ) -> Entity:
        """Edit a candidate's name, fields or confidence before promoting it."""
        from atocore.engineering.entities import find_entity
        from atocore.engineering.review import edit_entity
        from atocore.errors import InvalidInput

        given = {"name": name, "attributes": attributes, "confidence": confidence}
        fields = {k: v for k, v in given.items() if v is not None}
        if not fields:
            raise InvalidInput("nothing to edit: give a name, attributes or a confidence")
        return edit_entity(self.conn, find_entity(self.conn, ref).id, reason=reason, **fields)

    @route("POST", "/entities/{ref}/promote")
    def promote_entity(self, ref: str, reason: str = "") -> FlaggedEntity:
        """candidate → active (refused while it is in an open conflict)."""
        from atocore.engineering.entities import find_entity
        from atocore.engineering.review import promote_entity
        from atocore.engineering.views import flagged

        entity = promote_entity(self.conn, find_entity(self.conn, ref).id, reason=reason)
        return flagged(self.conn, entity)

    @route("POST", "/entities/{ref}/reject")
    def reject_entity(self, ref: str, reason: str = "") -> Entity:
        """candidate → invalid."""
        from atocore.engineering.entities import find_entity
        from atocore.engineering.review import reject_entity

        return reject_entity(self.conn, find_entity(self.conn, ref).id, reason=reason)

    @route("POST", "/entities/{ref}/supersede")
    def supersede_entity(self, ref: str, by: str | None = None, reason: str = "") -> Entity:
        """active → superseded, optionally by a successor (promoted if a candidate)."""
        from atocore.engineering.entities import find_entity
        from atocore.engineering.review import supersede_entity

        entity = find_entity(self.conn, ref)
        return supersede_entity(self.conn, entity.id, by=by, reason=reason)

    @route("GET", "/entity-types")
    def entity_types(self) -> dict[str, Any]:
        """The entity types with their fields, and the relationship types."""
        from atocore.engineering.views import type_catalog

        return type_catalog()

    @route("POST", "/memory/{memory_id}/graduate", status=201)
    def graduate_memory(
        self,
        memory_id: str,
        entity_type: str | None = None,
        name: str | None = None,
        project: str | None = None,
        reason: str = "",
    ) -> Graduation:
        """A memory becomes an entity candidate (adaptation → Decision, project →
        Requirement, knowledge → Constraint); the memory is marked graduated."""
        from atocore.engineering.graduation import graduate_memory

        return graduate_memory(
            self.conn, memory_id, entity_type=entity_type, name=name, project=project, reason=reason
        )

    # --- relationships -----------------------------------------------------------------

    @route("POST", "/relationships", status=201)
    def relate(
        self, source: str, rel_type: str, target: str, project: str | None = None
    ) -> Relationship:
        """Link two entities with a typed relationship (checked against the ontology)."""
        from atocore.engineering.relationships import relate

        return relate(self.conn, source, rel_type, target, project=project)

    @route("DELETE", "/relationships/{edge_id}")
    def unrelate(self, edge_id: str) -> Relationship:
        """Retire a relationship (kept for history, no longer counted by queries)."""
        from atocore.engineering.relationships import unrelate

        return unrelate(self.conn, edge_id)

    # --- conflicts ---------------------------------------------------------------------

    @route("GET", "/conflicts")
    def list_conflicts(self, project: str | None = None, status: str = "open") -> list[Conflict]:
        """Conflicts (open ones by default; ``status="all"`` for every one)."""
        from atocore.engineering.conflicts import list_conflicts

        return list_conflicts(self.conn, project, status=None if status == "all" else status)

    @route("GET", "/conflicts/{conflict_id}")
    def show_conflict(self, conflict_id: str) -> Conflict:
        """One conflict and its members."""
        from atocore.engineering.conflicts import get_conflict

        return get_conflict(self.conn, conflict_id)

    @route("POST", "/conflicts/{conflict_id}/resolve")
    def resolve_conflict(
        self, conflict_id: str, action: str, winner: str | None = None, reason: str = ""
    ) -> Conflict:
        """Rule on a conflict: supersede_others | no_action | dismiss."""
        from atocore.engineering.conflicts import resolve_conflict

        return resolve_conflict(self.conn, conflict_id, action, winner=winner, reason=reason)

    # --- the query catalog -------------------------------------------------------------

    @route("GET", "/eng/queries")
    def query_catalog(self) -> list[QueryDef]:
        """The engineering query catalog: id, title, arguments, what it answers."""
        from atocore.engineering.queries import catalog

        return catalog()

    @route("POST", "/eng/queries/{query_id}")
    def run_query(
        self,
        query_id: str,
        project: str,
        entity: str | None = None,
        material: str | None = None,
        days: Annotated[int, Field(ge=0, le=36_500)] | None = None,
    ) -> QueryResult:
        """Run one catalog query (e.g. Q-006) against a project's active entities."""
        from atocore.engineering.queries import run_query

        return run_query(
            self.conn, query_id, project=project, entity=entity, material=material, days=days
        )

    # --- KB-CAD / KB-FEM imports -------------------------------------------------------

    @route("POST", "/import/{kind}")
    @route("POST", "/ingest/{kind}", raw=True)
    def import_export(
        self,
        kind: ExportKind,
        export: dict[str, Any],
        project: str | None = None,
        dry_run: bool = False,
        source: str = "",
    ) -> ImportSummary:
        """Import a KB-CAD or KB-FEM export: new facts become candidates, changed values
        open conflicts, nothing is promoted (``source``: provenance, e.g. the file)."""
        from atocore.engineering.imports import import_export

        return import_export(
            self.conn,
            kind,
            export,
            project=project,
            dry_run=dry_run,
            source=source or f"http:{kind}",
        )

    @route("GET", "/import/schema/{kind}")
    def import_schema(self, kind: str) -> dict[str, Any]:
        """The JSON Schema an export of ``kind`` (kb-cad, kb-fem) must satisfy."""
        from atocore.engineering.kb_schemas import json_schema

        return json_schema(kind)
