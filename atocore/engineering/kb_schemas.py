"""The KB-CAD and KB-FEM export shapes AtoCore accepts (one-way mirror, V1).

Unknown keys are refused so a misspelt field fails loudly; tool-specific
data an exporter wants to ship anyway goes under a record's ``extra``
object, which is accepted and dropped at the import boundary.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Scalar = float | int | str | bool


def _record_id() -> Any:
    return Field(min_length=1, max_length=200, pattern=r"^[^\s]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ParameterSpec(_Strict):
    value: Scalar
    unit: str = ""
    tolerance: Scalar | None = None


class CadComponent(_Strict):
    id: str = _record_id()
    name: str = Field(min_length=1)
    description: str = ""
    material: str = ""
    part_number: str = ""
    quantity: int | None = Field(default=None, ge=0)
    parameters: dict[str, Scalar | ParameterSpec] = Field(default_factory=dict)
    satisfies: list[str] = Field(
        default_factory=list, description="ids of Requirements this component meets"
    )
    source_artifact: str = Field(min_length=1)
    extra: dict[str, Any] = Field(default_factory=dict)


class CadSubsystem(_Strict):
    id: str = _record_id()
    name: str = Field(min_length=1)
    description: str = ""
    parent: str | None = Field(default=None, description="id of the containing subsystem")
    components: list[CadComponent] = Field(default_factory=list)
    source_artifact: str = ""
    extra: dict[str, Any] = Field(default_factory=dict)


class CadMaterial(_Strict):
    id: str = _record_id()
    name: str = Field(min_length=1)
    description: str = ""
    grade: str = ""
    properties: dict[str, Scalar] = Field(default_factory=dict)
    source_artifact: str = Field(min_length=1)
    extra: dict[str, Any] = Field(default_factory=dict)


class CadInterface(_Strict):
    id: str = _record_id()
    name: str = Field(min_length=1)
    description: str = ""
    kind: Literal["mechanical", "thermal", "optical", "electrical", "data", "fluid", "other"] = (
        "mechanical"
    )
    between: list[str] = Field(
        min_length=2, max_length=2, description="two subsystem/component ids"
    )
    source_artifact: str = Field(min_length=1)
    extra: dict[str, Any] = Field(default_factory=dict)


class _Export(_Strict):
    """The envelope every export shares: who wrote it, when, for which project."""

    exporter: str
    exporter_version: str = Field(min_length=1)
    exported_at: str = Field(min_length=1)
    project: str = Field(min_length=1)


class KbCadExport(_Export):
    """A full KB-CAD export for one project."""

    exporter: Literal["kb-cad"]
    subsystems: list[CadSubsystem] = Field(default_factory=list)
    materials: list[CadMaterial] = Field(default_factory=list)
    interfaces: list[CadInterface] = Field(default_factory=list)


class FemResult(_Strict):
    id: str = _record_id()
    name: str = Field(min_length=1)
    description: str = ""
    metric: str = ""
    value: Scalar | None = None
    unit: str = ""
    supports_validation_claim: str | None = Field(
        default=None, description="id of the ValidationClaim this result is evidence for"
    )
    source_artifact: str = Field(min_length=1)
    extra: dict[str, Any] = Field(default_factory=dict)


class FemAnalysisModel(_Strict):
    id: str = _record_id()
    name: str = Field(min_length=1)
    description: str = ""
    method: str = ""
    solver: str = ""
    model_version: str = ""
    subsystem: str | None = Field(default=None, description="id of the analysed subsystem")
    components: list[str] = Field(default_factory=list, description="ids of analysed components")
    results: list[FemResult] = Field(default_factory=list)
    source_artifact: str = Field(min_length=1)
    extra: dict[str, Any] = Field(default_factory=dict)


class FemValidationClaim(_Strict):
    id: str = _record_id()
    name: str = Field(min_length=1)
    statement: str = Field(min_length=1)
    criterion: str = ""
    description: str = ""
    supports_requirement: str | None = Field(
        default=None, description="id of the Requirement this claim argues is met"
    )
    source_artifact: str = Field(min_length=1)
    extra: dict[str, Any] = Field(default_factory=dict)


class KbFemExport(_Export):
    """A full KB-FEM export for one project."""

    exporter: Literal["kb-fem"]
    analysis_models: list[FemAnalysisModel] = Field(default_factory=list)
    validation_claims: list[FemValidationClaim] = Field(default_factory=list)


EXPORT_MODELS: dict[str, type[BaseModel]] = {"kb-cad": KbCadExport, "kb-fem": KbFemExport}


def json_schema(kind: str) -> dict[str, Any]:
    """The published JSON Schema of an export kind."""
    from atocore.errors import InvalidInput

    if kind not in EXPORT_MODELS:
        raise InvalidInput(f"unknown export kind {kind!r}; choose one of: kb-cad, kb-fem")
    schema = EXPORT_MODELS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://atocore.local/schemas/{kind}-export.json"
    return schema
