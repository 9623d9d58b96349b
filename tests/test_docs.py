"""Docs cannot rot silently: the CLI reference is regenerated from --help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator(name: str = "gen_cli_docs"):
    spec = importlib.util.spec_from_file_location(name, ROOT / f"scripts/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current():
    expected = _generator().render()
    current = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert current == expected, "docs/cli-reference.md is stale: run `make docs`"


def test_operations_reference_is_current():
    """Every operation through every door, and every setting, as the code has them."""
    expected = _generator("gen_operations_doc").render()
    current = (ROOT / "docs" / "operations-reference.md").read_text(encoding="utf-8")
    assert current == expected, "docs/operations-reference.md is stale: run `make docs`"


def test_every_operation_is_reachable_from_some_door():
    text = _generator("gen_operations_doc").render()
    orphans = [line for line in text.splitlines() if line.startswith("| `") and "| — | — |" in line]
    assert orphans == []


def test_reference_covers_every_command_group():
    text = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    for group in (
        "projects",
        "state",
        "ingest",
        "context",
        "memory",
        "review",
        "entities",
        "mirror",
        "backup",
        "serve",
        "hook",
        "mcp",
        "bench",
    ):
        assert f"`atocore {group}" in text, group
