"""The whole reflection loop from the CLI on a real data dir.

capture → extract → review → the promoted memory is in the next context
pack → a later response reinforces it.
"""

from __future__ import annotations

import json

import pytest

from atocore.context import builder
from atocore.memory.service import get_memory

DECISION = "Decision: use GF-PTFE pads on the lateral supports for thermal stability"


def _pack(conn, prompt: str):
    options = builder.ContextOptions(budget=1500, retrieval_mode="bm25")
    return builder.build_context(conn, prompt, project="p05", options=options, save=False)


def test_capture_extract_review_pack_reinforce(cli, conn, p05, tmp_path):
    # 1. capture a conversation (under an alias)
    first = cli.json(
        "interactions",
        "capture",
        "what should the lateral supports use?",
        f"After the thermal tests:\n\n## {DECISION}\n\nThe rest is unchanged.",
        "-p",
        "interferometer",
        "--client",
        "claude-code",
    )
    assert first["project"] == "p05-interferometer"

    # 2. extract candidates; a candidate never reaches a pack
    extracted = cli.json("interactions", "extract", first["id"], "--persist")
    (memory_id,) = extracted["created_ids"]
    assert get_memory(conn, memory_id).status == "candidate"
    before = _pack(conn, "lateral supports pads thermal stability")
    assert memory_id not in [b.source for b in before.blocks]
    assert "GF-PTFE" not in before.formatted_context

    # 3. review it interactively: promote
    reviewed = cli("review", "-p", "p05", input="p\n")
    assert reviewed.exit_code == 0, reviewed.output
    assert "promoted 1" in reviewed.stdout
    assert get_memory(conn, memory_id).status == "active"

    # 4. the next pack (built by `atocore context`) carries it in the memory layer
    pack = cli.json(
        "context", "which pads do the lateral supports use?", "-p", "p05", "--mode", "bm25"
    )
    memory_blocks = [b for b in pack["blocks"] if b["kind"] == "memory"]
    assert [b["source"] for b in memory_blocks] == [memory_id]
    assert "GF-PTFE pads on the lateral supports" in pack["formatted_context"]
    assert pack["layers"]["memory"] > 0
    pack_file = tmp_path / "pack.json"
    pack_file.write_text(json.dumps(pack))

    # 5. a later response restating it (paraphrased) reinforces it, and the
    #    capture records which memories the pack supplied
    confidence = get_memory(conn, memory_id).confidence
    later = cli.json(
        "interactions",
        "capture",
        "remind me about the lateral support pads",
        "We use GF-PTFE pads on the lateral supports, chosen for thermal stability.",
        "-p",
        "p05",
        "--context-pack",
        pack_file,
    )
    assert [m["id"] for m in later["reinforcement"]["matched"]] == [memory_id]
    assert later["memories_used"] == [memory_id]
    after = get_memory(conn, memory_id)
    assert after.confidence == pytest.approx(min(1.0, confidence + 0.02))
    assert after.reference_count == 1

    # 6. the review log tells who did what
    history = cli.json("memory", "show", memory_id)["history"]
    assert [h["action"] for h in history] == ["create", "promote"]
    assert history[0]["actor"] == "extractor"
