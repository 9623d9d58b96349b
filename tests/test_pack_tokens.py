"""Packs speak tokens too, and /context/build keeps the reference system's names."""

from __future__ import annotations

import pytest

from atocore.context.builder import CHARS_PER_TOKEN


@pytest.fixture
def noted(conn, p05):
    from atocore.context.project_state import set_state

    set_state(conn, "p05", "decision", "mount", "Invar 36 flexure ring")


def test_the_pack_reports_estimated_tokens_and_takes_a_token_budget(cli, noted):
    pack = cli.json("context", "what is the mount?", "-p", "p05", "--tokens", "200", "-m", "bm25")
    assert pack["budget"] == 200 * CHARS_PER_TOKEN
    assert 0 < pack["chars_used"] <= 800
    assert pack["estimated_tokens"] == -(-pack["chars_used"] // CHARS_PER_TOKEN)
    footer = cli("context", "what is the mount?", "-p", "p05", "-m", "bm25").stderr
    assert "tokens" in footer and "chars" in footer


def test_context_build_keeps_the_reference_field_names(noted, api):
    pack = api.post(
        "/context/build",
        json={"prompt": "what is the mount?", "project": "p05", "mode": "bm25"},
    ).json()
    assert pack["total_chars"] == pack["chars_used"]
    assert pack["chunks_used"] == len(pack["chunks"])
    assert pack["budget_remaining"] == pack["budget"] - pack["chars_used"]
    for chunk in pack["chunks"]:
        assert chunk["source_file"] == chunk["source"]
        assert chunk["heading_path"] == chunk["heading"]
