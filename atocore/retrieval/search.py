"""Hybrid retrieval: FTS5 BM25 and sqlite-vec nearest neighbours, fused by RRF.

``search()`` is the one retrieval entry point (CLI ``query``, the context
builder, the server, benchmarks). Modes: ``hybrid`` (default), ``bm25``,
``vector``. Every knob lives in :class:`RetrievalParams` so benchmarks can
tune them without touching code.

The vector side never fails silently: when it cannot run (sqlite-vec not
loadable, model missing, index built with another model) the result's
``vector`` status says why, the CLI prints it loudly, and hybrid results
are explicitly marked keyword-only.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from atocore.db.connection import vec_available
from atocore.db.types import Connection
from atocore.errors import InvalidInput, OperationFailed
from atocore.projects.known import require_known_project
from atocore.retrieval.fts import search_fts
from atocore.retrieval.modes import MODES
from atocore.retrieval.notes import NoteRef, add_note_hits, attach_backlinks
from atocore.retrieval.query import query_text
from atocore.retrieval.scope import effective_project

if TYPE_CHECKING:
    from atocore.embed.types import Embedder

Scope = Literal["filter", "boost"]


@dataclass(frozen=True)
class RetrievalParams:
    """Retrieval knobs (defaults are the shipped behaviour)."""

    candidates: int = 50  # per retriever, before fusion
    # small k: the top ranks of each retriever count much more (k = 2 and neighbour
    # weights 0.3/0.15 were chosen on 3 LoCoMo dev conversations; docs/benchmarks.md)
    rrf_k: float = 2.0
    bm25_weight: float = 1.0
    vector_weight: float = 0.7
    # a chunk passes this share of its fused score to the chunks 1, 2, ... positions away
    # in the same note and section (text next to a strong hit is likely relevant too)
    neighbour_weights: tuple[float, ...] = (0.3, 0.15)
    fts_weights: tuple[float, float, float] = (1.0, 0.5, 0.5)  # text, heading, title
    scope: Scope = "filter"  # with a project: only its chunks, or boost them
    project_boost: float = 1.5  # multiplier for the project's chunks when scope="boost"
    # Vector hits farther than this cosine distance are noise, dropped: prompts unrelated
    # to the example vault ("???", "weather in Paris") sit at >= 0.78 from every chunk
    # while relevant hits sit at 0.45-0.73; LoCoMo recall at 2000 chars is unchanged down
    # to 0.65 (0.772 at 2.0 and at 0.75, 0.761 at 0.6; all-MiniLM-L6-v2 int8).
    max_distance: float = 0.75
    # note names and tags as one more retriever (see retrieval/notes.py); 0 and 0 turn
    # it off (the retriever before vault-aware retrieval)
    note_weight: float = 1.0  # RRF weight of the title/alias/tag ranking of notes
    name_weight: float = 1.0  # RRF weight of notes whose name is written out in the query
    note_fts_weights: tuple[float, float, float] = (1.0, 1.0, 0.5)  # title, aliases, tags

    def with_(self, **changes: Any) -> RetrievalParams:
        return replace(self, **changes)


class VectorSide(BaseModel):
    available: bool
    reason: str = ""
    model: str | None = None


class Hit(BaseModel):
    chunk_id: int
    document_id: int
    source: str  # path relative to its root, for display
    path: str  # absolute path of the source file
    title: str
    heading: str
    text: str
    project: str
    ordinal: int
    score: float  # fused score (higher is better)
    retrievers: list[str]  # which found it: "bm25", "vector", "note" (or "neighbour")
    bm25_rank: int | None = None
    vector_rank: int | None = None
    bm25_score: float | None = None
    vector_distance: float | None = None
    backlinks: list[NoteRef] = Field(default_factory=list)  # notes linking to this one


class SearchResult(BaseModel):
    query: str
    project: str | None
    mode: str
    top_k: int
    hits: list[Hit] = Field(default_factory=list)
    vector: VectorSide
    warnings: list[str] = Field(default_factory=list)
    duration_ms: float = 0.0


def vector_side(
    conn: Connection, embedder: Embedder | None = None, *, load: bool = True
) -> tuple[VectorSide, Any]:
    """Whether vector search can run on ``conn``; returns ``(status, embedder)``.

    With ``load`` the model is loaded now, so a broken model is reported
    here rather than in the middle of a search.
    """
    from atocore.embed import EmbeddingUnavailable, get_embedder, resolve_model, stored_model
    from atocore.embed.meta import mismatch_message
    from atocore.retrieval.vectors import table_exists

    if not vec_available(conn):
        return VectorSide(available=False, reason="sqlite-vec extension could not be loaded"), None
    model_id = embedder.model_id if embedder is not None else resolve_model().model_id
    stored, stored_dim = stored_model(conn)
    if stored is not None and stored != model_id:
        return (
            VectorSide(
                available=False,
                reason=mismatch_message(stored, stored_dim, model_id, None),
                model=model_id,
            ),
            None,
        )
    if stored is None or not table_exists(conn):
        return VectorSide(
            available=False, reason="no vectors stored yet (run `atocore ingest`)", model=model_id
        ), None
    embedder = embedder or get_embedder()
    if load:
        try:
            embedder.load(for_query=True)
        except EmbeddingUnavailable as exc:
            return VectorSide(available=False, reason=exc.message, model=model_id), None
        if stored_dim is not None and embedder.dim != stored_dim:
            return (
                VectorSide(
                    available=False,
                    reason=mismatch_message(stored, stored_dim, model_id, embedder.dim),
                    model=model_id,
                ),
                None,
            )
    return VectorSide(available=True, model=model_id), embedder


def _fetch(conn: Connection, ids: list[int]) -> dict[int, Any]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        "SELECT c.id, c.document_id, c.project, c.ordinal, c.title, c.heading_path, c.text, "
        f"d.path, d.rel_path FROM source_chunks c JOIN source_documents d ON d.id = c.document_id "
        f"WHERE c.id IN ({marks})",
        ids,
    ).fetchall()
    return {row["id"]: row for row in rows}


def _spread_to_neighbours(
    conn: Connection, fused: dict[int, dict[str, Any]], weights: tuple[float, ...]
) -> None:
    """Add ``weights[d-1] x score`` of every fused chunk to the chunks ``d`` positions
    away in the same document under the same heading (new entries are found by
    ``"neighbour"``). Scores spread from the retrievers' scores only, not chained."""
    reach = len(weights)
    marks = ",".join("?" * len(fused))
    found = conn.execute(
        f"SELECT id, document_id, ordinal, heading_path FROM source_chunks WHERE id IN ({marks})",
        list(fused),
    ).fetchall()
    spans: dict[int, tuple[int, int]] = {}
    for row in found:
        lo, hi = spans.get(row["document_id"], (row["ordinal"], row["ordinal"]))
        spans[row["document_id"]] = (min(lo, row["ordinal"]), max(hi, row["ordinal"]))
    at: dict[tuple[int, int], tuple[int, str]] = {}
    ranges = [[doc, lo - reach, hi + reach] for doc, (lo, hi) in spans.items()]
    # one query for every document's window (an index range per document), not one each
    for row in conn.execute(
        "SELECT c.document_id, c.id, c.ordinal, c.heading_path FROM json_each(?) AS r "
        "JOIN source_chunks c ON c.document_id = json_extract(r.value, '$[0]') "
        "AND c.ordinal BETWEEN json_extract(r.value, '$[1]') AND json_extract(r.value, '$[2]')",
        (json.dumps(ranges),),
    ):
        at[(row["document_id"], row["ordinal"])] = (row["id"], row["heading_path"])
    base = {row["id"]: (row, fused[row["id"]]["score"]) for row in found}
    for row, score in base.values():
        for distance, weight in enumerate(weights, start=1):
            if weight <= 0:
                continue
            for ordinal in (row["ordinal"] - distance, row["ordinal"] + distance):
                near = at.get((row["document_id"], ordinal))
                if near is None or near[1] != row["heading_path"]:
                    continue
                entry = fused.setdefault(near[0], {"score": 0.0, "retrievers": []})
                entry["score"] += weight * score
                if not entry["retrievers"]:
                    entry["retrievers"].append("neighbour")


