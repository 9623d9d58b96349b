"""Docs cannot rot silently: the CLI reference is regenerated from --help."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _generator():
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts/gen_cli_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_current():
    expected = _generator().render()
    current = (ROOT / "docs" / "cli-reference.md").read_text(encoding="utf-8")
    assert current == expected, "docs/cli-reference.md is stale: run `make docs`"


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
