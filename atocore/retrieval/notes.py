"""Vault-aware retrieval: note names and tags as a retriever, links and backlinks.

Chunk text alone misses what a vault says about a note as a whole: its
title, its ``aliases`` and its tags. ``add_note_hits`` ranks notes by those
fields (``notes_fts``, BM25) and, above all, by a name of the note written
out in the query ("drive motor" for a note aliased ``drive motor``), and
fuses that ranking into the chunk ranking like one more retriever: a note
passes its share to its best chunk already found, else to its first chunk.

``note_links`` answers "what does this note link to, and what links to
it"; ``attach_backlinks`` puts the latter on search hits.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from atocore.db.types import Connection
from atocore.errors import InvalidInput, NotFound
from atocore.retrieval.fts import match_expression
from atocore.retrieval.names import name_key, words

MAX_NAME_WORDS = 8  # longest note name looked for inside a query
# names are looked for in the query's first words only: the lookup grows with the words
# (docs/benchmarks.md, "Figures behind design choices"), and a pasted text rarely names a note
NAME_QUERY_WORDS = 200
MAX_BACKLINKS = 20  # per hit


class NoteRef(BaseModel):
    document_id: int
    title: str
    source: str  # path relative to its root, for display
    project: str = ""


class NoteLink(BaseModel):
    """One wikilink: ``note`` is the resolved other end (None while unresolved)."""

    target: str  # as written: [[target#heading|alias]]
    heading: str = ""
    alias: str = ""
    embed: bool = False
    note: NoteRef | None = None


class NoteLinks(BaseModel):
    note: NoteRef
    links: list[NoteLink] = Field(default_factory=list)  # outgoing, in note order
    backlinks: list[NoteLink] = Field(default_factory=list)  # incoming; note = the linker


def _ref(row: Any, prefix: str = "") -> NoteRef:
    return NoteRef(
        document_id=row[f"{prefix}id"],
        title=row[f"{prefix}title"],
        source=row[f"{prefix}rel_path"] or row[f"{prefix}path"],
        project=row[f"{prefix}project"],
    )


# --- the note-fields retriever -----------------------------------------------------------


def named_notes(conn: Connection, query: str, project: str | None = None) -> list[int]:
    """Notes one of whose names (file name, title, alias) or tags is written out in
    ``query`` (its first :data:`NAME_QUERY_WORDS` words): by name before by tag,
    longest first."""
    terms = words(query)[:NAME_QUERY_WORDS]
    grams = {
        " ".join(terms[i : i + n])
        for n in range(1, MAX_NAME_WORDS + 1)
        for i in range(len(terms) - n + 1)
    }
    if not grams:
        return []
    sql = (
        "SELECT n.document_id, min(n.kind = 3) AS by_tag, max(length(n.key)) AS size "
        "FROM note_names n "
        "JOIN source_documents d ON d.id = n.document_id "
        "WHERE n.key IN (SELECT value FROM json_each(?))"
    )
    params: list[Any] = [json.dumps(sorted(grams))]
    if project:
        sql += " AND d.project = ?"
        params.append(project)
    sql += " GROUP BY n.document_id ORDER BY by_tag, size DESC, n.document_id"
    return [row[0] for row in conn.execute(sql, params)]


def search_notes(
    conn: Connection,
    query: str,
    k: int,
    *,
    project: str | None = None,
    weights: tuple[float, float, float] = (1.0, 1.0, 0.5),
) -> list[int]:
    """Notes best matching ``query`` by title, aliases and tags (BM25), best first."""
    expression = match_expression(query)
    if not expression or k <= 0:
        return []
    w_title, w_aliases, w_tags = (float(w) for w in weights)
    sql = (
        f"SELECT notes_fts.rowid, bm25(notes_fts, {w_title}, {w_aliases}, {w_tags}) AS score "
        "FROM notes_fts"
    )
    params: list[Any] = [expression]
    if project:
        sql += " JOIN source_documents d ON d.id = notes_fts.rowid WHERE notes_fts MATCH ? "
        sql += "AND d.project = ?"
        params.append(project)
    else:
        sql += " WHERE notes_fts MATCH ?"
    sql += " ORDER BY score LIMIT ?"
    params.append(int(k))
    return [row[0] for row in conn.execute(sql, params)]


def _first_chunks(conn: Connection, doc_ids: list[int]) -> dict[int, int]:
    marks = ",".join("?" * len(doc_ids))
    rows = conn.execute(
        f"SELECT document_id, id, min(ordinal) FROM source_chunks WHERE document_id IN ({marks}) "
        "GROUP BY document_id",
        doc_ids,
    )
    return {row[0]: row[1] for row in rows}


def add_note_hits(
    conn: Connection,
    fused: dict[int, dict[str, Any]],
    query: str,
    k: int,
    *,
    project: str | None,
    params: Any,
) -> None:
    """Fuse the note ranking into ``fused`` (chunk id -> entry), in place.

    With ``params`` (:class:`~atocore.retrieval.search.RetrievalParams`), a note
    named in the query gets ``name_weight / (rrf_k + rank)`` among the named
    notes; every note gets ``note_weight / (rrf_k + rank)`` for its place in the
    title/alias/tag ranking. The chunk that receives it is the note's best chunk
    already in ``fused``, else its first one (retrievers ``"note"``).
    """
    named = named_notes(conn, query, project) if params.name_weight > 0 else []
    ranked = (
        search_notes(conn, query, k, project=project, weights=params.note_fts_weights)
        if params.note_weight > 0
        else []
    )
    share: dict[int, float] = {}
    for rank, doc_id in enumerate(named[:k], start=1):
        share[doc_id] = share.get(doc_id, 0.0) + params.name_weight / (params.rrf_k + rank)
    for rank, doc_id in enumerate(ranked, start=1):
        share[doc_id] = share.get(doc_id, 0.0) + params.note_weight / (params.rrf_k + rank)
    if not share:
        return
    best: dict[int, tuple[float, int]] = {}
    if fused:
        marks = ",".join("?" * len(fused))
        for row in conn.execute(
            f"SELECT id, document_id FROM source_chunks WHERE id IN ({marks})", list(fused)
        ):
            score = fused[row[0]]["score"]
            if row[1] in share and score > best.get(row[1], (-1.0, 0))[0]:
                best[row[1]] = (score, row[0])
    first = _first_chunks(conn, [d for d in share if d not in best])
    for doc_id, extra in share.items():
        cid = best[doc_id][1] if doc_id in best else first.get(doc_id)
        if cid is None:  # a note without chunks
            continue
        entry = fused.setdefault(cid, {"score": 0.0, "retrievers": []})
        entry["score"] += extra
        entry["retrievers"].append("note")


# --- links and backlinks -----------------------------------------------------------------

_DOC_COLUMNS = "d.id, d.title, d.rel_path, d.path, d.project"


def find_note(conn: Connection, note: str, project: str | None = None) -> NoteRef:
    """The note ``note`` names: a path (absolute, relative to the working directory,
    or as displayed), else a file name, title or alias (that order; the lowest id
    among equals)."""
    text = (note or "").strip()
    if not text:
        raise InvalidInput("a note path or title is required")
    from atocore.ingest.scan import normalize

    scope, params = ("AND d.project = ?", [project]) if project else ("", [])
    row = conn.execute(
        f"SELECT {_DOC_COLUMNS} FROM source_documents d "
        f"WHERE (d.path = ? OR d.path = ? OR d.rel_path = ?) {scope} ORDER BY d.id LIMIT 1",
        [text, normalize(text), text, *params],
    ).fetchone()
    if row is None:
        row = conn.execute(
            f"SELECT {_DOC_COLUMNS} FROM note_names n JOIN source_documents d "
            f"ON d.id = n.document_id WHERE n.key = ? AND n.kind < 3 {scope} "
            "ORDER BY n.kind, d.id LIMIT 1",
            [name_key(text.rsplit("/", 1)[-1]), *params],
        ).fetchone()
    if row is None:
        raise NotFound(f"no ingested note named {text!r}")
    return _ref(row)


def _link(row: Any) -> NoteLink:
    """A ``note_links`` row joined to the note at its other end (if any)."""
    return NoteLink(
        target=row["target"],
        heading=row["heading"],
        alias=row["alias"],
        embed=bool(row["embed"]),
        note=_ref(row) if row["id"] is not None else None,
    )


def note_links(conn: Connection, note: str, *, project: str | None = None) -> NoteLinks:
    """The wikilinks of ``note`` (a path or a name) and the links pointing at it."""
    from atocore.projects.known import require_known_project

    ref = find_note(conn, note, require_known_project(conn, project, for_write=False) or None)
    select = f"SELECT l.target, l.heading, l.alias, l.embed, {_DOC_COLUMNS} FROM note_links l "
    outgoing = "LEFT JOIN source_documents d ON d.id = l.target_id WHERE l.source_id = ? "
    incoming = "JOIN source_documents d ON d.id = l.source_id WHERE l.target_id = ? "
    links, backlinks = (
        [_link(row) for row in conn.execute(select + clause, (ref.document_id,))]
        for clause in (
            outgoing + "ORDER BY l.ordinal",
            incoming + "AND l.source_id != l.target_id ORDER BY d.rel_path, l.ordinal",
        )
    )
    return NoteLinks(note=ref, links=links, backlinks=backlinks)


def backlinks_of(conn: Connection, doc_ids: list[int]) -> dict[int, list[NoteRef]]:
    """The notes linking to each of ``doc_ids`` (each linker once, by path)."""
    if not doc_ids:
        return {}
    marks = ",".join("?" * len(doc_ids))
    found: dict[int, dict[int, NoteRef]] = {}
    for row in conn.execute(
        f"SELECT DISTINCT l.target_id AS target, {_DOC_COLUMNS} FROM note_links l "
        "JOIN source_documents d ON d.id = l.source_id "
        f"WHERE l.target_id IN ({marks}) AND l.source_id != l.target_id ORDER BY d.rel_path",
        list(doc_ids),
    ):
        found.setdefault(row["target"], {})[row["id"]] = _ref(row)
    return {doc: list(refs.values())[:MAX_BACKLINKS] for doc, refs in found.items()}


def attach_backlinks(conn: Connection, hits: list[Any]) -> None:
    """Set ``hit.backlinks`` on every search hit, in place (one query)."""
    found = backlinks_of(conn, sorted({hit.document_id for hit in hits}))
    for hit in hits:
        hit.backlinks = found.get(hit.document_id, [])
