"""Keyword side: FTS5 BM25 over chunks, with queries made safe for FTS5.

User text is never passed to ``MATCH`` as-is: quotes, operators (AND, OR,
NOT, NEAR), column filters, ``*``, ``^`` and punctuation would either be
rejected by FTS5 or change the meaning. Instead the text is reduced to
words, stop words dropped, and each word quoted and OR-ed together, so
BM25 ranks chunks by how many (and how rare) of the words they contain.

BM25 costs about a microsecond for every row the OR matches, and a common
word matches a third of a large store. So when the words together would
match more than :data:`MATCH_BUDGET` rows, the query keeps its rarest words
only (rare-term-first): each word's rows are counted, up to the budget, and
words join from the rarest while the total fits (when every word is over
the budget they are counted further, to :data:`RECOUNT` budgets, to find
the rarest). The dropped words are the ones BM25 weighs least; a small
store never drops any.
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


# Rows BM25 may score for one query before common words are dropped. Counting
# a word's rows costs ~0.1 µs each, scoring them ~1 µs. At 300K chunks of real
# prose (budget → pack CPU p50 ms, share of the uncapped BM25 top 50 kept):
# none 49.2, 2,000 28.6/0.42, 3,000 29.5/0.42, 5,000 30.7/0.76, 10,000 33.9/1.0
# (docs/benchmarks.md, "Keyword work at scale").
MATCH_BUDGET = 5_000
# When every word is over the budget their counts tie at it; they are counted
# again up to this many budgets to find the rarest (at 1M chunks, "how are
# default arguments validated in the model schema?" then scores `schema`'s
# 17K rows instead of `default`'s 204K: +9 ms of counting, -150 ms of BM25).
RECOUNT = 8


def match_expression(text: str) -> str:
    """An FTS5 MATCH expression for plain ``text`` ('' if it has no words)."""
    return _or(query_terms(text))


def _or(terms: list[str]) -> str:
    return " OR ".join(f'"{term}"' for term in terms)


def matched_rows(conn: Any, term: str, limit: int) -> int:
    """Rows holding ``term``, counted up to ``limit`` (so a common word costs at most that)."""
    return conn.execute(
        "SELECT count(*) FROM (SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT ?)",
        (_or([term]), int(limit)),
    ).fetchone()[0]


def capped_terms(conn: Any, terms: list[str], budget: int | None = None) -> list[str]:
    """The rarest of ``terms`` whose matches fit in ``budget`` rows (all of them when they fit).

    The rarest word found in the store is always kept, even over the budget: a
    query needs a word. Words the store does not hold (a typo, a name it never
    saw) match nothing, so they are not the rarest of anything.
    """
    budget = MATCH_BUDGET if budget is None else budget
    if len(terms) < 2 or budget <= 0:
        return terms
    counts = {term: matched_rows(conn, term, budget + 1) for term in terms}
    if sum(counts.values()) <= budget:
        return terms
    found = [term for term in terms if counts[term]]
    if min(counts[term] for term in found) > budget:  # tied at the cap: count further
        counts = {term: matched_rows(conn, term, RECOUNT * budget + 1) for term in found}
    kept: list[str] = []
    total = 0
    for term in sorted(found, key=lambda t: counts[t]):  # stable: ties keep prompt order
        if kept and total + counts[term] > budget:
            break
        kept.append(term)
        total += counts[term]
    return [term for term in terms if term in kept]


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
    if k <= 0:
        return []
    expression = _or(capped_terms(conn, query_terms(text)))
    if not expression:
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
