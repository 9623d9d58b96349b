"""How retrieved chunks are fitted into a pack: grouping under one label, filling
the budget past a chunk that does not fit, neighbours, chunk granularity."""

from __future__ import annotations

from pathlib import Path

import pytest

from atocore.context.blocks import ContextBlock
from atocore.context.builder import GAP, ContextOptions, build_context, render
from atocore.ingest import ChunkOptions, ingest_all
from atocore.ingest.chunker import chunk_document


def chunk(label: str, text: str, first: int, last: int | None = None) -> ContextBlock:
    span = [first, first if last is None else last]
    return ContextBlock(kind="chunk", label=label, text=text, meta={"ordinals": span})


def test_blocks_of_one_label_render_once_in_note_order() -> None:
    blocks = [
        chunk("a.md › Log", "third", 7),
        chunk("b.md", "other note", 0),
        chunk("a.md › Log", "first", 2),
        chunk("a.md › Log", "second", 3),
    ]
    text = render(blocks, headers=False)
    assert text.count("[a.md › Log]") == 1 and text.count("[b.md]") == 1
    # the group sits where its best block was; inside it, note order, a gap marked
    assert text == f"[a.md › Log]\nfirst\n\nsecond{GAP}third\n\n[b.md]\nother note"


def test_grouping_can_be_switched_off() -> None:
    blocks = [chunk("a.md", "one", 5), chunk("a.md", "two", 1)]
    assert render(blocks, headers=False, group_sources=False) == "[a.md]\none\n\n[a.md]\ntwo"


def test_neighbour_spans_count_as_adjacent() -> None:
    blocks = [chunk("a.md", "4-6", 4, 6), chunk("a.md", "1-3", 1, 3), chunk("a.md", "9", 9)]
    assert render(blocks, headers=False) == f"[a.md]\n1-3\n\n4-6{GAP}9"


def test_group_chars_zero_gives_one_paragraph_per_chunk() -> None:
    body = "# Log\n\nAnna: first turn.\n\nBen: second turn.\n\nAnna: third turn.\n"
    assert len(chunk_document(body)) == 1  # default: paragraphs packed together
    chunks = chunk_document(body, opts=ChunkOptions(group_chars=0))
    assert [c.text for c in chunks] == [
        "Anna: first turn.",
        "Ben: second turn.",
        "Anna: third turn.",
    ]
    assert all(c.heading == "Log" for c in chunks)
    assert ChunkOptions(group_chars=0).signature() != ChunkOptions().signature()


def test_group_chars_never_exceeds_max_chars() -> None:
    body = "\n\n".join(f"Paragraph {i} " + "word " * 30 for i in range(20))
    opts = ChunkOptions(max_chars=400, group_chars=5000)
    assert all(len(c.text) <= 400 for c in chunk_document(body, opts=opts))


LOG = "# Bench log\n\n" + "\n\n".join(
    [
        "Anna: " + "the vacuum pump hums loudly near the optical table " * 8,
        "Ben: the spare gasket for the flange is in drawer four.",
        "Anna: noted, thanks.",
        "Ben: the flange gasket must be baked before use.",
    ]
)


SPLIT = (
    "# Site log\n\n## Crossing\n\n"
    + "The zebra crossing sign arrived and was checked against the drawing. " * 4
    + "\n\n## Other topic\n\nUnrelated text about the parking lot.\n"
)


@pytest.fixture
def log_project(conn, registered_project, tmp_path: Path, embedder):
    registered_project(
        {"log.md": LOG, "split.md": SPLIT}, project_id="bench", aliases=(), root=tmp_path / "vault"
    )
    ingest_all(conn, embedder=embedder, options=ChunkOptions(group_chars=0))
    return conn


