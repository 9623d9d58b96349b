"""KB-CAD / KB-FEM import: validated exports become entity candidates.

A file is refused whole (nothing written) when any record is invalid; the
error names the record (its path and id) and the field. Records map to
candidates carrying the exporter, its version and the source artifact as
provenance. Nothing is promoted. An identical re-import only touches
``last_imported_at``; a changed value adds a candidate and opens a conflict
with the active entity — it never overwrites.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.engineering.conflicts import detect_for_entity
from atocore.engineering.entities import (
    entity_hash,
    insert_entity,
    row_to_entity,
)
from atocore.engineering.kb_schemas import EXPORT_MODELS, KbCadExport, KbFemExport, ParameterSpec
from atocore.engineering.relationships import add_edge
from atocore.engineering.schemas import Entity, canonical_home_for, validate_attributes
from atocore.errors import InvalidInput
from atocore.projects.known import require_known_project
from atocore.projects.registry import resolve_project_name
from atocore.timeutil import now_utc

EXTRACTOR_VERSION = "kb-import/1"


class RecordOutcome(BaseModel):
    record: str  # the export path, e.g. subsystems[0].components[1]
    key: str
    entity_type: str
    outcome: str  # created | unchanged | conflicted
    entity_id: str


class ImportSummary(BaseModel):
    kind: str
    project: str
    exporter_version: str
    exported_at: str
    source: str
    dry_run: bool
    created: int = 0
    unchanged: int = 0
    conflicted: int = 0
    failed: int = 0
    relationships_created: int = 0
    dropped: list[str] = Field(default_factory=list)
    conflicts: list[str] = Field(default_factory=list)
    records: list[RecordOutcome] = Field(default_factory=list)


@dataclass
class _Record:
    path: str
    entity_type: str
    key: str
    name: str
    attributes: dict[str, Any]
    artifact: str


@dataclass
class _Plan:
    """The records and edges an export describes, checked before anything is written."""

    records: list[_Record] = field(default_factory=list)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # src, rel, tgt, path
    seen: dict[str, str] = field(default_factory=dict)  # record id -> its path

    def add(
        self, path: str, entity_type: str, item: Any, fields: tuple[str, ...], artifact: str = ""
    ) -> None:
        """A record for an export item: its id, name, description and ``fields``."""
        attrs = {name: getattr(item, name) for name in ("description", *fields)}
        artifact = artifact or item.source_artifact
        self.record(_Record(path, entity_type, item.id, item.name, attrs, artifact))

    def record(self, record: _Record) -> None:
        if record.key in self.seen:
            raise InvalidInput(
                f"invalid export: record {record.path} (id {record.key!r}) repeats the id of "
                f"record {self.seen[record.key]}",
                details={"record": record.path, "record_id": record.key, "field": "id"},
            )
        try:
            record.attributes = validate_attributes(record.entity_type, record.attributes)
        except InvalidInput as exc:
            raise InvalidInput(
                f"invalid export: record {record.path} (id {record.key!r}): {exc.message}",
                details={"record": record.path, "record_id": record.key},
            ) from exc
        self.seen[record.key] = record.path
        self.records.append(record)

    def edge(self, source: str, rel: str, target: str, path: str) -> None:
        self.edges.append((source, rel, target, path))


class _DryRun(Exception):
    def __init__(self, summary: ImportSummary) -> None:
        self.summary = summary


# --- validation ----------------------------------------------------------------------


def _locate(data: Any, loc: tuple) -> tuple[str, str, str]:
    """(record path, record id, field) for a pydantic error location."""
    path, node, record_path, record_id = "", data, "", ""
    field_parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict):
                record_path, record_id, field_parts = path, str(node.get("id", "")), []
        else:
            path += f".{part}" if path else str(part)
            field_parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return record_path, record_id, ".".join(field_parts)


def validate_export(kind: str, data: Any) -> KbCadExport | KbFemExport:
    """Parse an export or raise ``InvalidInput`` naming the record and field."""
    model = EXPORT_MODELS.get(kind)
    if model is None:
        raise InvalidInput(f"unknown export kind {kind!r}; choose one of: kb-cad, kb-fem")
    if not isinstance(data, dict):
        raise InvalidInput(f"{kind} export must be a JSON object")
    try:
        export = model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        record_path, record_id, fld = _locate(data, tuple(err["loc"]))
        where = f"record {record_path}" if record_path else "export"
        if record_id:
            where += f" (id {record_id!r})"
        more = f" (+{exc.error_count() - 1} more errors)" if exc.error_count() > 1 else ""
        raise InvalidInput(
            f"invalid {kind} export: {where}, field {fld or '(root)'!r}: {err['msg']}{more}",
            details={"record": record_path, "record_id": record_id, "field": fld},
        ) from exc
    return export  # type: ignore[return-value]


def _plan_cad(export: KbCadExport) -> _Plan:
    plan = _Plan()
    for i, sub in enumerate(export.subsystems):
        path = f"subsystems[{i}]"
        artifact = sub.source_artifact or f"kb-cad://{export.project}/{sub.id}"
        plan.add(path, "Subsystem", sub, (), artifact)
        if sub.parent:
            plan.edge(sub.parent, "contains", sub.id, f"{path}.parent")
        for j, comp in enumerate(sub.components):
            cpath = f"{path}.components[{j}]"
            plan.add(cpath, "Component", comp, ("material", "part_number", "quantity"))
            plan.edge(sub.id, "contains", comp.id, cpath)
            for pname, raw in sorted(comp.parameters.items()):
                spec = raw if isinstance(raw, ParameterSpec) else ParameterSpec(value=raw)
                ppath, pkey = f"{cpath}.parameters.{pname}", f"{comp.id}.{pname}"
                attrs = {"value": spec.value, "unit": spec.unit, "tolerance": spec.tolerance}
                artifact = f"{comp.source_artifact}#{pname}"
                plan.record(
                    _Record(ppath, "Parameter", pkey, f"{comp.name} {pname}", attrs, artifact)
                )
                plan.edge(comp.id, "contains", pkey, ppath)
            for req in comp.satisfies:
                plan.edge(comp.id, "satisfies", req, f"{cpath}.satisfies")
    for i, mat in enumerate(export.materials):
        plan.add(f"materials[{i}]", "Material", mat, ("grade", "properties"))
    for i, itf in enumerate(export.interfaces):
        path = f"interfaces[{i}]"
        plan.add(path, "Interface", itf, ("kind",))
        for end in itf.between:
            plan.edge(end, "interfaces_with", itf.id, f"{path}.between")
    return plan


def _plan_fem(export: KbFemExport) -> _Plan:
    plan = _Plan()
    for i, claim in enumerate(export.validation_claims):
        path = f"validation_claims[{i}]"
        plan.add(path, "ValidationClaim", claim, ("statement", "criterion"))
        if claim.supports_requirement:
            plan.edge(
                claim.id, "supports", claim.supports_requirement, f"{path}.supports_requirement"
            )
    for i, model in enumerate(export.analysis_models):
        path = f"analysis_models[{i}]"
        plan.add(path, "AnalysisModel", model, ("method", "solver", "model_version"))
        for target in ([model.subsystem] if model.subsystem else []) + model.components:
            plan.edge(model.id, "analyzes", target, f"{path}.analyzes")
        for j, res in enumerate(model.results):
            rpath = f"{path}.results[{j}]"
            plan.add(rpath, "Result", res, ("metric", "value", "unit"))
            plan.edge(model.id, "produces", res.id, rpath)
            if res.supports_validation_claim:
                claim_path = f"{rpath}.supports_validation_claim"
                plan.edge(res.id, "supports", res.supports_validation_claim, claim_path)
    return plan


# --- import ----------------------------------------------------------------------------


def _lookup(conn: Connection, project: str, key: str) -> Entity | None:
    """A live entity already in the project with identity ``key`` (active first)."""
    row = conn.execute(
        "SELECT * FROM entities WHERE project = ? AND identity_key = ? "
        "AND status IN ('active', 'candidate') "
        "ORDER BY status = 'active' DESC, created_at DESC, id LIMIT 1",
        (project, key),
    ).fetchone()
    return row_to_entity(row) if row else None


def import_export(
    conn: Connection,
    kind: str,
    data: Any,
    *,
    project: str | None = None,
    dry_run: bool = False,
    source: str = "",
) -> ImportSummary:
    """Validate and import one export (already parsed JSON). See the module docstring."""
    export = validate_export(kind, data)
    export_project = require_known_project(conn, export.project, for_write=True)
    if project:
        wanted = resolve_project_name(project)
        if wanted != export_project:
            raise InvalidInput(
                f"export is for project {export.project!r} ({export_project}), "
                f"not {project!r} ({wanted})"
            )
    plan = _plan_cad(export) if kind == "kb-cad" else _plan_fem(export)  # type: ignore[arg-type]
    summary = ImportSummary(
        kind=kind,
        project=export_project,
        exporter_version=export.exporter_version,
        exported_at=export.exported_at,
        source=source,
        dry_run=dry_run,
    )
    try:
        with transaction(conn):
            _apply(conn, export, export_project, plan, summary)
            if dry_run:
                raise _DryRun(summary)
    except _DryRun as done:
        return done.summary
    return summary


def _apply(
    conn: Connection, export: Any, project: str, plan: _Plan, summary: ImportSummary
) -> None:
    stamp = now_utc()
    resolved: dict[str, Entity] = {}
    conflicts: set[str] = set()
    for rec in plan.records:
        entity, outcome, found = _apply_record(conn, export, project, rec, stamp)
        resolved[rec.key] = entity
        conflicts.update(found)
        setattr(summary, outcome, getattr(summary, outcome) + 1)  # each outcome is a counter
        summary.records.append(
            RecordOutcome(
                record=rec.path,
                key=rec.key,
                entity_type=rec.entity_type,
                outcome=outcome,
                entity_id=entity.id,
            )
        )
    for src_key, rel, tgt_key, path in plan.edges:
        src = resolved.get(src_key) or _lookup(conn, project, src_key)
        tgt = resolved.get(tgt_key) or _lookup(conn, project, tgt_key)
        if src is None or tgt is None:
            missing = src_key if src is None else tgt_key
            summary.dropped.append(f"{path}: {rel} → unknown id {missing!r} in {project}")
            continue
        summary.relationships_created += int(_apply_edge(conn, export, src, rel, tgt, path))
    summary.conflicts = sorted(conflicts)


def _apply_record(
    conn: Connection, export: Any, project: str, rec: _Record, stamp: str
) -> tuple[Entity, str, list[str]]:
    """(entity, outcome, conflict ids): an identical live entity is only touched; anything
    else becomes a new candidate, checked for conflicts."""
    digest = entity_hash(rec.name, rec.attributes)
    live = [
        row_to_entity(r)
        for r in conn.execute(
            "SELECT * FROM entities WHERE project = ? AND entity_type = ? AND identity_key = ? "
            "AND status IN ('active', 'candidate') "
            "ORDER BY status = 'active' DESC, created_at, id",
            (project, rec.entity_type, rec.key),
        )
    ]
    same = next((e for e in live if entity_hash(e.name, e.attributes) == digest), None)
    if same is not None:
        conn.execute("UPDATE entities SET last_imported_at = ? WHERE id = ?", (stamp, same.id))
        return same, "unchanged", []
    ref = {
        "kind": "artifact",
        "ref": rec.artifact,
        "exporter": export.exporter,
        "exporter_version": export.exporter_version,
        "exported_at": export.exported_at,
        "record_id": rec.key,
    }
    entity = insert_entity(
        conn,
        project=project,
        entity_type=rec.entity_type,
        name=rec.name,
        identity_key=rec.key,
        attributes=rec.attributes,
        status="candidate",
        confidence=1.0,
        source_refs=[ref],
        extractor_version=EXTRACTOR_VERSION,
        canonical_home=canonical_home_for(rec.entity_type),
        imported=True,
    )
    found = detect_for_entity(conn, entity, detected_by=f"import:{export.exporter}")
    return entity, ("conflicted" if found else "created"), found


def _apply_edge(
    conn: Connection, export: Any, src: Entity, rel: str, tgt: Entity, path: str
) -> bool:
    """Add one edge of the export; True when it is new. A refused edge refuses the file."""
    try:
        _, created = add_edge(
            conn, src, rel, tgt, [{"kind": "artifact", "ref": path, "exporter": export.exporter}]
        )
    except InvalidInput as exc:
        raise InvalidInput(
            f"invalid {export.exporter} export: record {path.rsplit('.', 1)[0]} "
            f"(id {src.identity_key!r}): {exc.message}",
            details={"record": path, "record_id": src.identity_key},
        ) from exc
    return created


def read_export(path: Path | str) -> Any:
    """The parsed JSON of an export file (the CLI reads it; the import takes the payload)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InvalidInput(f"export file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read export file {path}: {exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    except RecursionError as exc:  # the decoder recurses per nesting level
        raise InvalidInput(f"{path} is not valid JSON: nested too deeply") from exc


def import_file(
    conn: Connection,
    kind: str,
    path: Path | str,
    *,
    project: str | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Read a JSON export file and import it (see :func:`import_export`)."""
    data = read_export(path)
    return import_export(conn, kind, data, project=project, dry_run=dry_run, source=str(path))
