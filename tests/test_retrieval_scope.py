"""Project scoping shortcut: a filter that would keep every row is skipped, same hits."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import write_notes

from atocore.ingest import ingest_all
from atocore.retrieval import fts, scope
from atocore.retrieval import search as search_module
from atocore.retrieval.search import search
from atocore.retrieval.vectors import choose_mode, vector_index_info

P05 = "p05-interferometer"
NOTES = {
    "p05/mount.md": "# Mount\n\nThe reference flat mount uses Invar 36 flexures because the "
    "thermal expansion matches Zerodur.\n\n## Bolts\n\nThree M4 bolts hold the mount.",
    "p05/vibration.md": "# Vibration\n\nA passive pneumatic table isolates the stand from the "
    "chiller pump at 14 Hz.",
    "p05/frame.md": "# Frame\n\nThe metrology frame is Invar; its thermal drift budget is "
    "20 nm per hour.",
}
QUERIES = [
    "Invar mount thermal expansion",
    "what isolates the stand from vibration?",
    "metrology frame drift budget",
    "bolts",
]


def _always_filter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The code path before the shortcut: every project filter is applied per row."""

    def keep(_conn, project):
        return project or None

    monkeypatch.setattr(fts, "effective_project", keep)
    monkeypatch.setattr(search_module, "effective_project", keep)


@pytest.fixture
def one_project(conn, registered_project, tmp_path: Path, embedder):
    write_notes(tmp_path / "vault", NOTES)
    registered_project()
    ingest_all(conn, embedder=embedder)
    return conn


def test_covers_all_tracks_the_chunk_table(
    one_project, registered_project, tmp_path, embedder
) -> None:
    conn = one_project
    assert scope.covers_all(conn, P05)
    assert scope.effective_project(conn, P05) is None
    assert scope.effective_project(conn, None) is None
    assert not scope.covers_all(conn, "p06-polisher")  # holds none of the chunks
    assert scope.effective_project(conn, "p06-polisher") == "p06-polisher"
    # a second project's chunk makes the filter meaningful again
    registered_project(
        {"spindle.md": "# Spindle\n\nInvar spindle housing."},
        project_id="p06-polisher",
        root=tmp_path / "vault" / "p06",
        aliases=(),
    )
    ingest_all(conn, embedder=embedder)
    assert not scope.covers_all(conn, P05)
    assert scope.effective_project(conn, P05) == P05
    hits = fts.search_fts(conn, "Invar", 10, project="p06-polisher")
    projects = {
        conn.execute("SELECT project FROM source_chunks WHERE id = ?", (cid,)).fetchone()[0]
        for cid, _ in hits
    }
    assert hits and projects == {"p06-polisher"}
    result = search(conn, "Invar", project="p05", embedder=embedder)
    assert result.hits and {h.project for h in result.hits} == {P05}


def _view(result) -> list[tuple[int, float, tuple[str, ...]]]:
    return [(h.chunk_id, h.score, tuple(h.retrievers)) for h in result.hits]


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "vector"])
def test_single_project_store_gives_the_filtered_answer(
    one_project, embedder, monkeypatch, mode
) -> None:
    conn = one_project
    fast = [_view(search(conn, q, project="p05", mode=mode, embedder=embedder)) for q in QUERIES]
    _always_filter(monkeypatch)
    slow = [_view(search(conn, q, project="p05", mode=mode, embedder=embedder)) for q in QUERIES]
    assert fast == slow
    assert all(fast)  # every query found something


def test_fts_shortcut_same_top_hits_on_a_large_store(data_dir, embedder, monkeypatch) -> None:
    """6,000 synthetic chunks in one project (the hook bench's generator)."""
    from atocore.bench.hooks import PROMPTS, build_corpus
    from atocore.db import open_db

    build_corpus(data_dir, 6000, vectors="clustered")
    conn = open_db()
    try:
        # the upserts crossed the threshold: the quantized index exists and is used
        assert vector_index_info(conn)["quantized"]["vectors"] == 6000
        assert choose_mode(conn) == "quantized"
        fast = [fts.search_fts(conn, p, 50, project=P05) for p in PROMPTS]
        _always_filter(monkeypatch)
        slow = [fts.search_fts(conn, p, 50, project=P05) for p in PROMPTS]
        assert fast == slow
        assert all(len(hits) == 50 for hits in fast)
    finally:
        conn.close()
