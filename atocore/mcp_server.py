"""``atocore mcp``: an MCP server (stdio) over the operations layer.

Tools read and search freely; the only writes are a captured interaction and
a memory proposal, which the operation always stores as a *candidate* —
nothing here promotes, rejects or edits trusted state. With ``ATOCORE_URL``
set the same operations run on that server.

Outputs are plain text and bounded, to spend few of the client's tokens:
``search`` shows compact hits (id, source, heading, date, a one-line snippet)
and ``get_chunks`` fetches the few worth reading in full; ``build_context``
returns the pack itself, not JSON around it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from atocore.text import one_line

INSTRUCTIONS = (
    "atocore is the user's local context engine. Use build_context before answering "
    "questions about the user's projects; get_project_state holds curated facts that "
    "outrank everything else. search shows compact hits: fetch the useful ones with "
    "get_chunks. add_memory only proposes a candidate for human review."
)
MAX_OUTPUT_CHARS = 20_000  # no tool answer is longer than this
SNIPPET_CHARS = 160


def _ops() -> Any:
    from atocore.api import operations

    return operations()


def _bounded(text: str, limit: int = MAX_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 40].rstrip() + f"\n… (cut at {limit} characters)"


def _json(data: Any) -> str:
    from atocore.jsonable import to_jsonable

    return _bounded(json.dumps(to_jsonable(data), ensure_ascii=False, separators=(",", ":")))


# --- the tools' implementations (plain functions, testable without MCP) ---------------


def search(query: str, project: str | None = None, top_k: int = 8) -> str:
    with _ops() as ops:
        result = ops.search(query, project=project, top_k=top_k)
    if not result.hits:
        return "no results"
    lines = [
        f"[{h.chunk_id}] {h.source} › {h.heading or h.title} — {one_line(h.text, SNIPPET_CHARS)}"
        for h in result.hits
    ]
    return _bounded("\n".join(lines) + "\n(get_chunks with ids for the full text)")


def get_chunks(ids: list[int]) -> str:
    with _ops() as ops:
        chunks = ops.get_chunks(ids)
    return _bounded(
        "\n\n".join(f"[{c.chunk_id}] {c.source} › {c.heading or c.title}\n{c.text}" for c in chunks)
    )


def build_context(
    prompt: str, project: str | None = "auto", budget: int = 3000, budget_tokens: int | None = None
) -> str:
    with _ops() as ops:
        pack = ops.build_context(
            prompt, project=project, budget=budget, budget_tokens=budget_tokens
        )
    return pack.formatted_context or "(nothing relevant found)"


def get_project_state(project: str) -> str:
    with _ops() as ops:
        entries = ops.get_state(project)
    if not entries:
        return f"no trusted state for {project}"
    return _bounded("\n".join(f"[{e.category}] {e.key}: {e.value}" for e in entries))


def _memory_lines(memories: list[Any]) -> str:
    if not memories:
        return "no memories"
    return _bounded(
        "\n".join(
            f"{m.id[:8]} [{m.memory_type}/{m.status}] {m.project or '-'}: "
            + one_line(m.content, SNIPPET_CHARS)
            for m in memories
        )
    )


def list_memories(
    project: str | None = None,
    memory_type: str | None = None,
    status: str = "active",
    limit: int = 20,
) -> str:
    with _ops() as ops:
        memories = ops.list_memories(
            project=project, memory_type=memory_type, status=status, limit=limit
        )
    return _memory_lines(memories)


def add_memory(
    content: str, memory_type: str = "knowledge", project: str = "", confidence: float = 0.5
) -> str:
    with _ops() as ops:
        memory = ops.propose_memory(
            content, memory_type=memory_type, project=project, confidence=confidence, actor="mcp"
        )
    return f"proposed {memory.id} as a {memory.status} {memory.memory_type} memory (for review)"


def capture_interaction(prompt: str, response: str, project: str = "", session_id: str = "") -> str:
    with _ops() as ops:
        done = ops.capture_interaction(
            prompt, response, project=project, client="mcp", session_id=session_id
        )
    return f"recorded interaction {done.id} (project {done.project or 'none'})"


def list_candidates(project: str | None = None, limit: int = 50) -> str:
    return list_memories(project=project, status="candidate", limit=limit)


def mirror_page(project: str, page: str = "overview") -> str:
    with _ops() as ops:
        return _bounded(ops.mirror_page(project, page).markdown)


def note_links(note: str, project: str | None = None) -> str:
    with _ops() as ops:
        return _json(ops.note_links(note, project=project))


def list_conflicts(project: str | None = None, status: str = "open") -> str:
    with _ops() as ops:
        return _json(ops.list_conflicts(project=project, status=status))


def list_eng_queries() -> str:
    with _ops() as ops:
        return _json(ops.query_catalog())


def run_eng_query(
    query_id: str,
    project: str,
    entity: str | None = None,
    material: str | None = None,
    days: int | None = None,
) -> str:
    with _ops() as ops:
        result = ops.run_query(
            query_id, project=project, entity=entity, material=material, days=days
        )
    return _json(result)


# --- the MCP server -------------------------------------------------------------------

# (tool, read-only?) — the only writes propose a candidate or record an interaction
TOOLS: list[tuple[Callable[..., str], bool]] = [
    (search, True),
    (get_chunks, True),
    (build_context, True),
    (get_project_state, True),
    (list_memories, True),
    (list_candidates, True),
    (mirror_page, True),
    (note_links, True),
    (list_conflicts, True),
    (list_eng_queries, True),
    (run_eng_query, True),
    (add_memory, False),
    (capture_interaction, False),
]

DESCRIPTIONS = {
    "search": "Hybrid (keyword + semantic) search over the user's notes: compact hits "
    "(chunk id, source, heading, one-line snippet). Fetch full text with get_chunks.",
    "get_chunks": "The full text of chunks by id (ids from search), at most 50.",
    "build_context": "A budgeted context pack for a prompt: project state, entities, memories, "
    'notes, as plain text. project: an id, an alias, or "auto" (default) to detect it; '
    "budget in characters, or budget_tokens (estimated at 4 characters a token).",
    "get_project_state": "The project's trusted, hand-curated state (decisions, status...).",
    "list_memories": "Memories, newest first (active by default), one line each.",
    "list_candidates": "The review queue: candidate memories waiting for the user's decision.",
    "mirror_page": "A Human Mirror page (markdown): overview, decisions or subsystems/<slug>.",
    "note_links": "A note's [[wikilinks]] and the notes linking to it (path, name or alias).",
    "list_conflicts": "Engineering conflicts (open by default): changed values awaiting review.",
    "list_eng_queries": "The engineering query catalog (Q-001…): ids, titles, parameters.",
    "run_eng_query": "Run one engineering catalog query for a project.",
    "add_memory": "Propose a memory. It is stored as a CANDIDATE that the user reviews; "
    "never active.",
    "capture_interaction": "Record a prompt/response pair (<private>…</private> spans are "
    "dropped before storage).",
}


def create_server():
    import functools

    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp.types import ToolAnnotations

    from atocore import __version__
    from atocore.errors import AtocoreError

    server = MCPServer(
        name="atocore", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING"
    )
    for fn, read_only in TOOLS:

        @functools.wraps(fn)
        def tool(*args: Any, _fn: Callable[..., str] = fn, **kwargs: Any) -> str:
            try:
                return _fn(*args, **kwargs)
            except AtocoreError as exc:
                raise ToolError(exc.message) from exc

        annotations = ToolAnnotations(
            readOnlyHint=read_only,
            destructiveHint=False,
            idempotentHint=read_only,
            openWorldHint=False,
        )
        server.tool(
            name=fn.__name__, description=DESCRIPTIONS[fn.__name__], annotations=annotations
        )(tool)
    return server


def serve_stdio() -> None:
    create_server().run("stdio")