class _Background:
    """``func(*args)`` on its own thread; :meth:`result` waits and re-raises its error.

    A plain thread (cheap to start and join, see docs/benchmarks.md) rather
    than a pool: nothing to import in a cold process, nothing kept across forks.
    """

    def __init__(self, func: Any, *args: Any) -> None:
        self._value: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, args=(func, args), name="atocore-search", daemon=True
        )
        self._thread.start()

    def _run(self, func: Any, args: tuple) -> None:
        try:
            self._value = func(*args)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller in result()
            self._error = exc

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _checked(query: str, mode: str, top_k: int) -> None:
    if mode not in MODES:
        raise InvalidInput(f"invalid retrieval mode {mode!r}; choose one of: {', '.join(MODES)}")
    if not query or not query.strip():
        raise InvalidInput("query text must be non-empty")
    if top_k < 1:
        raise InvalidInput(f"top-k must be at least 1, got {top_k}")


Ranked = list[tuple[int, float]]  # (chunk id, the retriever's score), best first


def _candidates(
    conn: Connection,
    query: str,
    result: SearchResult,
    *,
    pool: int,
    where: str | None,
    params: RetrievalParams,
    embedder: Embedder | None,
) -> tuple[Ranked, Ranked]:
    """``(bm25, vector)`` candidate lists of ``result.mode``; sets ``result.vector``
    and warns when hybrid search has to go keyword-only."""
    mode = result.mode
    status: VectorSide | None = None
    model: Any = None
    pending: _Background | None = None  # the query vector, being computed
    if mode in ("hybrid", "vector"):
        status, model = vector_side(conn, embedder)
        result.vector = status
        if status.available and mode == "hybrid":
            # The query embedding needs no connection: it runs on a worker thread while
            # the keyword query runs here (onnxruntime and SQLite both release the GIL).
            pending = _Background(model.embed_query, query)

    bm25: Ranked = []
    if mode in ("hybrid", "bm25"):
        bm25 = search_fts(conn, query, pool, project=where, weights=params.fts_weights)

    vec: Ranked = []
    if status is not None and status.available:
        from atocore.retrieval.vectors import search_vectors

        qvec = pending.result() if pending is not None else model.embed_query(query)
        vec = [
            (cid, dist)
            for cid, dist in search_vectors(conn, qvec, pool, project=where)
            if dist <= params.max_distance
        ]
    elif status is not None and mode == "vector":
        raise OperationFailed(f"vector search unavailable: {status.reason}")
    elif status is not None:
        result.warnings.append(
            f"VECTOR SEARCH UNAVAILABLE — results are keyword-only: {status.reason}"
        )
    return bm25, vec


