"""Request bodies (pydantic). Responses reuse the services' own models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IngestRootIn(Body):
    source: str = Field(min_length=1)
    subpath: str = ""
    label: str = ""


class ProjectIn(Body):
    project_id: str = Field(min_length=1, max_length=64)
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    ingest_roots: list[IngestRootIn] = Field(default_factory=list)


class ProjectUpdate(Body):
    aliases: list[str] | None = None
    description: str | None = None
    ingest_roots: list[IngestRootIn] | None = None


class DetectIn(Body):
    text: str = ""
    cwd: str | None = None


class StateSet(Body):
    project: str = Field(min_length=1)
    category: str
    key: str = Field(min_length=1)
    value: str = Field(min_length=1)
    source: str = ""
    confidence: float = 1.0


class StateKey(Body):
    project: str = Field(min_length=1)
    category: str
    key: str = Field(min_length=1)