def test_a_chunk_too_big_does_not_stop_smaller_ones(log_project, embedder) -> None:
    prompt = "vacuum pump flange gasket drawer baked"
    options = ContextOptions(budget=300, headers=False, truncate=False, retrieval_mode="bm25")
    pack = build_context(log_project, prompt, project="bench", options=options, embedder=embedder)
    text = pack.formatted_context
    assert len(text) <= 300
    assert "vacuum pump" not in text  # ~420 chars: cannot fit whole
    assert "drawer four" in text and "baked before use" in text


def test_the_best_chunk_that_did_not_fit_is_cut_into_the_rest(log_project, embedder) -> None:
    prompt = "vacuum pump hums loudly"
    options = ContextOptions(budget=300, headers=False, retrieval_mode="bm25")
    pack = build_context(log_project, prompt, project="bench", options=options, embedder=embedder)
    assert len(pack.formatted_context) <= 300
    cut = [c for c in pack.chunks if c.truncated]
    assert len(cut) == 1 and "vacuum pump" in pack.formatted_context
    block = next(b for b in pack.blocks if b.meta.get("truncated"))
    assert block.text.endswith("…") and block.text in pack.formatted_context


def test_the_best_chunk_is_cut_in_before_worse_ones_fill_the_room(log_project, embedder) -> None:
    # the pump chunk ranks first and does not fit whole, but most of it does: it is cut in
    # and the pack is full, rather than the room going to a lower-ranked chunk first
    options = ContextOptions(budget=300, retrieval_mode="bm25")
    prompt = "vacuum pump hums loudly drawer"
    pack = build_context(log_project, prompt, project="bench", options=options, embedder=embedder)
    used = zip(pack.chunks, pack.blocks, strict=True)
    assert [(c.truncated, "vacuum pump" in b.text) for c, b in used] == [(True, True)]
    assert "drawer four" not in pack.formatted_context
    assert len(pack.formatted_context) > 250


def test_neighbours_are_contiguous_and_rendered_once(log_project, embedder) -> None:
    options = ContextOptions(budget=2000, neighbours=1, retrieval_mode="bm25")
    pack = build_context(
        log_project, "spare gasket drawer", project="bench", options=options, embedder=embedder
    )
    text = pack.formatted_context
    for line in ("Ben: the spare gasket", "Anna: noted, thanks.", "Ben: the flange gasket"):
        assert text.count(line) == 1
    assert text.count("[Bench log]") == 1  # the note title, once for the group


def test_bigger_budgets_retrieve_more_candidates(log_project, embedder) -> None:
    options = ContextOptions(budget=4000, top_k=1, hits_per_1000_chars=1, retrieval_mode="bm25")
    pack = build_context(
        log_project, "gasket flange drawer", project="bench", options=options, embedder=embedder
    )
    assert len(pack.chunks) >= 2  # 4 chars-thousands x 1 hit, not top_k=1


def test_hits_pass_score_to_their_neighbours(log_project) -> None:
    from atocore.retrieval.search import RetrievalParams, search

    result = search(log_project, "drawer four", project="bench", mode="bm25")
    top = result.hits[0]
    assert "drawer four" in top.text and top.retrievers == ["bm25"]
    near = [h for h in result.hits if h.retrievers == ["neighbour"]]
    assert {h.ordinal for h in near} == {top.ordinal - 1, top.ordinal + 1, top.ordinal + 2}
    by_ordinal = {h.ordinal: h.score for h in near}
    one, two = RetrievalParams().neighbour_weights
    assert by_ordinal[top.ordinal + 1] == pytest.approx(one * top.score, rel=1e-3)
    assert by_ordinal[top.ordinal + 2] == pytest.approx(two * top.score, rel=1e-3)
    plain = search(
        log_project,
        "drawer four",
        project="bench",
        mode="bm25",
        params=RetrievalParams(neighbour_weights=()),
    )
    assert [h.chunk_id for h in plain.hits] == [top.chunk_id]


def test_neighbours_stay_inside_their_section(log_project) -> None:
    from atocore.retrieval.search import search

    result = search(log_project, "zebra crossing", project="bench", mode="bm25")
    assert len(result.hits) == 1 and result.hits[0].heading == "Site log > Crossing"
