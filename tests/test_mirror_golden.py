"""Golden files for every Mirror template, rendered from the fixture project.

When a template change is intended, regenerate the golden files with

    ATOCORE_UPDATE_GOLDENS=1 .venv/bin/python -m pytest tests/test_mirror_golden.py

and review the diff of tests/golden/mirror/ like any other change.
"""

from __future__ import annotations

import os
from pathlib import Path

import mirror_fixture as fx
import pytest

GOLDEN = Path(__file__).parent / "golden" / "mirror"
UPDATE = os.environ.get("ATOCORE_UPDATE_GOLDENS") == "1"

PAGES = [
    "overview",
    "decisions",
    "subsystems/optical-bench",
    "subsystems/lateral-support",
    "subsystems/metrology-frame",
]


def _check(actual: str, golden_name: str) -> None:
    path = GOLDEN / golden_name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
    assert path.exists(), f"missing golden file {path}; run with ATOCORE_UPDATE_GOLDENS=1"
    assert actual == path.read_text(encoding="utf-8"), (
        f"{golden_name} differs from its golden file; if the template change is intended, "
        "regenerate with ATOCORE_UPDATE_GOLDENS=1"
    )


@pytest.fixture
def rendered(conn, mirror_project, data_dir):
    from atocore.mirror.renderer import render_project

    render_project(conn, "p05", now=fx.NOW)
    return data_dir / "mirror" / fx.PROJECT


@pytest.mark.parametrize("page", PAGES)
def test_page_matches_golden(rendered, page):
    text = (rendered / f"{page}.md").read_text(encoding="utf-8")
    _check(text, f"fixture/{page}.md")


def test_every_page_has_a_golden(rendered):
    produced = sorted(p.relative_to(rendered).as_posix() for p in rendered.rglob("*.md"))
    assert produced == sorted(f"{p}.md" for p in PAGES)


def test_empty_state_matches_golden(conn, registry, data_dir):
    from atocore.context.project_state import set_state
    from atocore.mirror.renderer import render_project

    registry(fx.REGISTRY)
    set_state(conn, "p05", "status", "next_focus", "Import the first KB-CAD export")
    fx.add_entity(conn, "cand-1", "Component", "Pad", {"material": "PEEK"}, status="candidate")
    report = render_project(conn, "p05", now=fx.NOW)
    assert [p.name for p in report.pages] == ["overview"]
    text = (data_dir / "mirror" / fx.PROJECT / "overview.md").read_text(encoding="utf-8")
    _check(text, "empty/overview.md")
