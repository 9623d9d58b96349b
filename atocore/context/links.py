"""Following wikilinks into a pack: a strong hit's linked note, when it is relevant.

A question about one note is often answered in a note it links to ("what
bitrate does the motor controller's bus run at?" — the controller note links
to ``[[CAN Bus]]``). For each of the best hits, the notes it links to that
also match the prompt's words get their best-matching chunk placed right
after it; the packer then keeps it only if the budget allows.
"""

from __future__ import annotations

from typing import Any

from atocore.retrieval.fts import match_expression

FOLLOW_TOP = 3  # hits whose links are followed


def _best_chunks(conn: Any, prompt: str, doc_ids: list[int]) -> dict[int, int]:
    """The chunk of each note in ``doc_ids`` that best matches ``prompt`` (BM25)."""
    expression = match_expression(prompt)
    if not expression or not doc_ids:
        return {}
    marks = ",".join("?" * len(doc_ids))
    best: dict[int, int] = {}
    for row in conn.execute(
        "SELECT c.document_id, c.id FROM chunks_fts "
        "JOIN source_chunks c ON c.id = chunks_fts.rowid "
        f"WHERE chunks_fts MATCH ? AND c.document_id IN ({marks}) ORDER BY bm25(chunks_fts)",
        [expression, *doc_ids],
    ):
        best.setdefault(row[0], row[1])
    return best


def with_linked_notes(
    conn: Any, prompt: str, hits: list[Any], project: str | None = None, top: int = FOLLOW_TOP
) -> list[Any]:
    """``hits`` with the relevant chunk of each note linked from the ``top`` best
    hits placed right after the hit linking to it (moved up if already present);
    with ``project``, only its notes are followed."""
    from atocore.retrieval.search import Hit, _fetch

    leaders: list[Any] = []
    for hit in hits:
        if hit.document_id not in {h.document_id for h in leaders}:
            leaders.append(hit)
        if len(leaders) == top:
            break
    if not leaders:
        return hits
    marks = ",".join("?" * len(leaders))
    targets: dict[int, list[int]] = {}
    for row in conn.execute(
        f"SELECT DISTINCT source_id, target_id FROM note_links WHERE source_id IN ({marks}) "
        "AND target_id IS NOT NULL AND target_id != source_id",
        [h.document_id for h in leaders],
    ):
        targets.setdefault(row[0], []).append(row[1])
    best = _best_chunks(conn, prompt, sorted({t for ts in targets.values() for t in ts}))
    if not best:
        return hits
    rows = _fetch(conn, list(best.values()))
    if project:
        rows = {cid: row for cid, row in rows.items() if row["project"] == project}
    lead_ids = {h.chunk_id for h in leaders}
    placed: dict[int, Any] = {}  # chunk id -> hit, in the new order
    by_id = {h.chunk_id: h for h in hits}
    for hit in hits:
        placed.setdefault(hit.chunk_id, hit)
        if hit.chunk_id not in lead_ids:
            continue
        for doc_id in targets.get(hit.document_id, []):
            cid = best.get(doc_id)
            if cid is None or cid in placed or cid not in rows:
                continue
            row = rows[cid]
            placed[cid] = by_id.get(cid) or Hit(
                chunk_id=cid,
                document_id=row["document_id"],
                source=row["rel_path"] or row["path"],
                path=row["path"],
                title=row["title"],
                heading=row["heading_path"],
                text=row["text"],
                project=row["project"],
                ordinal=row["ordinal"],
                score=0.0,
                retrievers=["link"],
            )
    return list(placed.values())