def _fuse(bm25: Ranked, vec: Ranked, params: RetrievalParams) -> dict[int, dict[str, Any]]:
    """Weighted reciprocal-rank fusion: chunk id -> score, retrievers, ranks, raw scores."""
    fused: dict[int, dict[str, Any]] = {}
    for rank, (cid, score) in enumerate(bm25, start=1):
        entry = fused.setdefault(cid, {"score": 0.0, "retrievers": []})
        entry["score"] += params.bm25_weight / (params.rrf_k + rank)
        entry["retrievers"].append("bm25")
        entry["bm25_rank"], entry["bm25_score"] = rank, score
    for rank, (cid, dist) in enumerate(vec, start=1):
        entry = fused.setdefault(cid, {"score": 0.0, "retrievers": []})
        entry["score"] += params.vector_weight / (params.rrf_k + rank)
        entry["retrievers"].append("vector")
        entry["vector_rank"], entry["vector_distance"] = rank, dist
    return fused


def _hits(
    conn: Connection, fused: dict[int, dict[str, Any]], project: str | None, params: RetrievalParams
) -> list[Hit]:
    """The fused chunks as hits, best first (a project's own boosted with scope="boost")."""
    rows = _fetch(conn, list(fused))
    hits: list[Hit] = []
    for cid, entry in fused.items():
        row = rows.get(cid)
        if row is None:  # a stale index entry without its chunk: ignore
            continue
        score = entry["score"]
        if project and params.scope == "boost" and row["project"] == project:
            score *= params.project_boost
        hits.append(
            Hit(
                chunk_id=cid,
                document_id=row["document_id"],
                source=row["rel_path"] or row["path"],
                path=row["path"],
                title=row["title"],
                heading=row["heading_path"],
                text=row["text"],
                project=row["project"],
                ordinal=row["ordinal"],
                score=round(score, 6),
                retrievers=entry["retrievers"],
                bm25_rank=entry.get("bm25_rank"),
                vector_rank=entry.get("vector_rank"),
                bm25_score=entry.get("bm25_score"),
                vector_distance=entry.get("vector_distance"),
            )
        )
    # ties: the better of the two ranks, then the older chunk
    hits.sort(
        key=lambda h: (-h.score, min(h.bm25_rank or 10**9, h.vector_rank or 10**9), h.chunk_id)
    )
    return hits


def search(
    conn: Connection,
    query: str,
    *,
    project: str | None = None,
    top_k: int = 10,
    mode: str = "hybrid",
    params: RetrievalParams | None = None,
    embedder: Embedder | None = None,
) -> SearchResult:
    """Best chunks for ``query``, optionally scoped to (or boosting) a project.

    Steps: candidates from each retriever, reciprocal-rank fusion, score
    spread to the neighbours of each candidate, hits ranked by score.
    """
    started = time.perf_counter()
    params = params or RetrievalParams()
    _checked(query, mode, top_k)
    query = query_text(query)
    project = require_known_project(conn, project, for_write=False) or None
    result = SearchResult(
        query=query,
        project=project,
        mode=mode,
        top_k=top_k,
        vector=VectorSide(available=False, reason="not used in bm25 mode"),
    )
    # a filter that keeps every row is only per-row cost (half the exact vector scan at 100K)
    where = effective_project(conn, project if params.scope == "filter" else None)
    pool = max(params.candidates, top_k)
    bm25, vec = _candidates(
        conn,
        query,
        result,
        pool=pool,
        where=where,
        params=params,
        embedder=embedder,
    )
    fused = _fuse(bm25, vec, params)
    if mode != "vector" and (params.note_weight > 0 or params.name_weight > 0):
        add_note_hits(conn, fused, query, pool, project=where, params=params)
    if any(w > 0 for w in params.neighbour_weights) and fused:
        _spread_to_neighbours(conn, fused, params.neighbour_weights)
    result.hits = _hits(conn, fused, project, params)[:top_k]
    attach_backlinks(conn, result.hits)
    result.duration_ms = round((time.perf_counter() - started) * 1000, 2)
    return result
