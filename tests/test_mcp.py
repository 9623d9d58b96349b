"""MCP round-trip: the SDK's client talks to `atocore mcp` over stdio."""

from __future__ import annotations

import os
import sys

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

EXPECTED_TOOLS = {
    "search",
    "build_context",
    "get_project_state",
    "list_memories",
    "add_memory",
    "capture_interaction",
    "list_candidates",
    "mirror_page",
    "get_chunks",
    "note_links",
    "list_conflicts",
    "list_eng_queries",
    "run_eng_query",
}
READ_ONLY = EXPECTED_TOOLS - {"add_memory", "capture_interaction"}


async def _session_calls(calls: list[tuple[str, dict]]) -> tuple[set[str], list]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "atocore", "mcp"], env=dict(os.environ)
    )
    results = []
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            tools = {t.name for t in (await session.list_tools()).tools}
            for name, args in calls:
                results.append(await session.call_tool(name, args))
    return tools, results


def _text(result) -> str:
    return "".join(block.text for block in result.content if hasattr(block, "text"))


def test_mcp_round_trip(conn, p05, tmp_path):
    from atocore.context.project_state import set_state

    set_state(conn, "p05", "decision", "mount", "kinematic")
    calls = [
        ("get_project_state", {"project": "p05"}),
        ("add_memory", {"content": "the bench lives in lab 2", "project": "p05"}),
        ("list_candidates", {"project": "p05-interferometer"}),
        ("list_memories", {"project": "p05"}),  # active only: the proposal is not there
        (
            "capture_interaction",
            {
                "prompt": "what is the mount? <private>pin 4321</private>",
                "response": "kinematic",
                "project": "p05",
            },
        ),
        ("build_context", {"prompt": "which mount did we choose?", "project": "p05"}),
        ("get_project_state", {"project": "p05", "unexpected": 1}),
        ("add_memory", {"content": "x", "memory_type": "gossip"}),
        ("mirror_page", {"project": "p05", "page": "../../etc/passwd"}),
    ]
    tools, results = anyio.run(_session_calls, calls)
    assert EXPECTED_TOOLS <= tools
    state, added, candidates, active, captured, pack, _extra, bad_type, traversal = results

    assert "[decision] mount: kinematic" in _text(state)  # plain text, not JSON
    proposal_id = _text(added).split()[1]
    assert "candidate" in _text(added)
    assert _text(candidates).startswith(proposal_id[:8])
    assert _text(active) == "no memories"
    assert "(project p05-interferometer)" in _text(captured)
    assert "mount: kinematic" in _text(pack)
    assert bad_type.is_error and "gossip" in _text(bad_type)
    assert traversal.is_error

    row = conn.execute("SELECT prompt, client FROM interactions").fetchone()
    assert "4321" not in row["prompt"] and row["client"] == "mcp"
    statuses = {r[0] for r in conn.execute("SELECT status FROM memories")}
    assert statuses == {"candidate"}


@pytest.mark.parametrize("tool", sorted(EXPECTED_TOOLS))
def test_tools_have_descriptions(tool):
    from atocore.mcp_server import create_server

    server = create_server()
    listed = anyio.run(server.list_tools)
    described = {t.name: t.description for t in listed}
    assert described[tool]


def test_tools_say_whether_they_write():
    from atocore.mcp_server import create_server

    listed = {t.name: t for t in anyio.run(create_server().list_tools)}
    for name in EXPECTED_TOOLS:
        assert listed[name].annotations.read_only_hint is (name in READ_ONLY), name
        assert listed[name].annotations.destructive_hint is False, name


def test_search_is_compact_and_get_chunks_gives_the_full_text(conn, p05, tmp_path, embedder):
    """Progressive disclosure: one line per hit, then the chosen chunks in full."""
    from atocore import mcp_server
    from atocore.ingest.pipeline import ingest_paths

    note = tmp_path / "mount.md"
    long_tail = " ".join(f"detail{i}" for i in range(60))
    note.write_text(f"# Mount\n\nThe mirror sits on a kinematic mount. {long_tail}\n")
    ingest_paths(conn, [note], project="p05")
    hits = mcp_server.search("kinematic mount")
    first = hits.splitlines()[0]
    assert first.startswith("[") and len(first) < 300 and "detail59" not in hits
    chunk_id = int(first[1 : first.index("]")])
    full = mcp_server.get_chunks([chunk_id])
    assert "detail59" in full


def test_outputs_are_bounded(conn, p05):
    from atocore import mcp_server
    from atocore.memory.service import create_memory

    for i in range(300):
        create_memory(conn, "knowledge", f"fact {i} " + "x" * 200, project="p05")
    text = mcp_server.list_memories(project="p05", limit=1000)
    assert len(text) <= mcp_server.MAX_OUTPUT_CHARS
    assert text.endswith("characters)")
