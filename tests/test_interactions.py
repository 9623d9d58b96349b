"""Interaction capture, listing filters, since normalisation, truncation, CLI."""

from __future__ import annotations

import json

import pytest

from atocore.errors import InvalidInput, NotFound
from atocore.interactions.service import (
    MAX_LIST_LIMIT,
    MAX_RESPONSE_CHARS,
    TRUNCATION_MARKER,
    get_interaction,
    list_interactions,
    normalize_since,
    record_interaction,
)


def _set_time(conn, interaction_id: str, stamp: str) -> None:
    conn.execute("UPDATE interactions SET created_at = ? WHERE id = ?", (stamp, interaction_id))


def test_capture_stores_everything(conn, projects):
    projects("p05-interferometer")
    pack = {
        "blocks": [
            {"kind": "memory", "source": "mem-1", "text": "x"},
            {"kind": "chunk", "source": "chunk-9", "text": "y"},
            {"kind": "project_state", "source": "", "text": "z"},
        ]
    }
    item = record_interaction(
        conn,
        "what is p05's focus?",
        "The focus is wave 2 ingestion.",
        project="p05-interferometer",
        client="claude-code",
        session_id="sess-1",
        context_pack=pack,
    )
    stored = get_interaction(conn, item.id)
    assert stored.prompt == "what is p05's focus?"
    assert stored.client == "claude-code"
    assert stored.session_id == "sess-1"
    assert stored.memories_used == ["mem-1"]
    assert stored.chunks_used == ["chunk-9"]
    assert stored.context_pack == pack
    assert stored.response_summary.startswith("The focus")
    assert len(stored.created_at) == 19 and stored.created_at[10] == " "


@pytest.mark.parametrize("prompt", ["", "   ", "\n"])
def test_empty_prompt_refused(conn, prompt):
    with pytest.raises(InvalidInput, match="prompt"):
        record_interaction(conn, prompt, "response")
    assert conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0


def test_long_response_truncated_with_marker(conn):
    item = record_interaction(conn, "tell me everything", "x" * (MAX_RESPONSE_CHARS + 10_000))
    assert item.response_truncated is True
    assert item.response.endswith(TRUNCATION_MARKER)
    assert len(item.response) == MAX_RESPONSE_CHARS + len(TRUNCATION_MARKER)
    short = record_interaction(conn, "short", "y" * MAX_RESPONSE_CHARS)
    assert short.response_truncated is False
    assert short.response == "y" * MAX_RESPONSE_CHARS


def test_capture_and_list_canonicalize_aliases(conn, registry):
    registry([{"id": "p06-polisher", "aliases": ["p06", "polisher"]}, {"id": "atocore"}])
    a = record_interaction(conn, "a", "ra", project="p06-polisher", reinforce=False)
    b = record_interaction(conn, "b", "rb", project="polisher", reinforce=False)
    record_interaction(conn, "c", "rc", project="atocore", reinforce=False)
    assert get_interaction(conn, b.id).project == "p06-polisher"
    for name in ("p06", "polisher", "p06-polisher"):
        assert {i.id for i in list_interactions(conn, project=name)} == {a.id, b.id}
    assert [i.prompt for i in list_interactions(conn, project="atocore")] == ["c"]


def test_list_filters_session_client_and_limit(conn):
    for n in range(5):
        record_interaction(
            conn, f"p{n}", "r", client="claude" if n % 2 else "cli", session_id=f"s{n % 2}"
        )
    assert len(list_interactions(conn, client="claude")) == 2
    assert len(list_interactions(conn, session_id="s0")) == 3
    assert len(list_interactions(conn, limit=2)) == 2
    listed = list_interactions(conn)[0]
    assert "response" not in listed.model_dump()
    assert listed.response_chars == 1
    with pytest.raises(InvalidInput):
        list_interactions(conn, limit=0)
    assert MAX_LIST_LIMIT == 500


@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("2026-04-07 09:30:00", "2026-04-07 09:30:00"),
        ("2026-04-07T09:30:00", "2026-04-07 09:30:00"),
        ("2026-04-07T09:30:00Z", "2026-04-07 09:30:00"),
        ("2026-04-07T09:30:00.123456Z", "2026-04-07 09:30:00"),
        ("2026-04-07T11:30:00+02:00", "2026-04-07 09:30:00"),
        ("2026-04-07T04:30:00-05:00", "2026-04-07 09:30:00"),
        ("2026-04-07", "2026-04-07 00:00:00"),
        ("  2026-04-07T09:30:00z ", "2026-04-07 09:30:00"),
    ],
)
def test_since_normalisation_shapes(since, expected):
    assert normalize_since(since) == expected


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "07/04/2026"])
def test_since_garbage_is_bad_input(conn, bad):
    with pytest.raises(InvalidInput, match="since"):
        list_interactions(conn, since=bad)


