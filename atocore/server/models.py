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


class InteractionIn(Body):
    prompt: str = Field(min_length=1)
    response: str = ""
    project: str = ""
    client: str = ""
    session_id: str = ""
    context_pack: dict | list | str | None = None
    memories_used: list[str] | None = None
    chunks_used: list[str] | None = None
    response_summary: str = ""
    reinforce: bool = True


class ExtractIn(Body):
    persist: bool = False


class MemoryIn(Body):
    memory_type: str = "knowledge"
    content: str = Field(min_length=1)
    project: str = ""
    confidence: float = 1.0
    candidate: bool = False
    reason: str = ""


class MemoryEdit(Body):
    content: str | None = None
    memory_type: str | None = None
    project: str | None = None
    confidence: float | None = None
    reason: str = ""


class ReviewIn(Body):
    reason: str = ""


class SupersedeIn(Body):
    by: str | None = None
    content: str | None = None
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
