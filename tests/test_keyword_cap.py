"""The keyword side's match cap: common words are dropped when the OR would match too much."""

from __future__ import annotations

import pytest

from atocore.db import transaction
from atocore.retrieval import fts


@pytest.fixture
def store(conn):
    """60 chunks say "motor"; chunks 1-3 also "flexure", chunk 4 also "invar"."""
    with transaction(conn):
        doc = conn.execute(
            "INSERT INTO source_documents (path, rel_path, project, title, content_hash, "
            "chunk_count, embed_model) VALUES ('/v/a.md', 'a.md', 'p', 'A', 'h', 60, 'm')"
        ).lastrowid
        for i in range(1, 61):
            extra = {1: "flexure", 2: "flexure", 3: "flexure hinge", 4: "invar"}.get(i, "")
            text = f"the drive motor number {i} {extra}"
            conn.execute(
                "INSERT INTO source_chunks (id, document_id, project, ordinal, title, "
                "heading_path, text, char_start, char_end, content_hash) "
                "VALUES (?, ?, 'p', ?, 'A', '', ?, 0, ?, ?)",
                (i, doc, i, text, len(text), f"c{i}"),
            )
    return conn


def test_small_stores_keep_every_word(store):
    terms = fts.query_terms("motor flexure invar")
    assert fts.capped_terms(store, terms) == terms  # 64 rows: far under the budget
    hits = fts.search_fts(store, "motor flexure invar", 100)
    assert len(hits) == 60


def test_common_words_are_dropped_rarest_first(store, monkeypatch):
    monkeypatch.setattr(fts, "MATCH_BUDGET", 20)
    assert fts.matched_rows(store, "motor", 21) == 21  # counted no further than asked
    assert fts.capped_terms(store, ["motor", "flexure", "invar"]) == ["flexure", "invar"]
    hits = [cid for cid, _ in fts.search_fts(store, "which motor has a flexure or invar", 100)]
    assert sorted(hits) == [1, 2, 3, 4]
    # the rarest word stays even when it alone is over the budget
    monkeypatch.setattr(fts, "MATCH_BUDGET", 2)
    assert fts.capped_terms(store, ["motor", "flexure", "invar"]) == ["invar"]
    assert fts.capped_terms(store, ["motor", "drive"]) == ["motor"]  # a tie keeps prompt order
    # every word over the budget: counted further, the rarer one wins over prompt order
    assert fts.capped_terms(store, ["motor", "flexure"]) == ["flexure"]


def test_a_word_the_store_lacks_does_not_stand_in_for_the_rarest(store, monkeypatch):
    """A typo or unknown name matches nothing: kept alone, it would leave the keyword
    side empty whenever the other words are over the budget."""
    monkeypatch.setattr(fts, "MATCH_BUDGET", 20)
    assert fts.capped_terms(store, ["motor", "zyxxy", "flexure"]) == ["flexure"]
    hits = [cid for cid, _ in fts.search_fts(store, "zyxxy motor flexure", 100)]
    assert sorted(hits) == [1, 2, 3]
    monkeypatch.setattr(fts, "MATCH_BUDGET", 2)  # every word found is over it: the rarest stays
    assert fts.capped_terms(store, ["zyxxy", "motor", "drive"]) == ["motor"]
