"""Hybrid retrieval: fusion, project scoping, hostile queries, loud vector failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from factories import write_notes

from atocore.errors import InvalidInput, OperationFailed
from atocore.ingest import ingest_all
from atocore.retrieval.audit import audit_query
from atocore.retrieval.fts import match_expression, query_terms
from atocore.retrieval.search import RetrievalParams, search

NOTES = {
    "p05/mount.md": "# Mount\n\nThe reference flat mount uses Invar 36 flexures because the "
    "thermal expansion matches Zerodur.",
    "p05/vibration.md": "# Vibration\n\nA passive pneumatic table isolates the stand from the "
    "chiller pump at 14 Hz.",
    "p06/spindle.md": "# Spindle\n\nDirect-drive BLDC spindle, run-out 3.2 um, sealed "
    "against cerium slurry.",
    "p06/mount.md": "# Tool mount\n\nThe bonnet tool mount is aluminium; thermal expansion "
    "is irrelevant at the polishing cell.",
}


@pytest.fixture
def corpus(conn, registered_project, tmp_path: Path, embedder):
    write_notes(tmp_path / "vault", NOTES)
    registered_project(aliases=("p05", "interferometer"))
    registered_project(project_id="p06-polisher", aliases=("p06",))
    ingest_all(conn, embedder=embedder)
    return conn


def test_hybrid_finds_by_both_retrievers(corpus, embedder) -> None:
    result = search(corpus, "Invar flexure mount thermal expansion", embedder=embedder)
    assert result.vector.available
    top = result.hits[0]
    assert top.source.endswith("mount.md") and "Invar" in top.text
    assert top.retrievers[:2] == ["bm25", "vector"]  # and "note": its title is "Mount"
    assert top.bm25_rank == 1 and top.vector_rank is not None
    assert [h.score for h in result.hits] == sorted((h.score for h in result.hits), reverse=True)


def test_vector_side_finds_paraphrases(corpus, embedder) -> None:
    result = search(corpus, "shaking from the floor", mode="vector", embedder=embedder)
    assert result.hits[0].source.endswith("vibration.md")
    assert all(h.retrievers == ["vector"] for h in result.hits)


def test_bm25_mode_does_not_touch_vectors(corpus) -> None:
    result = search(corpus, "cerium slurry", mode="bm25")
    assert result.hits[0].source.endswith("spindle.md")
    assert result.vector.available is False and not result.warnings


def test_project_scope_is_alias_aware(corpus, embedder) -> None:
    by_alias = search(corpus, "mount thermal expansion", project="p05", embedder=embedder)
    by_other_alias = search(
        corpus, "mount thermal expansion", project="Interferometer", embedder=embedder
    )
    by_id = search(
        corpus, "mount thermal expansion", project="p05-interferometer", embedder=embedder
    )
    assert by_alias.project == "p05-interferometer"
    ids = [h.chunk_id for h in by_id.hits]
    assert [h.chunk_id for h in by_alias.hits] == ids == [h.chunk_id for h in by_other_alias.hits]
    assert {h.project for h in by_alias.hits} == {"p05-interferometer"}


def test_boost_scope_keeps_other_projects_but_ranks_own_first(corpus, embedder) -> None:
    params = RetrievalParams(scope="boost", project_boost=3.0)
    result = search(
        corpus, "mount thermal expansion", project="p06", params=params, embedder=embedder
    )
    assert result.hits[0].project == "p06-polisher"
    assert "p05-interferometer" in {h.project for h in result.hits}


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced quote',
        "AND OR NOT",
        "text:column filter",
        "prefix* ^start",
        "NEAR(mount flexure, 3)",
        "(((",
        "- + * / \\ ; ' --",
        "mount -Invar",
        "💥 émoji ünïcode",
        "SELECT * FROM source_chunks; DROP TABLE x",
    ],
)
def test_fts_hostile_queries_work_as_plain_text(corpus, query) -> None:
    result = search(corpus, query, mode="bm25")
    assert isinstance(result.hits, list)


def test_hostile_query_still_matches_its_words(corpus) -> None:
    result = search(corpus, '"Invar" AND (flexures OR', mode="bm25")
    assert result.hits and "Invar" in result.hits[0].text


def test_query_terms() -> None:
    assert query_terms("What is the CTE of Invar?") == ["cte", "invar"]
    assert query_terms("the of") == ["the", "of"]  # all stop words: keep them
    assert match_expression("a*b") == '"b"'
    assert match_expression("!!!") == ""


def test_punctuation_only_query_returns_nothing_in_bm25(corpus) -> None:
    assert search(corpus, "?!?", mode="bm25").hits == []


def test_bad_input(corpus) -> None:
    with pytest.raises(InvalidInput):
        search(corpus, "   ")
    with pytest.raises(InvalidInput, match="mode"):
        search(corpus, "x", mode="semantic")
    with pytest.raises(InvalidInput):
        search(corpus, "x", top_k=0)


def test_vector_side_unavailable_is_loud(corpus, embedder) -> None:
    from atocore.embed import record_model

    record_model(corpus, "another-model", 384)
    result = search(corpus, "Invar mount", embedder=embedder)
    assert result.vector.available is False
    assert "another-model" in result.vector.reason and "reindex" in result.vector.reason
    assert any("VECTOR SEARCH UNAVAILABLE" in w for w in result.warnings)
    assert result.hits and all("vector" not in h.retrievers for h in result.hits)
    with pytest.raises(OperationFailed, match="vector search unavailable"):
        search(corpus, "Invar mount", mode="vector", embedder=embedder)


def test_cli_query_json_and_loud_warning(cli, corpus) -> None:
    data = cli.json("query", "Invar mount", "--project", "p05", "--top-k", "2")
    assert data["project"] == "p05-interferometer" and len(data["hits"]) <= 2
    hit = data["hits"][0]
    assert {"source", "heading", "score", "retrievers", "text"} <= set(hit)
    from atocore.embed import record_model

    record_model(corpus, "another-model", 384)
    human = cli("query", "Invar mount")
    assert human.exit_code == 0
    assert "VECTOR SEARCH UNAVAILABLE" in human.output
    vector_only = cli("query", "Invar mount", "--mode", "vector")
    assert vector_only.exit_code == 1


def test_cli_query_bad_input(cli, corpus) -> None:
    assert cli("query", "x", "--mode", "nope").exit_code == 2
    assert cli("query", "  ").exit_code == 2
    assert cli("query", 'weird "(( AND', "--mode", "bm25").exit_code == 0


def test_audit_labels_cross_project_competition(corpus, embedder) -> None:
    report = audit_query(corpus, "mount thermal expansion", project="p05", embedder=embedder)
    labels = {h.label for h in report.hits}
    assert {"on-project", "off-project"} <= labels
    assert report.competing_projects.get("p06-polisher", 0) >= 1
    assert report.verdict in ("good", "mixed", "off-target")
    off = audit_query(corpus, "spindle run-out slurry", project="p05", embedder=embedder)
    assert off.hits[0].label == "off-project"
    assert off.verdict in ("off-target", "mixed")
    unscoped = audit_query(corpus, "spindle", embedder=embedder)
    assert unscoped.verdict == "unscoped" and unscoped.projects


def test_cli_audit_query_json(cli, corpus) -> None:
    data = cli.json("audit-query", "Invar mount", "--project", "interferometer")
    assert data["project"] == "p05-interferometer"
    assert all(h["label"] in ("on-project", "off-project", "unassigned") for h in data["hits"])


def test_status_reports_vector_health(cli, corpus) -> None:
    healthy = cli.json("status")["vector_search"]
    assert healthy["available"] is True and healthy["vectors"] == healthy["chunks"] > 0
    from atocore.embed import record_model

    record_model(corpus, "another-model", 384)
    broken = cli.json("status")["vector_search"]
    assert broken["available"] is False and "reindex" in broken["reason"]
    human = cli("status")
    assert "UNAVAILABLE" in human.output


def test_status_flags_chunks_without_vectors(cli, corpus) -> None:
    from atocore.retrieval.vectors import delete_vectors

    first = corpus.execute("SELECT min(id) FROM source_chunks").fetchone()[0]
    delete_vectors(corpus, [first])
    report = cli.json("status")["vector_search"]
    assert report["available"] is False and "have no vector" in report["reason"]
