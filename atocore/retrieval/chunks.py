"""Chunks by id: the second step of progressive disclosure (search shows
compact hits; a client fetches the few it wants in full)."""

from __future__ import annotations

from pydantic import BaseModel

from atocore.db.types import Connection
from atocore.errors import InvalidInput, NotFound

MAX_IDS = 50


class Chunk(BaseModel):
    chunk_id: int
    source: str
    title: str
    heading: str
    project: str
    ordinal: int
    text: str


def get_chunks(conn: Connection, ids: list[int]) -> list[Chunk]:
    """The chunks in the order asked; unknown ids are an error naming them."""
    from atocore.retrieval.search import _fetch

    if not ids:
        raise InvalidInput("give at least one chunk id")
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS} chunk ids per call, got {len(ids)}")
    rows = _fetch(conn, list(dict.fromkeys(ids)))
    missing = [i for i in ids if i not in rows]
    if missing:
        raise NotFound(f"no chunk with id {', '.join(map(str, missing))}")
    return [
        Chunk(
            chunk_id=row["id"],
            source=row["rel_path"] or row["path"],
            title=row["title"] or "",
            heading=row["heading_path"] or "",
            project=row["project"] or "",
            ordinal=row["ordinal"],
            text=row["text"],
        )
        for row in (rows[i] for i in ids)
    ]
