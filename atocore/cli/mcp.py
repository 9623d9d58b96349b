"""``atocore mcp``: the MCP server for LLM clients (stdio)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    app.command("mcp")(mcp)


def mcp() -> None:
    """Run the MCP server on stdio (tools: search, build_context, get_project_state, ...).

    Add it to Claude Code with: claude mcp add atocore -- atocore mcp
    """
    from atocore.mcp_server import serve_stdio

    serve_stdio()
