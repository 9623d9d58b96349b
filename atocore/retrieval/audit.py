"""Retrieval-quality audit: what does a query pull in, and from where?

The audit runs the query across the whole corpus (no project filter) so it
can show cross-project competition, then labels each hit relative to the
project hint:

* ``on-project`` — the hit belongs to the hinted project;
* ``off-project`` — it belongs to another project (competition);
* ``unassigned`` — it belongs to no project;
* ``unscoped`` — no project hint was given;

plus flags: ``both`` / ``bm25-only`` / ``vector-only`` (which retrievers
agreed), ``duplicate`` (same text as a better hit), ``short`` (little
substance). A verdict sums it up.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from atocore.db.types import Connection
from atocore.projects.known import require_known_project
from atocore.retrieval.search import RetrievalParams, VectorSide, search

if TYPE_CHECKING:
    from atocore.embed.types import Embedder

SHORT_CHARS = 80


class AuditedHit(BaseModel):
    rank: int
    chunk_id: int
    source: str
    heading: str
    project: str
    score: float
    label: str  # on-project | off-project | unassigned | unscoped
    flags: list[str]
    preview: str


class AuditReport(BaseModel):
    query: str
    project: str | None
    top_k: int
    verdict: str  # good | mixed | off-target | empty | unscoped
    on_project_share: float | None
    counts: dict[str, int]
    competing_projects: dict[str, int]  # other projects' hits (with a project hint)
    projects: dict[str, int]  # hits per project
    hits: list[AuditedHit] = Field(default_factory=list)
    vector: VectorSide
    warnings: list[str] = Field(default_factory=list)


def _verdict(project: str | None, hits: list[AuditedHit]) -> tuple[str, float | None]:
    if not hits:
        return "empty", None
    if not project:
        return "unscoped", None
    share = sum(h.label == "on-project" for h in hits) / len(hits)
    if hits[0].label == "on-project" and share >= 0.6:
        return "good", share
    if share == 0 or hits[0].label != "on-project" and share < 0.3:
        return "off-target", share
    return "mixed", share


def audit_query(
    conn: Connection,
    query: str,
    *,
    project: str | None = None,
    top_k: int = 10,
    mode: str = "hybrid",
    params: RetrievalParams | None = None,
    embedder: Embedder | None = None,
) -> AuditReport:
    """Classify the corpus-wide results of ``query`` against ``project``."""
    project = require_known_project(conn, project, for_write=False) or None
    params = (params or RetrievalParams()).with_(scope="boost", project_boost=1.0)
    result = search(
        conn, query, project=None, top_k=top_k, mode=mode, params=params, embedder=embedder
    )
    seen: set[str] = set()
    audited: list[AuditedHit] = []
    counts: dict[str, int] = {}
    competing: dict[str, int] = {}
    by_project: dict[str, int] = {}
    for rank, hit in enumerate(result.hits, start=1):
        if not hit.project:
            label = "unassigned"
        elif project and hit.project == project:
            label = "on-project"
        elif project:
            label = "off-project"
            competing[hit.project] = competing.get(hit.project, 0) + 1
        else:
            label = "unscoped"
        if hit.project:
            by_project[hit.project] = by_project.get(hit.project, 0) + 1
        flags = []
        if len(hit.retrievers) == 2:
            flags.append("both")
        else:
            flags.append(f"{hit.retrievers[0]}-only")
        norm = " ".join(re.findall(r"\w+", hit.text.lower()))
        if norm in seen:
            flags.append("duplicate")
        seen.add(norm)
        if len(hit.text) < SHORT_CHARS:
            flags.append("short")
        for key in (label, *flags):
            counts[key] = counts.get(key, 0) + 1
        audited.append(
            AuditedHit(
                rank=rank,
                chunk_id=hit.chunk_id,
                source=hit.source,
                heading=hit.heading,
                project=hit.project,
                score=hit.score,
                label=label,
                flags=flags,
                preview=" ".join(hit.text.split())[:120],
            )
        )
    verdict, share = _verdict(project, audited)
    return AuditReport(
        query=query,
        project=project,
        top_k=top_k,
        verdict=verdict,
        on_project_share=round(share, 3) if share is not None else None,
        counts=counts,
        competing_projects=competing,
        projects=by_project,
        hits=audited,
        vector=result.vector,
        warnings=result.warnings,
    )
