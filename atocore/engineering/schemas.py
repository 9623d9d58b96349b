"""The V1 ontology: 12 entity types, their typed fields, and 4 relationship families.

Every entity shares a header (id, type, name, project, status, confidence,
source_refs, timestamps, extractor_version, canonical_home); the
type-specific fields live in ``attributes`` and are validated here with one
pydantic model per type (unknown fields are refused). Relationship types
name the entity types allowed at each end, so ``satisfies`` can only go
from something that can satisfy (a Component, Subsystem or Interface) to a
Requirement.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from atocore.errors import InvalidInput

STATUSES = ("candidate", "active", "superseded", "invalid")
LIVE_STATUSES = ("candidate", "active")

Scalar = float | int | str | bool


class _Fields(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    description: str = ""


class SubsystemFields(_Fields):
    pass


class ComponentFields(_Fields):
    material: str = ""
    part_number: str = ""
    quantity: int | None = Field(default=None, ge=0)


class InterfaceFields(_Fields):
    kind: Literal["mechanical", "thermal", "optical", "electrical", "data", "fluid", "other"] = (
        "mechanical"
    )


class RequirementFields(_Fields):
    statement: str = Field(min_length=1)
    priority: Literal["must", "should", "could"] = "must"
    verification: Literal["test", "analysis", "inspection", "demonstration", ""] = ""
    metric: str = ""
    target: Scalar | None = None
    unit: str = ""


class ConstraintFields(_Fields):
    statement: str = Field(min_length=1)
    limit: Scalar | None = None
    unit: str = ""


class DecisionFields(_Fields):
    statement: str = Field(min_length=1)
    rationale: str = ""
    decided_on: str = ""
    alternatives: list[str] = Field(default_factory=list)


class AssumptionFields(_Fields):
    statement: str = Field(min_length=1)
    needs_review: bool = False
    basis: str = ""


class MaterialFields(_Fields):
    grade: str = ""
    properties: dict[str, Scalar] = Field(default_factory=dict)


class ParameterFields(_Fields):
    value: Scalar
    unit: str = ""
    tolerance: Scalar | None = None


class AnalysisModelFields(_Fields):
    method: str = ""  # modal, static, thermal, ...
    solver: str = ""
    model_version: str = ""


class ResultFields(_Fields):
    value: Scalar | None = None
    unit: str = ""
    metric: str = ""


class ValidationClaimFields(_Fields):
    statement: str = Field(min_length=1)
    criterion: str = ""


ENTITY_FIELDS: dict[str, type[_Fields]] = {
    "Subsystem": SubsystemFields,
    "Component": ComponentFields,
    "Interface": InterfaceFields,
    "Requirement": RequirementFields,
    "Constraint": ConstraintFields,
    "Decision": DecisionFields,
    "Assumption": AssumptionFields,
    "Material": MaterialFields,
    "Parameter": ParameterFields,
    "AnalysisModel": AnalysisModelFields,
    "Result": ResultFields,
    "ValidationClaim": ValidationClaimFields,
}
ENTITY_TYPES = tuple(ENTITY_FIELDS)

# Where the authoritative copy of each type lives (representation authority).
DEFAULT_CANONICAL_HOME = {
    "Subsystem": "kb-cad",
    "Component": "kb-cad",
    "Interface": "kb-cad",
    "Material": "kb-cad",
    "Parameter": "kb-cad",
    "AnalysisModel": "kb-fem",
    "Result": "kb-fem",
}


def canonical_home_for(entity_type: str) -> str:
    return DEFAULT_CANONICAL_HOME.get(entity_type, "atocore")


def normalize_type(entity_type: str) -> str:
    """Accept any casing (``component``, ``analysis_model``) and return the type name."""
    wanted = entity_type.replace("_", "").replace("-", "").strip().lower()
    for name in ENTITY_TYPES:
        if name.lower() == wanted:
            return name
    raise InvalidInput(
        f"unknown entity type {entity_type!r}; choose one of: {', '.join(ENTITY_TYPES)}"
    )


def validate_attributes(entity_type: str, attributes: dict[str, Any]) -> dict[str, Any]:
    """Type-checked attributes (defaults filled) or ``InvalidInput`` naming the field."""
    model = ENTITY_FIELDS[entity_type]
    try:
        return model.model_validate(attributes).model_dump()
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "attributes"
        raise InvalidInput(f"{entity_type} field {field!r}: {err['msg']}") from exc


def field_names(entity_type: str) -> list[str]:
    return list(ENTITY_FIELDS[entity_type].model_fields)


# --- relationships ------------------------------------------------------------------


class RelType(BaseModel):
    name: str
    family: Literal["structural", "intent", "validation", "provenance"]
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    description: str


_ANY = ENTITY_TYPES
_STRUCT = ("Subsystem", "Component", "Interface", "Parameter", "Material")
_DESIGN = ("Subsystem", "Component", "Interface", "Material", "Parameter")

REL_TYPES: dict[str, RelType] = {
    r.name: r
    for r in [
        RelType(
            name="contains",
            family="structural",
            sources=("Subsystem", "Component"),
            targets=("Subsystem", "Component", "Interface", "Parameter"),
            description="a subsystem or assembly contains a part",
        ),
        RelType(
            name="part_of",
            family="structural",
            sources=_STRUCT,
            targets=("Subsystem", "Component"),
            description="inverse of contains",
        ),
        RelType(
            name="interfaces_with",
            family="structural",
            sources=("Subsystem", "Component", "Interface"),
            targets=("Subsystem", "Component", "Interface"),
            description="two parts share an interface",
        ),
        RelType(
            name="satisfies",
            family="intent",
            sources=("Subsystem", "Component", "Interface"),
            targets=("Requirement",),
            description="a design element meets a requirement",
        ),
        RelType(
            name="constrains",
            family="intent",
            sources=("Constraint", "Requirement", "Decision"),
            targets=_DESIGN + ("AnalysisModel",),
            description="a constraint limits a design element",
        ),
        RelType(
            name="affects",
            family="intent",
            sources=("Decision",),
            targets=_DESIGN + ("Requirement", "Constraint", "AnalysisModel"),
            description="a decision changes a design element",
        ),
        RelType(
            name="based_on_assumption",
            family="intent",
            sources=("Decision", "Requirement", "Constraint", "AnalysisModel"),
            targets=("Assumption",),
            description="reasoning that rests on an assumption",
        ),
        RelType(
            name="supersedes",
            family="intent",
            sources=_ANY,
            targets=_ANY,
            description="a newer entity replaces an older one of the same type",
        ),
        RelType(
            name="analyzes",
            family="validation",
            sources=("AnalysisModel",),
            targets=("Subsystem", "Component", "Interface"),
            description="an analysis model represents a design element",
        ),
        RelType(
            name="produces",
            family="validation",
            sources=("AnalysisModel",),
            targets=("Result",),
            description="an analysis model produced a result",
        ),
        RelType(
            name="supports",
            family="validation",
            sources=("Result", "ValidationClaim"),
            targets=("ValidationClaim", "Requirement", "Decision"),
            description="evidence for a claim (or a claim for a requirement)",
        ),
        RelType(
            name="derived_from",
            family="provenance",
            sources=_ANY,
            targets=_ANY,
            description="an entity was derived from another entity",
        ),
        RelType(
            name="sourced_from",
            family="provenance",
            sources=_ANY,
            targets=_ANY,
            description="an entity was taken from another entity's source",
        ),
    ]
}
REL_FAMILIES = ("structural", "intent", "validation", "provenance")


def check_relationship(rel_type: str, source_type: str, target_type: str) -> RelType:
    """The relationship type, or ``InvalidInput`` saying which end is wrong."""
    rel = REL_TYPES.get(rel_type)
    if rel is None:
        raise InvalidInput(
            f"unknown relationship {rel_type!r}; choose one of: {', '.join(REL_TYPES)}"
        )
    if source_type not in rel.sources:
        raise InvalidInput(
            f"{rel_type} cannot start at a {source_type} (allowed: {', '.join(rel.sources)})"
        )
    if target_type not in rel.targets:
        raise InvalidInput(
            f"{rel_type} cannot end at a {target_type} (allowed: {', '.join(rel.targets)})"
        )
    if rel_type == "supersedes" and source_type != target_type:
        raise InvalidInput("supersedes must link two entities of the same type")
    return rel


# --- the stored shapes ------------------------------------------------------------------


class SourceRef(BaseModel):
    """One pointer to evidence: an external artifact, a chunk, an interaction, a memory."""

    model_config = ConfigDict(extra="allow")

    kind: Literal["artifact", "chunk", "interaction", "memory", "manual", "entity"]
    ref: str
    exporter: str = ""
    exporter_version: str = ""
    exported_at: str = ""


class Entity(BaseModel):
    id: str
    entity_type: str
    name: str
    project: str
    identity_key: str
    status: str
    confidence: float
    attributes: dict[str, Any]
    source_refs: list[dict[str, Any]]
    extractor_version: str
    canonical_home: str
    superseded_by: str | None = None
    last_imported_at: str | None = None
    created_at: str
    updated_at: str


class Relationship(BaseModel):
    id: str
    project: str
    rel_type: str
    family: str
    source_id: str
    target_id: str
    status: str
    created_at: str