def test_since_filter_is_inclusive_across_formats(conn):
    early = record_interaction(conn, "early", "r", reinforce=False)
    pivot = record_interaction(conn, "pivot", "r", reinforce=False)
    late = record_interaction(conn, "late", "r", reinforce=False)
    _set_time(conn, early.id, "2026-04-07 09:29:59")
    _set_time(conn, pivot.id, "2026-04-07 09:30:00")
    _set_time(conn, late.id, "2026-04-07 10:00:00")
    for since in (
        "2026-04-07 09:30:00",
        "2026-04-07T09:30:00",
        "2026-04-07T09:30:00Z",
        "2026-04-07T11:30:00+02:00",
    ):
        assert {i.prompt for i in list_interactions(conn, since=since)} == {"pivot", "late"}


def test_unknown_interaction(conn):
    with pytest.raises(NotFound):
        get_interaction(conn, "does-not-exist")


# --- CLI ---------------------------------------------------------------------


def test_cli_capture_list_show_json(cli, p05):
    captured = cli.json(
        "interactions",
        "capture",
        "what pads?",
        "Use GF-PTFE pads.",
        "-p",
        "p05",
        "--client",
        "test",
        "--session",
        "s1",
        "--no-reinforce",
    )
    assert captured["project"] == "p05-interferometer"
    assert captured["reinforcement"] is None
    listed = cli.json(
        "interactions", "list", "-p", "interferometer", "--since", "2000-01-01T00:00Z"
    )
    assert [i["id"] for i in listed] == [captured["id"]]
    assert set(listed[0]) == {
        "id",
        "prompt",
        "response_chars",
        "response_summary",
        "client",
        "session_id",
        "project",
        "created_at",
    }
    shown = cli.json("interactions", "show", captured["id"][:8])
    assert shown["response"] == "Use GF-PTFE pads."
    assert shown["session_id"] == "s1"
    human = cli("interactions", "show", captured["id"])
    assert human.exit_code == 0 and "GF-PTFE" in human.stdout


def test_cli_capture_from_stdin_and_files(cli, tmp_path):
    prompt_file = tmp_path / "prompt.txt"
    prompt_file.write_text("a long prompt from a file")
    pack = tmp_path / "pack.json"
    pack.write_text(json.dumps({"blocks": [{"kind": "memory", "source": "m1"}]}))
    data = cli.json(
        "interactions",
        "capture",
        "--prompt-file",
        prompt_file,
        "--response-file",
        "-",
        "--context-pack",
        pack,
        input="response body from stdin\n",
    )
    assert data["prompt"] == "a long prompt from a file"
    assert data["response"] == "response body from stdin\n"
    assert data["memories_used"] == ["m1"]


@pytest.mark.parametrize(
    "args",
    [
        ["interactions", "capture", "", "response"],
        ["interactions", "capture"],
        ["interactions", "capture", "x", "--prompt-file", "nofile.txt"],
        ["interactions", "capture", "--prompt-file", "/nonexistent/prompt.txt", "r"],
        ["interactions", "list", "--since", "last tuesday"],
        ["interactions", "show", "no-such-id"],
        ["interactions", "reinforce", "no-such-id"],
        ["interactions", "extract", "no-such-id"],
    ],
)
def test_cli_bad_input_exit_2(cli, args):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert "error" in result.output
    assert "Traceback" not in result.output


def test_cli_json_error_shape(cli, conn):
    result = cli("interactions", "show", "missing-id", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "not_found"


def test_forget_interaction_leaves_no_text_in_the_log(conn):
    from atocore.interactions.service import forget_interaction
    from atocore.review_log import list_reviews

    item = record_interaction(conn, "my bank PIN is 4321", "noted", reinforce=False)
    assert forget_interaction(conn, item.id, reason="privacy")["forgotten"] is True
    with pytest.raises(NotFound):
        get_interaction(conn, item.id)
    (entry,) = list_reviews(conn, target_kind="interaction")
    assert (entry.target_id, entry.action, entry.reason) == (item.id, "forget", "privacy")
    dump = " ".join(str(v) for row in conn.execute("SELECT * FROM review_log") for v in row)
    assert "4321" not in dump
