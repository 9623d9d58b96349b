"""The trust matrix: each promise of DESIGN.md §3, through every door that offers it.

Doors: the CLI on the data dir, the CLI with ``--url`` against a real server
process, HTTP (the real app in-process), the MCP tools on the data dir and with
``ATOCORE_URL``, and the Claude Code hooks as processes (local, and relayed to
the server). Each promise is checked on every door in one test, so a door that
forgets a policy fails here, whichever door it is.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from factories import HOOK, run_hook, write_transcript
from serverproc import live_server

from atocore.engineering.schemas import ENTITY_TYPES
from atocore.memory.service import MEMORY_TYPES

CANDIDATE = "zebracand"  # in every candidate's text: must never be shown
ACTIVE = "okapiactive"  # in one active memory: must be shown (the control)
SECRET = "s3cr3t-token-123"
PROMPT = f"What do we know about {ACTIVE} and the {CANDIDATE} items for p05 mount?"


def _fields(entity_type: str) -> dict[str, str]:
    """The type's required fields, filled with candidate text."""
    from atocore.engineering.schemas import ENTITY_FIELDS

    model = ENTITY_FIELDS[entity_type]
    return {
        name: f"{CANDIDATE} {entity_type} detail"
        for name, field in model.model_fields.items()
        if field.is_required()
    }


@pytest.fixture
def world(conn, registered_project, make_memory, make_entity):
    """p05 with a root folder (the hooks' cwd), trusted state, one active memory,
    and candidates of every memory type and every entity type."""
    from atocore.context.project_state import set_state

    root = registered_project(source="vault", description="Interferometer")
    set_state(conn, "p05", "decision", "mount", "kinematic mount with three balls")
    make_memory(f"{ACTIVE}: the mount uses three balls", project="p05")
    for memory_type in MEMORY_TYPES:
        make_memory(
            f"{CANDIDATE} {memory_type} always relevant mount fact",
            memory_type,
            project="p05" if memory_type not in ("identity", "preference") else "",
            status="candidate",
        )
    for entity_type in ENTITY_TYPES:
        make_entity(
            entity_type,
            f"{CANDIDATE} {entity_type.lower()} mount",
            _fields(entity_type),
            status="candidate",
        )
    return root


