"""Query-focused cutting (context/compress.py): the chunk that does not fit whole keeps
its parts that hold the prompt's rare words, not merely its first characters."""

from __future__ import annotations

from pathlib import Path

import pytest

from atocore.context.builder import ContextOptions, build_context
from atocore.context.compress import ELIDED, _parts, fit, term_weights
from atocore.ingest import ChunkOptions, ingest_all

PARAGRAPHS = [
    "The lab schedule for the week was posted on the board by the door as usual.",
    "Coffee ran out on Tuesday and somebody ordered two more bags for the kitchen.",
    "The cryostat valve must be closed before the helium transfer, never after it.",
    "Lunch on Friday is at the canteen, the usual table near the window.",
]


def test_parts_are_paragraphs_list_items_and_dialogue_lines() -> None:
    text = "Intro line one\nwrapped line two\n\n- item a\n- item b\n\nAnna: hi\nBen: hello"
    assert [part for _, part in _parts(text)] == [
        "Intro line one\nwrapped line two",  # wrapped prose stays one part
        "- item a",
        "- item b",
        "Anna: hi",
        "Ben: hello",
    ]


def test_a_word_every_candidate_holds_weighs_less_than_a_rare_one() -> None:
    texts = ["anna likes the cryostat", "anna and ben", "anna again", "anna"]
    weights = term_weights("What did Anna say about the cryostat?", texts)
    assert weights["cryostat"] > weights["anna"]
    assert "the" not in weights and "about" not in weights  # stop words weigh nothing


def test_fit_keeps_the_heaviest_whole_parts_in_text_order() -> None:
    text = "\n\n".join(PARAGRAPHS)
    weights = term_weights("cryostat valve helium", PARAGRAPHS + ["other", "more"])
    cut = fit(text, weights, 120)
    assert cut == f"{ELIDED}\n\n{PARAGRAPHS[2]}\n\n{ELIDED}"
    # more room: the next parts join in text order (ties: the earlier one first)
    wider = fit(text, weights, 200)
    assert wider == f"{PARAGRAPHS[0]}\n\n{ELIDED}\n\n{PARAGRAPHS[2]}\n\n{ELIDED}"
    assert len(wider) <= 200
    assert fit(text, weights, 40) == ""  # no whole part fits: the caller cuts at a word


@pytest.fixture
def notes(conn, registry, tmp_path: Path, embedder):
    root = tmp_path / "vault"
    root.mkdir()
    (root / "lab.md").write_text("# Lab notes\n\n" + "\n\n".join(PARAGRAPHS), encoding="utf-8")
    registry([{"id": "lab", "ingest_roots": [{"source": str(root)}]}])
    # one chunk holds all four paragraphs
    ingest_all(conn, embedder=embedder, options=ChunkOptions(group_chars=1200))
    return conn


def test_the_cut_chunk_keeps_the_paragraph_that_answers(notes, embedder) -> None:
    options = ContextOptions(budget=150, headers=False, retrieval_mode="bm25")
    prompt = "when must the cryostat valve be closed?"
    pack = build_context(notes, prompt, project="lab", options=options, embedder=embedder)
    text = pack.formatted_context
    assert len(text) <= 150
    assert [c.truncated for c in pack.chunks] == [True]
    # the whole answering paragraph, not the schedule paragraph cut at a word
    assert PARAGRAPHS[2] in text
    assert "lab schedule" not in text and ELIDED in text
