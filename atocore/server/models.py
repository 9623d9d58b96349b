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
