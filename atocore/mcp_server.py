"""``atocore mcp``: an MCP server (stdio) over the same services as the CLI.

Tools read and search freely; the only writes are a captured interaction
and a memory proposal, which always lands as a *candidate* — nothing here
promotes, rejects or edits trusted state. With ``ATOCORE_URL`` set the
tools call that server instead of the local database.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

INSTRUCTIONS = (
    "atocore is the user's local context engine. Use build_context before answering "
    "questions about the user's projects; get_project_state holds curated facts that "
    "outrank everything else. add_memory only proposes a candidate for human review."
)


def _local(fn: Callable[[Any], Any]) -> Any:
    from atocore.db import open_db

    conn = open_db()
    try:
        return fn(conn)
    finally:
        conn.close()


def _remote():
    from atocore.client import remote

    return remote()


def _text(data: Any) -> str:
    from atocore.cli.common import to_jsonable

    return json.dumps(to_jsonable(data), indent=2, ensure_ascii=False)


# --- the tools' implementations (plain functions, testable without MCP) ---------------


def search(query: str, project: str | None = None, limit: int = 8) -> dict:
    client = _remote()
    if client is not None:
        return client.post("/query", {"query": query, "project": project, "top_k": limit})
    from atocore.retrieval.search import search as run

    return _local(lambda c: run(c, query, project=project, top_k=limit).model_dump())


def build_context(prompt: str, project: str | None = None, budget: int = 3000) -> dict:
    client = _remote()
    if client is not None:
        body = {"prompt": prompt, "project": project, "budget": budget}
        return client.post("/context/build", body)
    from atocore.context.builder import build_context as run

    return _local(lambda c: run(c, prompt, project=project, budget=budget).model_dump())


def get_project_state(project: str) -> list:
    client = _remote()
    if client is not None:
        from atocore.client import segment

        return client.get(f"/project/state/{segment(project)}")
    from atocore.context.project_state import get_state

    return _local(lambda c: [e.model_dump() for e in get_state(c, project)])


def list_memories(
    project: str | None = None,
    memory_type: str | None = None,
    status: str = "active",
    limit: int = 20,
) -> list:
    client = _remote()
    if client is not None:
        return client.get(
            "/memory", project=project, memory_type=memory_type, status=status, limit=limit
        )
    from atocore.memory.service import list_memories as run

    return _local(
        lambda c: [
            m.model_dump()
            for m in run(c, project=project, memory_type=memory_type, status=status, limit=limit)
        ]
    )


def add_memory(
    content: str, memory_type: str = "knowledge", project: str = "", confidence: float = 0.5
) -> dict:
    body = {
        "content": content,
        "memory_type": memory_type,
        "project": project,
        "confidence": confidence,
        "candidate": True,  # MCP never creates active memories
        "reason": "proposed over MCP",
    }
    client = _remote()
    if client is not None:
        return client.post("/memory", body)
    from atocore.memory.service import create_memory

    return _local(
        lambda c: create_memory(
            c,
            memory_type,
            content,
            project=project,
            status="candidate",
            confidence=confidence,
            reason=body["reason"],
            actor="mcp",
        ).model_dump()
    )


def capture_interaction(
    prompt: str, response: str, project: str = "", session_id: str = ""
) -> dict:
    from atocore.hooks.text import strip_private, truncate

    body = {
        "prompt": strip_private(prompt),
        "response": truncate(strip_private(response)),
        "project": project,
        "client": "mcp",
        "session_id": session_id,
        "reinforce": False,
    }
    client = _remote()
    if client is not None:
        result = client.post("/interactions", body)
    else:
        from atocore.interactions.service import record_interaction

        result = _local(
            lambda c: record_interaction(
                c,
                body["prompt"],
                body["response"],
                project=project,
                client="mcp",
                session_id=session_id,
                reinforce=False,
            ).model_dump(mode="json")
        )
    return {k: result[k] for k in ("id", "project", "created_at", "response_truncated")}


def list_candidates(project: str | None = None, limit: int = 50) -> list:
    return list_memories(project=project, status="candidate", limit=limit)


def mirror_page(project: str, page: str = "overview") -> str:
    client = _remote()
    if client is not None:
        from atocore.client import segment

        return client.get(f"/mirror/{segment(project)}/{page}")
    from atocore.mirror.pages import list_pages, read_page
    from atocore.mirror.renderer import render_project

    if not list_pages(project):
        _local(lambda c: render_project(c, project, trigger="mcp"))
    return read_page(project, page)["markdown"]


# --- the MCP server -------------------------------------------------------------------


def create_server():
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError

    from atocore import __version__
    from atocore.errors import AtocoreError

    server = MCPServer(
        name="atocore", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )

    def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> str:
        try:
            result = fn(*args, **kwargs)
        except AtocoreError as exc:
            raise ToolError(exc.message) from exc
        return result if isinstance(result, str) else _text(result)

    @server.tool(name="search")
    def search_tool(query: str, project: str | None = None, limit: int = 8) -> str:
        """Hybrid (keyword + semantic) search over the user's ingested notes."""
        return call(search, query, project, limit)

    @server.tool(name="build_context")
    def build_context_tool(prompt: str, project: str | None = None, budget: int = 3000) -> str:
        """A budgeted context pack for a prompt: project state, entities, memories, notes.

        ``project`` may be an id, an alias, or "auto" to detect it from the prompt.
        """
        return call(build_context, prompt, project, budget)

    @server.tool(name="get_project_state")
    def get_project_state_tool(project: str) -> str:
        """The project's trusted, hand-curated state (decisions, status, requirements...)."""
        return call(get_project_state, project)

    @server.tool(name="list_memories")
    def list_memories_tool(
        project: str | None = None,
        memory_type: str | None = None,
        status: str = "active",
        limit: int = 20,
    ) -> str:
        """Memories, newest first (active by default)."""
        return call(list_memories, project, memory_type, status, limit)

    @server.tool(name="add_memory")
    def add_memory_tool(
        content: str, memory_type: str = "knowledge", project: str = "", confidence: float = 0.5
    ) -> str:
        """Propose a memory. It is stored as a CANDIDATE that the user reviews; never active."""
        return call(add_memory, content, memory_type, project, confidence)

    @server.tool(name="capture_interaction")
    def capture_interaction_tool(
        prompt: str, response: str, project: str = "", session_id: str = ""
    ) -> str:
        """Record a prompt/response pair (<private>…</private> spans are dropped)."""
        return call(capture_interaction, prompt, response, project, session_id)

    @server.tool(name="list_candidates")
    def list_candidates_tool(project: str | None = None, limit: int = 50) -> str:
        """The review queue: candidate memories waiting for the user's decision."""
        return call(list_candidates, project, limit)

    @server.tool(name="mirror_page")
    def mirror_page_tool(project: str, page: str = "overview") -> str:
        """A Human Mirror page (markdown): overview, decisions or subsystems/<slug>."""
        return call(mirror_page, project, page)

    return server


def serve_stdio() -> None:
    create_server().run("stdio")
