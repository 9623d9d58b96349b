"""MCP round-trip: the SDK's client talks to `atocore mcp` over stdio."""

from __future__ import annotations

import json
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
}


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

    assert json.loads(_text(state))[0]["value"] == "kinematic"
    proposal = json.loads(_text(added))
    assert proposal["status"] == "candidate"
    assert [m["id"] for m in json.loads(_text(candidates))] == [proposal["id"]]
    assert json.loads(_text(active)) == []
    captured_row = json.loads(_text(captured))
    assert captured_row["project"] == "p05-interferometer"
    assert "mount: kinematic" in json.loads(_text(pack))["formatted_context"]
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
