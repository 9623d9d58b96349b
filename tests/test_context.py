"""Context packs: budget, trust order, dedupe, alias/auto project hints, --last."""

from __future__ import annotations

from pathlib import Path

import pytest

from atocore.context.builder import ContextOptions, build_context, load_last_pack, render
from atocore.context.project_state import set_state
from atocore.errors import InvalidInput, NotFound
from atocore.ingest import ingest_all

MOUNT = """# Mount design

## Material

We chose Invar 36 for the flexure ring because its thermal expansion is close to the
Zerodur reference flat. Aluminium tilted the flat nine times over budget.

## Bonding

Pads are bonded with Hysol 9313 in 0.1 mm bond lines; RTV creeps under preload.
"""

DRIFT = """# Thermal drift log

The Invar ring measured 0.11 microradian per degree of tilt, inside the budget.
Let the stand soak two hours after the door opens before measuring.
"""

POLISH = """# Polishing spindle

The polishing cell uses a direct-drive BLDC spindle with an aluminium tool mount.
"""


@pytest.fixture
def corpus(conn, registered_project, embedder):
    registered_project(
        {
            "mount.md": MOUNT,
            "drift.md": DRIFT,
            "copy-of-drift.md": DRIFT,  # identical text: must appear once in a pack
        },
        aliases=("p05", "interferometer"),
    )
    registered_project(
        {"spindle.md": POLISH}, project_id="p06-polisher", aliases=("p06", "polisher")
    )
    ingest_all(conn, embedder=embedder)
    return conn


PROMPT = "Which material did we pick for the mount flexure ring and why?"


@pytest.mark.parametrize("budget", [1, 40, 120, 300, 600, 1000, 2500, 10000])
def test_budget_is_never_exceeded(corpus, embedder, budget) -> None:
    set_state(corpus, "p05", "decision", "mount-material", "Invar 36 ring " * 5)
    pack = build_context(corpus, PROMPT, project="p05", budget=budget, embedder=embedder)
    assert len(pack.formatted_context) == pack.chars_used <= budget
    assert pack.formatted_context == render(pack.blocks, project=pack.project)


def test_trust_order_state_memory_chunks(corpus, embedder) -> None:
    from atocore.memory.service import create_memory

    set_state(corpus, "p05", "decision", "mount-material", "Invar 36, stress-relieved")
    create_memory(
        corpus, "knowledge", "Invar flexure rings need a stress-relief anneal", project="p05"
    )
    create_memory(
        corpus,
        "knowledge",
        "Candidate: maybe titanium flexure ring mount",
        project="p05",
        status="candidate",
    )
    pack = build_context(corpus, PROMPT, project="p05", budget=3000, embedder=embedder)
    text = pack.formatted_context
    kinds = [b.kind for b in pack.blocks]
    assert kinds == sorted(kinds, key=["project_state", "entity", "memory", "chunk"].index)
    assert kinds[0] == "project_state" and "memory" in kinds and "chunk" in kinds
    assert text.index("Invar 36, stress-relieved") < text.index("stress-relief anneal")
    assert text.index("stress-relief anneal") < text.index("## Retrieved notes")
    assert "titanium" not in text  # candidates never reach a pack
    assert pack.layers["project_state"] > 0 and pack.layers["chunk"] > 0


def test_state_has_its_own_share(corpus, embedder) -> None:
    for i in range(30):
        set_state(corpus, "p05", "fact", f"fact-{i:02d}", f"a long curated fact number {i} " * 3)
    options = ContextOptions(budget=2000, state_share=0.25)
    pack = build_context(corpus, PROMPT, project="p05", options=options, embedder=embedder)
    assert 0 < pack.layers["project_state"] <= 500
    assert pack.chunks, "chunks still get the rest of the budget"


def test_duplicate_text_appears_once(corpus, embedder) -> None:
    pack = build_context(
        corpus, "thermal drift soak Invar ring tilt", project="p05", budget=4000, embedder=embedder
    )
    assert pack.formatted_context.count("Let the stand soak two hours") == 1


def test_chunk_duplicating_state_is_dropped(corpus, embedder) -> None:
    para = "Pads are bonded with Hysol 9313 in 0.1 mm bond lines; RTV creeps under preload."
    set_state(corpus, "p05", "decision", "bonding", para)
    pack = build_context(corpus, "Hysol bond lines RTV", project="p05", embedder=embedder)
    assert pack.formatted_context.count("RTV creeps under preload") == 1


