"""Writing the link graph: a note's names and wikilinks, and their resolution.

A link resolves to the note whose file name, title or alias (in that order
of preference, a note of the linking note's project first) equals its
target. Resolution is redone for every link a change could affect: the
note's own links, links that pointed at it, and links naming any name it
had or has — so a link to a note ingested later resolves then, and a link
to a removed note falls back to another note of that name or to NULL.
Callers hold the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from atocore.db.types import Connection
from atocore.ingest.parse import Document
from atocore.retrieval.names import name_key

VAULT_VERSION = 1  # bump when parsing of tags or links changes: notes are re-parsed

FILE, TITLE, ALIAS, TAG = 0, 1, 2, 3  # note_names kinds; links resolve by the first three


def note_keys(conn: Connection, doc_id: int) -> list[str]:
    return [
        r[0] for r in conn.execute("SELECT key FROM note_names WHERE document_id = ?", (doc_id,))
    ]


def resolve_links(
    conn: Connection,
    *,
    keys: Iterable[str] = (),
    source_id: int | None = None,
    target_id: int | None = None,
) -> None:
    """Re-resolve the links from ``source_id``, to ``target_id`` or naming ``keys``."""
    conn.execute(
        """UPDATE note_links SET target_id = (
            SELECT n.document_id FROM note_names n
            JOIN source_documents d ON d.id = n.document_id
            JOIN source_documents s ON s.id = note_links.source_id
            WHERE n.key = note_links.target_key AND n.kind < 3
            ORDER BY d.project = s.project DESC, n.kind, n.document_id
            LIMIT 1)
        WHERE source_id = ? OR target_id = ?
            OR target_key IN (SELECT value FROM json_each(?))""",
        (source_id, target_id, json.dumps(sorted(set(keys)))),
    )


def store_graph(conn: Connection, doc_id: int, doc: Document, file_name: str) -> None:
    """Replace the names and outgoing links of ``doc_id`` and re-resolve around it."""
    old = note_keys(conn, doc_id)
    names = {(name_key(file_name), FILE), (name_key(doc.title), TITLE)}
    names.update((name_key(alias), ALIAS) for alias in doc.aliases)
    names.update((name_key(tag), TAG) for tag in doc.tags)
    names = {(key, kind) for key, kind in names if key}
    conn.execute("DELETE FROM note_names WHERE document_id = ?", (doc_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO note_names (key, kind, document_id) VALUES (?, ?, ?)",
        [(key, kind, doc_id) for key, kind in names],
    )
    conn.execute("DELETE FROM note_links WHERE source_id = ?", (doc_id,))
    conn.executemany(
        "INSERT INTO note_links (source_id, ordinal, target, heading, alias, embed, target_key) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (doc_id, i, link.target, link.heading, link.alias, int(link.embed), link.key)
            for i, link in enumerate(doc.links)
        ],
    )
    resolve_links(conn, keys=[*old, *(key for key, _ in names)], source_id=doc_id, target_id=doc_id)
    conn.execute(
        "UPDATE source_documents SET vault_version = ? WHERE id = ?", (VAULT_VERSION, doc_id)
    )


def forget_graph(conn: Connection, doc_id: int) -> None:
    """Drop the names and links of a note about to be deleted; links to it fall back
    to another note of the same name, else to unresolved."""
    keys = note_keys(conn, doc_id)
    conn.execute("DELETE FROM note_names WHERE document_id = ?", (doc_id,))
    conn.execute("DELETE FROM note_links WHERE source_id = ?", (doc_id,))
    resolve_links(conn, keys=keys, target_id=doc_id)
