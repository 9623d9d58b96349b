"""Invariant 3: nothing automatic writes project_state. Ever.

Every automatic path (ingest, capture with reinforcement, extraction,
KB imports with conflicts, Mirror rendering, the Stop hook) runs against a
project with curated state; afterwards the state rows are byte-identical.
A structural check keeps new writers from appearing unnoticed.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from factories import write_transcript

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _state_rows(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM project_state ORDER BY id")]


def test_automatic_paths_never_write_project_state(conn, data_dir, embedder, tmp_path, monkeypatch):
    from atocore.context.builder import build_context
    from atocore.context.project_state import set_state
    from atocore.engineering.imports import import_file
    from atocore.ingest.pipeline import ingest_all
    from atocore.interactions.service import record_interaction
    from atocore.memory.extractor import extract_from_interaction
    from atocore.memory.service import create_memory
    from atocore.mirror.renderer import render_project

    vault = tmp_path / "examples"
    shutil.copytree(EXAMPLES, vault)
    monkeypatch.setenv("ATOCORE_PROJECT_REGISTRY_PATH", str(vault / "project-registry.json"))

    set_state(conn, "p05", "decision", "mount-material", "Invar 36", source="review")
    set_state(conn, "p05", "status", "next_focus", "thermal test")
    before = _state_rows(conn)

    ingest_all(conn, embedder=embedder)
    create_memory(conn, "project", "the reference flat mount uses Invar 36 flexures", project="p05")
    interaction = record_interaction(
        conn,
        "what is the mount made of?",
        "## Decision: we decided to keep the Invar 36 flexures for the reference flat mount. "
        "Remember that the mount must be stress-relieved.",
        project="p05",
        reinforce=True,
    )
    extract_from_interaction(conn, interaction.id, persist=True)
    import_file(conn, "kb-cad", vault / "kb" / "p05-kb-cad.json")
    import_file(conn, "kb-fem", vault / "kb" / "p05-kb-fem.json")
    import_file(conn, "kb-cad", vault / "kb" / "p05-kb-cad-changed-material.json")
    build_context(conn, "mount material", project="p05")
    render_project(conn, "p05")

    transcript = write_transcript(tmp_path / "t.jsonl", "Which material for p05?", "Invar.")
    from typer.testing import CliRunner

    from atocore.cli.main import app

    hook_input = json.dumps({"transcript_path": str(transcript), "cwd": str(vault)})
    assert CliRunner().invoke(app, ["hook", "stop"], input=hook_input).exit_code == 0

    assert _state_rows(conn) == before


def test_only_the_state_service_and_the_alias_migration_write_project_state():
    writers = set()
    pattern = re.compile(r"(INSERT|UPDATE|DELETE)[^\"']*project_state", re.IGNORECASE)
    for path in (ROOT / "atocore").rglob("*.py"):
        if pattern.search(path.read_text(encoding="utf-8")):
            writers.add(path.relative_to(ROOT).as_posix())
    # set/invalidate (human commands) and `migrate aliases --apply` (a human-run rekey)
    assert writers == {"atocore/context/project_state.py", "atocore/ops/alias_migration.py"}