def _hook(name: str, payload: dict, env: dict[str, str] | None = None) -> str:
    done = run_hook(
        [*HOOK, name], payload, {"ATOCORE_HOOK_MODE": "bm25", **(env or {})}, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _mcp(monkeypatch, url: str | None, tool: str, **kwargs) -> str:
    from atocore import mcp_server

    if url:
        monkeypatch.setenv("ATOCORE_URL", url)
    try:
        return getattr(mcp_server, tool)(**kwargs)
    finally:
        monkeypatch.delenv("ATOCORE_URL", raising=False)


# --- candidates never reach a pack or the session-start block -------------------------


def test_candidates_never_reach_a_pack_through_any_door(cli, world, api, monkeypatch):
    session = {"session_id": "s1", "cwd": str(world)}
    packs: dict[str, str] = {}
    packs["cli"] = cli("context", PROMPT, "-p", "p05", "--mode", "bm25").stdout
    packs["http"] = api.post(
        "/context/build", json={"prompt": PROMPT, "project": "p05", "mode": "bm25"}
    ).json()["formatted_context"]
    packs["mcp"] = _mcp(monkeypatch, None, "build_context", prompt=PROMPT, project="p05")
    packs["hook prompt"] = _hook("prompt", {**session, "prompt": PROMPT})
    packs["hook session-start"] = _hook("session-start", session)
    with live_server() as url:
        packs["cli --url"] = cli("--url", url, "context", PROMPT, "-p", "p05").stdout
        packs["mcp remote"] = _mcp(monkeypatch, url, "build_context", prompt=PROMPT, project="p05")
        remote = {"ATOCORE_URL": url}
        packs["hook prompt relayed"] = _hook("prompt", {**session, "prompt": PROMPT}, remote)
        packs["hook session-start relayed"] = _hook("session-start", session, remote)
    for door, text in packs.items():
        assert ACTIVE in text, f"{door}: the active memory is missing (control)\n{text}"
        assert CANDIDATE not in text, f"{door}: a candidate reached the pack\n{text}"


# --- nothing automatic writes project_state ------------------------------------------


def _state(conn) -> list[tuple]:
    return [tuple(r) for r in conn.execute("SELECT * FROM project_state ORDER BY id")]


def test_nothing_automatic_writes_project_state(cli, conn, world, api, monkeypatch, tmp_path):
    before = _state(conn)
    session = {"session_id": "s2", "cwd": str(world)}
    transcript = write_transcript(tmp_path / "t.jsonl", PROMPT, "status: done")
    stop = {**session, "transcript_path": str(transcript)}
    hooks = (("prompt", {**session, "prompt": PROMPT}), ("session-start", session), ("stop", stop))
    for name, payload in hooks:
        _hook(name, payload)
    api.post("/interactions", json={"prompt": "decision: use steel", "response": "ok"})
    _mcp(monkeypatch, None, "capture_interaction", prompt="decision: use steel", response="ok")
    _mcp(monkeypatch, None, "add_memory", content="the project status is done", project="p05")
    cli("mirror", "render", "p05")
    with live_server() as url:
        remote = {"ATOCORE_URL": url}
        for name, payload in (
            ("prompt", {**session, "prompt": PROMPT}),
            ("session-start", session),
        ):
            _hook(name, payload, remote)
        _hook("stop", stop, remote)
        _mcp(monkeypatch, url, "capture_interaction", prompt="status: shipped", response="ok")
        _mcp(monkeypatch, url, "add_memory", content="status is shipped", project="p05")
    assert _state(conn) == before


# --- alias and canonical id are the same rows ----------------------------------------


def test_alias_and_canonical_id_are_the_same_rows(cli, conn, world, api, monkeypatch):
    writes: list[tuple[str, Callable[[str], object]]] = [
        ("cli", lambda key: cli("state", "set", "p05", "status", key, "v")),
        (
            "http",
            lambda key: api.post(
                "/project/state",
                json={"project": "p05", "category": "status", "key": key, "value": "v"},
            ),
        ),
    ]
    for door, write in writes:
        write(f"via-{door}")
    with live_server() as url:
        cli("--url", url, "state", "set", "p05", "status", "via-cli-url", "v")
        remote_read = _mcp(monkeypatch, url, "get_project_state", project="p05-interferometer")
    rows = conn.execute(
        "SELECT s.key FROM project_state s JOIN projects p ON p.id = s.project_id "
        "WHERE p.name = 'p05-interferometer' AND s.key LIKE 'via-%'"
    ).fetchall()
    assert sorted(r["key"] for r in rows) == ["via-cli", "via-cli-url", "via-http"]
    local_read = _mcp(monkeypatch, None, "get_project_state", project="p05")
    for key in ("via-cli", "via-cli-url", "via-http"):
        assert key in local_read and key in remote_read


# --- private spans are never stored --------------------------------------------------


def test_private_spans_are_never_stored(cli, conn, world, api, monkeypatch, tmp_path):
    prompt = f"what is my <private>{SECRET}</private> key for the mount?"
    answer = f"it is <private>{SECRET}</private>, decision: rotate it"
    cli("interactions", "capture", prompt, answer)
    api.post("/interactions", json={"prompt": prompt, "response": answer})
    _mcp(monkeypatch, None, "capture_interaction", prompt=prompt, response=answer)
    session = {"session_id": "s3", "cwd": str(world)}
    transcript = write_transcript(tmp_path / "t.jsonl", prompt, answer)
    stop = {**session, "transcript_path": str(transcript)}
    _hook("stop", stop)
    with live_server() as url:
        cli("--url", url, "interactions", "capture", prompt, answer)
        _mcp(monkeypatch, url, "capture_interaction", prompt=prompt, response=answer)
        _hook("stop", {**stop, "session_id": "s4"}, {"ATOCORE_URL": url})
    captured = conn.execute("SELECT COUNT(*) FROM interactions").fetchone()[0]
    assert captured >= 7  # every door above stored its interaction
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    for table in tables:
        for row in conn.execute(f'SELECT * FROM "{table}"'):
            assert SECRET not in " ".join(map(str, tuple(row))), table


# --- LLM clients only ever propose ---------------------------------------------------


def test_llm_clients_only_propose_candidates(conn, world, monkeypatch):
    _mcp(monkeypatch, None, "add_memory", content="the lab is in building 2", project="p05")
    with live_server() as url:
        _mcp(monkeypatch, url, "add_memory", content="the bench is in lab 4", project="p05")
    rows = conn.execute(
        "SELECT status FROM memories WHERE content IN "
        "('the lab is in building 2', 'the bench is in lab 4')"
    ).fetchall()
    assert sorted(r["status"] for r in rows) == ["candidate", "candidate"]


# --- an unknown project is refused the same way everywhere ---------------------------


def test_unknown_project_is_refused_everywhere(cli, world, api, monkeypatch):
    from atocore.errors import NotFound

    assert cli("query", "mount", "-p", "p05-typo").exit_code == 2
    assert cli("state", "set", "p05-typo", "status", "k", "v").exit_code == 2
    assert api.post("/query", json={"query": "mount", "project": "p05-typo"}).status_code == 404
    with pytest.raises(NotFound):
        _mcp(monkeypatch, None, "search", query="mount", project="p05-typo")
    with live_server() as url:
        done = cli("--url", url, "query", "mount", "-p", "p05-typo")
        assert done.exit_code == 2, done.output
        with pytest.raises(NotFound):
            _mcp(monkeypatch, url, "search", query="mount", project="p05-typo")
