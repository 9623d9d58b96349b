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
from atocore.engineering.conflicts import detect_for_entity
from atocore.engineering.entities import (
    content_hash,
    insert_entity,
    now,
    row_to_entity,
)
from atocore.engineering.kb_schemas import EXPORT_MODELS, KbCadExport, KbFemExport, ParameterSpec
from atocore.engineering.relationships import add_edge
from atocore.engineering.schemas import Entity, canonical_home_for, validate_attributes
from atocore.errors import InvalidInput
from atocore.projects.registry import resolve_project_name

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
    records: list[_Record] = field(default_factory=list)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # src, rel, tgt, path


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


def _add(plan: _Plan, record: _Record, seen: dict[str, str]) -> None:
    if record.key in seen:
        raise InvalidInput(
            f"invalid export: record {record.path} (id {record.key!r}) repeats the id of "
            f"record {seen[record.key]}",
            details={"record": record.path, "record_id": record.key, "field": "id"},
        )
    try:
        record.attributes = validate_attributes(record.entity_type, record.attributes)
    except InvalidInput as exc:
        raise InvalidInput(
            f"invalid export: record {record.path} (id {record.key!r}): {exc.message}",
            details={"record": record.path, "record_id": record.key},
        ) from exc
    seen[record.key] = record.path
    plan.records.append(record)


def _plan_cad(export: KbCadExport) -> _Plan:
    plan, seen = _Plan(), {}
    for i, sub in enumerate(export.subsystems):
        path = f"subsystems[{i}]"
        artifact = sub.source_artifact or f"kb-cad://{export.project}/{sub.id}"
        _add(
            plan,
            _Record(
                path, "Subsystem", sub.id, sub.name, {"description": sub.description}, artifact
            ),
            seen,
        )
        if sub.parent:
            plan.edges.append((sub.parent, "contains", sub.id, f"{path}.parent"))
        for j, comp in enumerate(sub.components):
            cpath = f"{path}.components[{j}]"
            attrs = {
                "description": comp.description,
                "material": comp.material,
                "part_number": comp.part_number,
                "quantity": comp.quantity,
            }
            _add(
                plan,
                _Record(cpath, "Component", comp.id, comp.name, attrs, comp.source_artifact),
                seen,
            )
            plan.edges.append((sub.id, "contains", comp.id, cpath))
            for pname, raw in sorted(comp.parameters.items()):
                spec = raw if isinstance(raw, ParameterSpec) else ParameterSpec(value=raw)
                pkey = f"{comp.id}.{pname}"
                _add(
                    plan,
                    _Record(
                        f"{cpath}.parameters.{pname}",
                        "Parameter",
                        pkey,
                        f"{comp.name} {pname}",
                        {"value": spec.value, "unit": spec.unit, "tolerance": spec.tolerance},
                        f"{comp.source_artifact}#{pname}",
                    ),
                    seen,
                )
                plan.edges.append((comp.id, "contains", pkey, f"{cpath}.parameters.{pname}"))
            for req in comp.satisfies:
                plan.edges.append((comp.id, "satisfies", req, f"{cpath}.satisfies"))
    for i, mat in enumerate(export.materials):
        _add(
            plan,
            _Record(
                f"materials[{i}]",
                "Material",
                mat.id,
                mat.name,
                {"description": mat.description, "grade": mat.grade, "properties": mat.properties},
                mat.source_artifact,
            ),
            seen,
        )
    for i, itf in enumerate(export.interfaces):
        path = f"interfaces[{i}]"
        _add(
            plan,
            _Record(
                path,
                "Interface",
                itf.id,
                itf.name,
                {"description": itf.description, "kind": itf.kind},
                itf.source_artifact,
            ),
            seen,
        )
        for end in itf.between:
            plan.edges.append((end, "interfaces_with", itf.id, f"{path}.between"))
    return plan


def _plan_fem(export: KbFemExport) -> _Plan:
    plan, seen = _Plan(), {}
    for i, claim in enumerate(export.validation_claims):
        path = f"validation_claims[{i}]"
        _add(
            plan,
            _Record(
                path,
                "ValidationClaim",
                claim.id,
                claim.name,
                {
                    "description": claim.description,
                    "statement": claim.statement,
                    "criterion": claim.criterion,
                },
                claim.source_artifact,
            ),
            seen,
        )
        if claim.supports_requirement:
            plan.edges.append(
                (claim.id, "supports", claim.supports_requirement, f"{path}.supports_requirement")
            )
    for i, model in enumerate(export.analysis_models):
        path = f"analysis_models[{i}]"
        _add(
            plan,
            _Record(
                path,
                "AnalysisModel",
                model.id,
                model.name,
                {
                    "description": model.description,
                    "method": model.method,
                    "solver": model.solver,
                    "model_version": model.model_version,
                },
                model.source_artifact,
            ),
            seen,
        )
        for target in ([model.subsystem] if model.subsystem else []) + model.components:
            plan.edges.append((model.id, "analyzes", target, f"{path}.analyzes"))
        for j, res in enumerate(model.results):
            rpath = f"{path}.results[{j}]"
            _add(
                plan,
                _Record(
                    rpath,
                    "Result",
                    res.id,
                    res.name,
                    {
                        "description": res.description,
                        "metric": res.metric,
                        "value": res.value,
                        "unit": res.unit,
                    },
                    res.source_artifact,
                ),
                seen,
            )
            plan.edges.append((model.id, "produces", res.id, rpath))
            if res.supports_validation_claim:
                plan.edges.append(
                    (
                        res.id,
                        "supports",
                        res.supports_validation_claim,
                        f"{rpath}.supports_validation_claim",
                    )
                )
    return plan


