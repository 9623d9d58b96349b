"""Request bodies (pydantic). Responses reuse the services' own models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReviewIn(Body):
    reason: str = ""


class QueryIn(Body):
    query: str = Field(min_length=1)
    project: str | None = None
    top_k: int = Field(10, ge=1, le=200)
    mode: str = "hybrid"


class ContextIn(Body):
    prompt: str = Field(min_length=1)
    project: str | None = None
    budget: int = Field(3000, ge=1, le=200_000)
    mode: str = "hybrid"


class RefreshIn(Body):
    purge_deleted: bool = False


class EntityIn(Body):
    project: str = ""
    entity_type: str = Field(min_length=1)
    name: str = Field(min_length=1)
    attributes: dict = Field(default_factory=dict)
    identity_key: str | None = None
    active: bool = False
    source: str | None = None
    confidence: float = 1.0


class EntityEdit(Body):
    name: str | None = None
    attributes: dict | None = None
    confidence: float | None = None
    reason: str = ""


class EntitySupersede(Body):
    by: str | None = None
    reason: str = ""


class RelateIn(Body):
    source: str = Field(min_length=1)
    rel_type: str = Field(min_length=1)
    target: str = Field(min_length=1)
    project: str | None = None


class ConflictResolve(Body):
    action: str
    winner: str | None = None
    reason: str = ""


class EngQueryIn(Body):
    project: str = Field(min_length=1)
    entity: str | None = None
    material: str | None = None
    days: int | None = None
