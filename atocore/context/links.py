"""Following wikilinks into a pack: a strong hit's linked note, when it is relevant.

A question about one note is often answered in a note it links to ("what
bitrate does the motor controller's bus run at?" — the controller note links
to ``[[CAN Bus]]``). For each of the best hits, a note it links to that the
search also found (so it is relevant to the prompt) has its best chunk moved
up to right after it; the packer then keeps it only if the budget allows.
"""

from __future__ import annotations

from typing import Any

from atocore.db.types import Connection

FOLLOW_TOP = 1  # hits whose links are followed


def with_linked_notes(conn: Connection, hits: list[Any], top: int = FOLLOW_TOP) -> list[Any]:
    """``hits`` reordered: after each of the ``top`` best hits (one per note), the best
    hit of every note it links to."""
    leaders: dict[int, Any] = {}  # document id -> its best hit
    for hit in hits:
        leaders.setdefault(hit.document_id, hit)
        if len(leaders) == top:
            break
    if not leaders:
        return hits
    marks = ",".join("?" * len(leaders))
    targets: dict[int, list[int]] = {}
    for row in conn.execute(
        f"SELECT DISTINCT source_id, target_id FROM note_links WHERE source_id IN ({marks}) "
        "AND target_id IS NOT NULL AND target_id != source_id ORDER BY source_id, ordinal",
        list(leaders),
    ):
        targets.setdefault(row[0], []).append(row[1])
    best: dict[int, Any] = {}
    for hit in hits:
        best.setdefault(hit.document_id, hit)
    placed: dict[int, Any] = {}  # chunk id -> hit, in the new order
    for hit in hits:
        doc = hit.document_id  # read before the identity test below narrows ``hit``
        placed.setdefault(hit.chunk_id, hit)
        if leaders.get(doc) is not hit:
            continue
        for doc_id in targets.get(doc, []):
            linked = best.get(doc_id)
            if linked is not None:
                placed.setdefault(linked.chunk_id, linked)
    return list(placed.values())
