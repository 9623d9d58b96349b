"""Keyword side: FTS5 BM25 over chunks, with queries made safe for FTS5.

User text is never passed to ``MATCH`` as-is: quotes, operators (AND, OR,
NOT, NEAR), column filters, ``*``, ``^`` and punctuation would either be
rejected by FTS5 or change the meaning. Instead the text is reduced to
words, stop words dropped, and each word quoted and OR-ed together, so
BM25 ranks chunks by how many (and how rare) of the words they contain.
"""

from __future__ import annotations

import re
from typing import Any

from atocore.db.types import Connection
from atocore.retrieval.scope import effective_project

_WORD = re.compile(r"\w+", re.UNICODE)

STOP_WORDS = frozenset(
    """
    a about after again all also am an and any are as at be because been before being
    both but by can could did do does doing during each few for from had has have having
    he her here him his how i if in into is it its itself just me more most my no nor not
    now of off on once only or other our out over own same she should so some such than
    that the their them then there these they this those through to too under until up
    very was we were what when where which while who whom why will with would you your
    """.split()
)


def query_terms(text: str, *, keep_stop_words: bool = False) -> list[str]:
    """Distinct lowercase words of ``text``, in order (stop words dropped)."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        word = word.strip("_")
        if not word:
            continue
        if not keep_stop_words and word in STOP_WORDS:
            continue
        seen.setdefault(word, None)
    terms = list(seen)
    if not terms and not keep_stop_words:
        # a query made only of stop words still deserves an answer
        return query_terms(text, keep_stop_words=True)
    return terms


def match_expression(text: str) -> str:
    """An FTS5 MATCH expression for plain ``text`` ('' if it has no words)."""
    return " OR ".join(f'"{term}"' for term in query_terms(text))


def search_fts(
    conn: Connection,
    text: str,
    k: int,
    *,
    project: str | None = None,
    weights: tuple[float, float, float] = (1.0, 0.5, 0.5),
) -> list[tuple[int, float]]:
    """Best chunks for ``text``: ``(chunk_id, bm25)`` best first (lower bm25 is better).

    ``weights`` are the BM25 column weights of (text, heading_path, title).
    """
    expression = match_expression(text)
    if not expression or k <= 0:
        return []
    w_text, w_heading, w_title = (float(w) for w in weights)
    sql = (
        f"SELECT chunks_fts.rowid, bm25(chunks_fts, {w_text}, {w_heading}, {w_title}) AS score "
        "FROM chunks_fts"
    )
    params: list[Any] = [expression]
    project = effective_project(conn, project)  # no per-row join when it would keep every row
    if project:
        sql += " JOIN source_chunks c ON c.id = chunks_fts.rowid WHERE chunks_fts MATCH ? "
        sql += "AND c.project = ?"
        params.append(project)
    else:
        sql += " WHERE chunks_fts MATCH ?"
    sql += " ORDER BY score LIMIT ?"
    params.append(int(k))
    return [(row[0], row[1]) for row in conn.execute(sql, params)]