@pytest.mark.parametrize("hint", ["p05", "interferometer", "P05-Interferometer"])
def test_alias_hints_resolve(corpus, embedder, hint) -> None:
    set_state(corpus, "p05-interferometer", "decision", "mount-material", "Invar 36")
    pack = build_context(corpus, PROMPT, project=hint, embedder=embedder)
    assert pack.project == "p05-interferometer"
    assert "Invar 36" in pack.blocks[0].text and pack.blocks[0].kind == "project_state"
    assert {c.project for c in pack.chunks} == {"p05-interferometer"}


def test_auto_detects_project_from_prompt(corpus, embedder) -> None:
    pack = build_context(
        corpus, "what spindle does the polisher use?", project="auto", embedder=embedder
    )
    assert pack.project == "p06-polisher" and pack.project_detected
    none = build_context(corpus, "what spindle is used?", project="auto", embedder=embedder)
    assert none.project is None and not none.project_detected


def test_unregistered_project_passes_through(corpus, embedder) -> None:
    with pytest.raises(NotFound, match="unknown project"):
        build_context(corpus, PROMPT, project="p99-unknown", embedder=embedder)
    corpus.execute("INSERT INTO projects (id, name) VALUES ('x', 'p99-Legacy')")  # legacy data
    pack = build_context(corpus, PROMPT, project="p99-Legacy", embedder=embedder)
    assert pack.project == "p99-Legacy" and pack.chunks == []


def test_modes_and_neighbours(corpus, embedder) -> None:
    for mode in ("bm25", "vector", "hybrid"):
        options = ContextOptions(retrieval_mode=mode, neighbours=1)
        pack = build_context(corpus, PROMPT, project="p05", options=options, embedder=embedder)
        assert pack.retrieval_mode == mode and pack.chunks


def test_bad_input(corpus) -> None:
    with pytest.raises(InvalidInput):
        build_context(corpus, "  ")
    with pytest.raises(InvalidInput, match="budget"):
        build_context(corpus, "x", budget=0)
    with pytest.raises(InvalidInput, match="mode"):
        build_context(corpus, "x", options=ContextOptions(retrieval_mode="dense"))


def test_last_pack_is_saved(corpus, embedder) -> None:
    with pytest.raises(NotFound):
        load_last_pack()
    pack = build_context(corpus, PROMPT, project="p05", embedder=embedder)
    assert load_last_pack().formatted_context == pack.formatted_context


def test_cli_context_json_shape_and_last(cli, corpus) -> None:
    data = cli.json("context", PROMPT, "--project", "p05", "--budget", "800")
    assert {
        "formatted_context",
        "chunks",
        "blocks",
        "chars_used",
        "budget",
        "duration_ms",
    } <= set(data)
    assert data["chars_used"] <= 800 == data["budget"]
    assert {"source", "heading", "score"} <= set(data["chunks"][0])
    last = cli.json("context", "--last")
    assert last["formatted_context"] == data["formatted_context"]
    human = cli("context", PROMPT, "-p", "p05")
    assert human.exit_code == 0 and "[Mount design › Material]" in human.output


def test_cli_context_bad_input(cli, corpus) -> None:
    assert cli("context").exit_code == 2
    assert cli("context", "x", "--budget", "0").exit_code == 2
    assert cli("context", "x", "--mode", "nope").exit_code == 2


def test_example_vault_demo_end_to_end(cli, monkeypatch, embedder) -> None:
    """What `make demo` does: the shipped example vault and registry, through the CLI."""
    registry = Path(__file__).resolve().parents[1] / "examples" / "project-registry.json"
    monkeypatch.setenv("ATOCORE_PROJECT_REGISTRY_PATH", str(registry))
    assert cli("init").exit_code == 0
    report = cli.json("ingest")
    assert report["added"] >= 8 and report["skipped"] == 0 and report["vectors"]["available"]
    assert set(report["projects"]) == {"p05-interferometer", "p06-polisher"}
    assert cli("state", "set", "p05", "decision", "mount-material", "Invar 36").exit_code == 0
    pack = cli.json(
        "context",
        "What material did we choose for the mirror mount and why?",
        "--project",
        "p05",
        "--budget",
        "2000",
    )
    assert pack["chars_used"] <= 2000
    assert pack["blocks"][0]["kind"] == "project_state"
    assert pack["chunks"][0]["source"].endswith("mirror-mount-design.md")
    assert "Invar 36" in pack["formatted_context"]
    assert {c["project"] for c in pack["chunks"]} == {"p05-interferometer"}