# --- import ----------------------------------------------------------------------------


def _lookup(conn: Any, project: str, key: str, entity_type: str | None = None) -> Entity | None:
    sql = (
        "SELECT * FROM entities WHERE project = ? AND identity_key = ? "
        "AND status IN ('active', 'candidate')"
    )
    params: list[Any] = [project, key]
    if entity_type:
        sql += " AND entity_type = ?"
        params.append(entity_type)
    sql += " ORDER BY status = 'active' DESC, created_at DESC, id LIMIT 1"
    row = conn.execute(sql, params).fetchone()
    return row_to_entity(row) if row else None


def import_export(
    conn: Any,
    kind: str,
    data: Any,
    *,
    project: str | None = None,
    dry_run: bool = False,
    source: str = "",
) -> ImportSummary:
    """Validate and import one export (already parsed JSON). See the module docstring."""
    export = validate_export(kind, data)
    export_project = resolve_project_name(export.project)
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


def _apply(conn: Any, export: Any, project: str, plan: _Plan, summary: ImportSummary) -> None:
    stamp = now()
    resolved: dict[str, Entity] = {}
    conflicts: set[str] = set()
    for rec in plan.records:
        ref = {
            "kind": "artifact",
            "ref": rec.artifact,
            "exporter": export.exporter,
            "exporter_version": export.exporter_version,
            "exported_at": export.exported_at,
            "record_id": rec.key,
        }
        digest = content_hash(rec.name, rec.attributes)
        live = [
            row_to_entity(r)
            for r in conn.execute(
                "SELECT * FROM entities WHERE project = ? AND entity_type = ? AND identity_key = ? "
                "AND status IN ('active', 'candidate') "
                "ORDER BY status = 'active' DESC, created_at, id",
                (project, rec.entity_type, rec.key),
            )
        ]
        same = next((e for e in live if content_hash(e.name, e.attributes) == digest), None)
        if same is not None:
            conn.execute("UPDATE entities SET last_imported_at = ? WHERE id = ?", (stamp, same.id))
            resolved[rec.key] = same
            outcome = "unchanged"
            summary.unchanged += 1
        else:
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
            resolved[rec.key] = entity
            found = detect_for_entity(conn, entity, detected_by=f"import:{export.exporter}")
            if found:
                conflicts.update(found)
                outcome = "conflicted"
                summary.conflicted += 1
            else:
                outcome = "created"
                summary.created += 1
        summary.records.append(
            RecordOutcome(
                record=rec.path,
                key=rec.key,
                entity_type=rec.entity_type,
                outcome=outcome,
                entity_id=resolved[rec.key].id,
            )
        )
    for src_key, rel, tgt_key, path in plan.edges:
        src = resolved.get(src_key) or _lookup(conn, project, src_key)
        tgt = resolved.get(tgt_key) or _lookup(conn, project, tgt_key)
        if src is None or tgt is None:
            missing = src_key if src is None else tgt_key
            summary.dropped.append(f"{path}: {rel} → unknown id {missing!r} in {project}")
            continue
        try:
            _, created = add_edge(
                conn,
                src,
                rel,
                tgt,
                [{"kind": "artifact", "ref": path, "exporter": export.exporter}],
            )
        except InvalidInput as exc:
            raise InvalidInput(
                f"invalid {export.exporter} export: record {path.rsplit('.', 1)[0]} "
                f"(id {src_key!r}): {exc.message}",
                details={"record": path, "record_id": src_key},
            ) from exc
        summary.relationships_created += int(created)
    summary.conflicts = sorted(conflicts)


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


def import_file(
    conn: Any,
    kind: str,
    path: Path | str,
    *,
    project: str | None = None,
    dry_run: bool = False,
) -> ImportSummary:
    """Read a JSON export file and import it (see :func:`import_export`)."""
    data = read_export(path)
    return import_export(conn, kind, data, project=project, dry_run=dry_run, source=str(path))
