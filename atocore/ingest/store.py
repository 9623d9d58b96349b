"""Writing ingested files to the database: one document, atomically.

A document row, its chunks (the FTS index follows by trigger) and their
vectors are replaced together in one transaction.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atocore.db import transaction
from atocore.db.types import Connection
from atocore.ingest.chunker import Chunk
from atocore.ingest.links import forget_graph, store_graph
from atocore.ingest.parse import Document
from atocore.text import content_hash


@dataclass
class Target:
    path: Path
    key: str
    rel_path: str
    project: str


@dataclass
class PendingFile:
    target: Target
    doc: Document
    chunks: list[Chunk]
    digest: str
    size: int
    mtime_ns: int
    doc_id: int | None
    chunk_sig: str


def load_existing(
    conn: Connection, keys: Iterable[str] | None, prefixes: list[str]
) -> dict[str, Any]:
    rows = conn.execute(
        "SELECT id, path, project, size, mtime_ns, content_hash, chunk_sig, embed_model, "
        "vault_version "
        "FROM source_documents"
    ).fetchall()
    wanted = set(keys or [])
    out = {}
    for row in rows:
        path = row["path"]
        if path in wanted or any(path == p or path.startswith(p + os.sep) for p in prefixes):
            out[path] = row
    return out


def same_chunks(conn: Connection, doc_id: int, title: str, chunks: list[Chunk]) -> bool:
    """Whether ``doc_id`` already holds exactly ``chunks`` (so their vectors still fit)."""
    stored = conn.execute(
        "SELECT ordinal, title, heading_path, text, char_start, char_end FROM source_chunks "
        "WHERE document_id = ? ORDER BY ordinal",
        (doc_id,),
    ).fetchall()
    return [tuple(r) for r in stored] == [
        (c.ordinal, title, c.heading, c.text, c.char_start, c.char_end) for c in chunks
    ]


def delete_document(conn: Connection, doc_id: int, vectors_ok: bool) -> int:
    from atocore.retrieval.vectors import delete_vectors

    ids = [
        r[0] for r in conn.execute("SELECT id FROM source_chunks WHERE document_id = ?", (doc_id,))
    ]
    if ids and vectors_ok:
        delete_vectors(conn, ids)
    forget_graph(conn, doc_id)
    conn.execute("DELETE FROM source_chunks WHERE document_id = ?", (doc_id,))
    conn.execute("DELETE FROM source_documents WHERE id = ?", (doc_id,))
    return len(ids)


def store_document(
    conn: Connection, item: PendingFile, vectors: Any, vectors_ok: bool, model_id: str
) -> tuple[int, int]:
    """Replace one document atomically. Returns (chunks_removed, vectors_added)."""
    from atocore.retrieval.vectors import delete_vectors, upsert_vectors

    t, doc = item.target, item.doc
    removed = 0
    with transaction(conn):
        if item.doc_id is not None:
            old = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM source_chunks WHERE document_id = ?", (item.doc_id,)
                )
            ]
            if old and vectors_ok:
                delete_vectors(conn, old)
            conn.execute("DELETE FROM source_chunks WHERE document_id = ?", (item.doc_id,))
            removed = len(old)
        values = (
            t.rel_path,
            doc.kind,
            t.project,
            doc.title,
            json.dumps(doc.tags),
            json.dumps(doc.aliases),
            json.dumps(doc.frontmatter, sort_keys=True),
            item.digest,
            item.size,
            item.mtime_ns,
            item.chunk_sig,
            len(item.chunks),
            model_id if vectors is not None else "",
        )
        if item.doc_id is None:
            cur = conn.execute(
                "INSERT INTO source_documents (rel_path, kind, project, title, tags, aliases, "
                "frontmatter, content_hash, size, mtime_ns, chunk_sig, chunk_count, embed_model, "
                "path, ingested_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
                (*values, t.key),
            )
            doc_id = cur.lastrowid
            assert doc_id is not None  # set by every INSERT
        else:
            doc_id = item.doc_id
            conn.execute(
                "UPDATE source_documents SET rel_path = ?, kind = ?, project = ?, title = ?, "
                "tags = ?, aliases = ?, frontmatter = ?, content_hash = ?, size = ?, "
                "mtime_ns = ?, chunk_sig = ?, chunk_count = ?, embed_model = ?, "
                "updated_at = CURRENT_TIMESTAMP WHERE id = ?",
                (*values, doc_id),
            )
        store_graph(conn, doc_id, doc, t.path.name)
        conn.executemany(
            "INSERT INTO source_chunks (document_id, project, ordinal, title, heading_path, text, "
            "char_start, char_end, content_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    doc_id,
                    t.project,
                    c.ordinal,
                    doc.title,
                    c.heading,
                    c.text,
                    c.char_start,
                    c.char_end,
                    content_hash(c.text.encode()),
                )
                for c in item.chunks
            ],
        )
        added = 0
        if vectors is not None and item.chunks:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM source_chunks WHERE document_id = ? ORDER BY ordinal",
                    (doc_id,),
                )
            ]
            upsert_vectors(conn, [(cid, t.project, vectors[i]) for i, cid in enumerate(ids)])
            added = len(ids)
    return removed, added


def refresh_graph(conn: Connection, doc_id: int, doc: Document, file_name: str) -> None:
    """Tags, names and links of a stored note whose text did not change (a note
    parsed by an older version): nothing is re-chunked or re-embedded."""
    conn.execute(
        "UPDATE source_documents SET tags = ? WHERE id = ?", (json.dumps(doc.tags), doc_id)
    )
    store_graph(conn, doc_id, doc, file_name)


def touch_document(
    conn: Connection, doc_id: int, size: int, mtime_ns: int, *, chunk_sig: str | None = None
) -> None:
    """Record a file's new size and mtime (and chunker signature) when its
    stored chunks still hold: nothing is re-chunked or re-embedded."""
    if chunk_sig is None:
        conn.execute(
            "UPDATE source_documents SET size = ?, mtime_ns = ? WHERE id = ?",
            (size, mtime_ns, doc_id),
        )
    else:
        conn.execute(
            "UPDATE source_documents SET size = ?, mtime_ns = ?, chunk_sig = ? WHERE id = ?",
            (size, mtime_ns, chunk_sig, doc_id),
        )


def documents_shown_under(conn: Connection, project: str, head: str) -> list[Any]:
    """``(path, rel_path)`` rows of ``project`` whose display path starts with ``head``."""
    return conn.execute(
        "SELECT path, rel_path FROM source_documents "
        "WHERE project = ? AND substr(rel_path, 1, ?) = ?",
        (project, len(head), head),
    ).fetchall()


def document_id(conn: Connection, key: str) -> int | None:
    """The stored document of a normalised path, if any."""
    row = conn.execute("SELECT id FROM source_documents WHERE path = ?", (key,)).fetchone()
    return row["id"] if row is not None else None
