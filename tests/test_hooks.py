"""Claude Code hooks: real hook JSON and transcript files, fail-open always."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from factories import MOUNT_NOTE

from atocore.hooks.text import last_exchange, strip_private, truncate


def _transcript(tmp_path: Path, entries: list[dict]) -> str:
    path = tmp_path / "transcript.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    return str(path)


def user(content, *, meta: bool = False) -> dict:
    return {"type": "user", "isMeta": meta, "message": {"role": "user", "content": content}}


def assistant(text: str) -> dict:
    return {
        "type": "assistant",
        "message": {"role": "assistant", "content": [{"type": "text", "text": text}]},
    }


def stop_payload(transcript: str, cwd: str = "/tmp", **extra) -> str:
    data = {
        "session_id": "sess-1",
        "transcript_path": transcript,
        "cwd": cwd,
        "hook_event_name": "Stop",
        "stop_hook_active": False,
    }
    data.update(extra)
    return json.dumps(data)


def run_cli_hook(cli, name: str, stdin: str):
    result = cli("hook", name, input=stdin)
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture
def vault_project(registered_project, tmp_path):
    root = registered_project(root=tmp_path / "repo")
    (root / "src").mkdir()
    return root


def _interactions(conn):
    return conn.execute(
        "SELECT prompt, response, project, client, session_id FROM interactions"
    ).fetchall()


# --- transcript parsing ---------------------------------------------------------


def test_last_exchange_skips_meta_xml_and_short(tmp_path):
    path = _transcript(
        tmp_path,
        [
            user("First prompt that is long enough to keep"),
            assistant("first answer"),
            user("Second real prompt, the one we want"),
            assistant("part one"),
            assistant("part two"),
            user("<command-name>/help</command-name>"),
            user("Meta message that looks real enough", meta=True),
            user("ok"),
            user([{"type": "tool_result", "content": "tool output"}]),
        ],
    )
    prompt, answer = last_exchange(path)
    assert prompt == "Second real prompt, the one we want"
    assert answer == "part one\n\npart two"


def test_last_exchange_content_blocks_and_garbage_lines(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text(
        "not json\n\n"
        + json.dumps(user([{"type": "text", "text": "Para one of it."}, "Para two here."]))
        + "\n[1, 2]\n",
        encoding="utf-8",
    )
    prompt, _ = last_exchange(path)
    assert prompt == "Para one of it.\nPara two here."


@pytest.mark.parametrize("path", ["", None, "/nonexistent/transcript.jsonl"])
def test_last_exchange_missing(path):
    assert last_exchange(path) == ("", "")


def test_strip_private_and_truncate():
    text = "keep <private>secret\nstuff</private> this <PRIVATE>also</PRIVATE> and <private>open"
    assert strip_private(text) == "keep [private] this [private] and [private]"
    long = "x" * 60
    out = truncate(long, 50)
    assert out.startswith("x" * 50) and out.endswith("[truncated: 10 more characters]")
    assert truncate("short", 50) == "short"


# --- stop hook ------------------------------------------------------------------


def test_stop_captures_locally_with_project_from_cwd(cli, conn, vault_project, tmp_path):
    transcript = _transcript(
        tmp_path,
        [
            user("Explain the kinematic mount <private>my pin is 1234</private> choice"),
            assistant("It avoids over-constraint."),
        ],
    )
    result = run_cli_hook(cli, "stop", stop_payload(transcript, cwd=str(vault_project / "src")))
    assert result.stdout == ""
    rows = _interactions(conn)
    assert len(rows) == 1
    row = rows[0]
    assert row["prompt"] == "Explain the kinematic mount [private] choice"
    assert "1234" not in row["prompt"]
    assert row["response"] == "It avoids over-constraint."
    assert row["project"] == "p05-interferometer"
    assert (row["client"], row["session_id"]) == ("claude-code", "sess-1")


def test_stop_prefers_last_assistant_message_and_truncates(cli, conn, tmp_path):
    transcript = _transcript(tmp_path, [user("Tell me everything about the architecture")])
    payload = stop_payload(transcript, last_assistant_message="y" * 60_000)
    run_cli_hook(cli, "stop", payload)
    (row,) = _interactions(conn)
    assert row["project"] == ""
    assert "[truncated" in row["response"]
    assert len(row["response"]) < 60_000


def _stop_references(cli, conn, make_memory, tmp_path) -> int:
    """Run the Stop hook on a turn that repeats a p05 memory; the memory's reference count."""
    memory = make_memory("the mount is kinematic", project="p05")
    transcript = _transcript(
        tmp_path, [user("What mount does p05 use again?"), assistant("the mount is kinematic")]
    )
    run_cli_hook(cli, "stop", stop_payload(transcript))
    row = conn.execute("SELECT reference_count FROM memories WHERE id = ?", (memory.id,)).fetchone()
    return row["reference_count"]


def test_stop_reinforces_like_every_capture(cli, conn, p05, tmp_path, make_memory):
    """One reinforcement default for every door (docs/integrations.md)."""
    assert _stop_references(cli, conn, make_memory, tmp_path) == 1


def test_stop_reinforcement_opt_out(cli, conn, p05, tmp_path, monkeypatch, make_memory):
    monkeypatch.setenv("ATOCORE_CAPTURE_REINFORCE", "0")
    assert _stop_references(cli, conn, make_memory, tmp_path) == 0
    assert conn.execute("SELECT COUNT(*) FROM interactions").fetchone()[0] == 1


def test_stop_kill_switch(cli, conn, tmp_path, monkeypatch):
    monkeypatch.setenv("ATOCORE_CAPTURE_DISABLED", "1")
    transcript = _transcript(tmp_path, [user("A prompt that would be captured otherwise")])
    run_cli_hook(cli, "stop", stop_payload(transcript))
    assert _interactions(conn) == []


@pytest.mark.parametrize(
    "entries",
    [[], [user("yes")], [user("<local-command>x</local-command> and more text here")]],
)
def test_stop_skips_when_no_real_prompt(cli, conn, tmp_path, entries):
    run_cli_hook(cli, "stop", stop_payload(_transcript(tmp_path, entries)))
    assert _interactions(conn) == []


def test_stop_missing_transcript_exits_zero(cli, conn):
    run_cli_hook(cli, "stop", stop_payload("/nonexistent/t.jsonl"))
    assert _interactions(conn) == []


@pytest.mark.parametrize("stdin", ["not json at all", "", "[1,2,3]", '{"transcript_path": 5}'])
@pytest.mark.parametrize("name", ["stop", "prompt", "session-start"])
def test_garbage_stdin_exits_zero(cli, name, stdin):
    result = run_cli_hook(cli, name, stdin)
    assert result.stdout == ""


def test_no_data_dir_is_not_created(cli, data_dir, tmp_path):
    transcript = _transcript(tmp_path, [user("A prompt that would be captured otherwise")])
    run_cli_hook(cli, "stop", stop_payload(transcript))
    run_cli_hook(cli, "session-start", json.dumps({"session_id": "s", "cwd": "/tmp"}))
    assert not (data_dir / "atocore.db").exists()


def test_server_down_exits_zero(cli, conn, tmp_path, monkeypatch):
    from serverproc import free_port

    monkeypatch.setenv("ATOCORE_URL", f"http://127.0.0.1:{free_port()}")
    transcript = _transcript(tmp_path, [user("A prompt that would be captured otherwise")])
    for name, stdin in [
        ("stop", stop_payload(transcript)),
        ("prompt", json.dumps({"session_id": "s", "prompt": "what is the p05 mount design"})),
        ("session-start", json.dumps({"session_id": "s", "cwd": "/tmp"})),
    ]:
        result = run_cli_hook(cli, name, stdin)
        assert result.stdout == ""
    assert _interactions(conn) == []


def test_hook_process_exits_zero_on_broken_data_dir(tmp_path):
    """A real process: data dir path is a file, stdin garbage — still exit 0."""
    bad = tmp_path / "not-a-dir"
    bad.write_text("x")
    env = {**os.environ, "ATOCORE_DATA_DIR": str(bad / "data")}
    for name in ("stop", "prompt", "session-start"):
        proc = subprocess.run(
            [sys.executable, "-m", "atocore", "hook", name],
            input=json.dumps({"session_id": "s", "cwd": "/", "prompt": "a long enough prompt"}),
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr


# --- session-start --------------------------------------------------------------


def test_session_start_injects_state_and_decisions(cli, conn, vault_project):
    from atocore.context.project_state import set_state

    set_state(conn, "p05", "decision", "mount", "kinematic")
    set_state(conn, "p05", "status", "phase", "build")
    payload = json.dumps(
        {"session_id": "s", "cwd": str(vault_project), "hook_event_name": "SessionStart"}
    )
    out = json.loads(run_cli_hook(cli, "session-start", payload).stdout)
    spec = out["hookSpecificOutput"]
    assert spec["hookEventName"] == "SessionStart"
    text = spec["additionalContext"]
    assert "p05-interferometer" in text
    assert text.index("Recent decisions:") < text.index("Project state:")
    assert "mount: kinematic" in text and "[status] phase: build" in text


def test_session_start_outside_projects_says_nothing(cli, conn, vault_project, tmp_path):
    payload = json.dumps({"session_id": "s", "cwd": str(tmp_path / "elsewhere")})
    assert run_cli_hook(cli, "session-start", payload).stdout == ""


# --- prompt ---------------------------------------------------------------------


def test_prompt_session_off_switch(cli, conn, monkeypatch):
    off = json.dumps({"session_id": "abc", "prompt": "#atocore-off please"})
    out = json.loads(run_cli_hook(cli, "prompt", off).stdout)
    assert "off for this session" in out["hookSpecificOutput"]["additionalContext"]
    from atocore.context.sessions import injection_on

    assert injection_on("abc") is False
    assert injection_on("other-session") is True
    quiet = json.dumps({"session_id": "abc", "prompt": "what is the p05 mount design?"})
    assert run_cli_hook(cli, "prompt", quiet).stdout == ""
    run_cli_hook(cli, "prompt", json.dumps({"session_id": "abc", "prompt": "#atocore-on"}))
    assert injection_on("abc") is True
    monkeypatch.setenv("ATOCORE_CONTEXT_DISABLED", "1")
    off_again = json.dumps({"session_id": "abc", "prompt": "#atocore-off now"})
    assert run_cli_hook(cli, "prompt", off_again).stdout == ""  # the global switch wins


def test_prompt_skips_short_and_slash_prompts(cli, conn):
    for text in ("hi", "/atocore-context something long enough"):
        stdin = json.dumps({"session_id": "s", "prompt": text})
        assert run_cli_hook(cli, "prompt", stdin).stdout == ""


def test_stop_reinforces_only_when_configured(cli, conn, p05, tmp_path, monkeypatch, make_memory):
    monkeypatch.setenv("ATOCORE_CAPTURE_REINFORCE", "1")
    assert _stop_references(cli, conn, make_memory, tmp_path) == 1


@pytest.mark.usefixtures("embedder")  # ingests and embeds: slow
def test_prompt_injects_context_pack_locally(cli, conn, vault_project):
    from atocore.context.project_state import set_state
    from atocore.ingest.pipeline import ingest_project

    (vault_project / "mount.md").write_text(MOUNT_NOTE)
    ingest_project(conn, "p05")
    set_state(conn, "p05", "decision", "mount", "kinematic")
    payload = json.dumps(
        {
            "session_id": "s",
            "hook_event_name": "UserPromptSubmit",
            "cwd": str(vault_project),
            "prompt": "what holds the mirror? <private>secret-token-xyz</private>",
        }
    )
    out = json.loads(run_cli_hook(cli, "prompt", payload).stdout)
    spec = out["hookSpecificOutput"]
    assert spec["hookEventName"] == "UserPromptSubmit"
    ctx = spec["additionalContext"]
    assert ctx.startswith('<atocore-context project="p05-interferometer">')
    assert "mount: kinematic" in ctx and "three balls" in ctx
    from atocore.context.builder import load_last_pack

    assert "secret-token-xyz" not in load_last_pack().prompt


@pytest.mark.usefixtures("embedder")  # ingests and embeds: slow
def test_prompt_hook_mode_setting(cli, conn, vault_project, monkeypatch):
    from atocore.context.builder import load_last_pack
    from atocore.ingest.pipeline import ingest_project

    (vault_project / "laser.md").write_text("# Laser\n\nA HeNe laser at 633 nm feeds the arms.\n")
    ingest_project(conn, "p05")
    monkeypatch.setenv("ATOCORE_HOOK_MODE", "bm25")
    payload = {"session_id": "s", "cwd": str(vault_project), "prompt": "which HeNe laser?"}
    out = json.loads(run_cli_hook(cli, "prompt", json.dumps(payload)).stdout)
    assert "633 nm" in out["hookSpecificOutput"]["additionalContext"]
    assert load_last_pack().retrieval_mode == "bm25"
    monkeypatch.setenv("ATOCORE_HOOK_MODE", "telepathy")  # bad setting: fail open, say nothing
    assert run_cli_hook(cli, "prompt", json.dumps(payload)).stdout == ""


@pytest.mark.usefixtures("embedder")  # ingests and embeds: slow
def test_stop_records_the_pack_the_prompt_hook_injected(cli, conn, vault_project, tmp_path):
    from atocore.ingest.pipeline import ingest_project
    from atocore.interactions.service import get_interaction, list_interactions
    from atocore.memory.service import create_memory

    (vault_project / "mount.md").write_text("# Mount\n\nThe mirror sits on a kinematic mount.\n")
    ingest_project(conn, "p05")
    memory = create_memory(conn, "knowledge", "the mirror mount is kinematic", project="p05")
    prompt_text = "what mount holds the mirror here?"
    payload = {"session_id": "turn-1", "cwd": str(vault_project), "prompt": prompt_text}
    assert run_cli_hook(cli, "prompt", json.dumps(payload)).stdout
    transcript = _transcript(tmp_path, [user(prompt_text), assistant("A kinematic mount.")])
    run_cli_hook(cli, "stop", stop_payload(transcript, cwd=str(vault_project), session_id="turn-1"))
    (summary,) = list_interactions(conn, session_id="turn-1")
    stored = get_interaction(conn, summary.id)
    assert memory.id in stored.memories_used
    assert stored.chunks_used
    assert stored.context_pack["project"] == "p05-interferometer"
    # consumed: a second turn without an injected pack records none
    transcript2 = _transcript(tmp_path, [user("another question that is long enough")])
    run_cli_hook(
        cli, "stop", stop_payload(transcript2, cwd=str(vault_project), session_id="turn-1")
    )
    latest = list_interactions(conn, session_id="turn-1")[0]
    assert get_interaction(conn, latest.id).context_pack is None


def test_session_start_includes_decision_entities_newest_first(
    cli, conn, vault_project, make_entity
):
    from atocore.context.project_state import set_state

    set_state(conn, "p05", "decision", "mount", "kinematic")
    make_entity(
        "Decision",
        "Use Invar frame",
        {"statement": "metrology frame in Invar 36", "decided_on": "2999-01-01"},
    )
    make_entity("Decision", "Draft idea", {"statement": "maybe carbon"}, status="candidate")
    payload = json.dumps({"session_id": "s", "cwd": str(vault_project)})
    text = json.loads(run_cli_hook(cli, "session-start", payload).stdout)["hookSpecificOutput"][
        "additionalContext"
    ]
    assert text.index("Use Invar frame") < text.index("mount: kinematic")
    assert "carbon" not in text  # candidates never reach the session context


def test_stale_session_packs_are_pruned(data_dir):
    from atocore.context.sessions import _marker, remember_pack

    stale = _marker("old-session").with_suffix(".pack.json")
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    os.utime(stale, (1_000_000, 1_000_000))
    remember_pack("new-session", "a prompt", {"blocks": []})
    assert not stale.exists()
    assert _marker("new-session").with_suffix(".pack.json").exists()


def test_last_exchange_reads_long_transcripts_from_the_end(tmp_path):
    filler = assistant("tool output " * 50)
    entries = [user("The early prompt that scrolled far away"), *[filler] * 40]
    path = _transcript(tmp_path, entries)
    # the tail holds no prompt: fall back to the whole file
    assert last_exchange(path, tail_bytes=2000)[0] == "The early prompt that scrolled far away"
    entries.append(user("The latest prompt near the end"))
    entries.append(assistant("latest answer"))
    path = _transcript(tmp_path, entries)
    assert last_exchange(path, tail_bytes=2000) == (
        "The latest prompt near the end",
        "latest answer",
    )
    assert last_exchange(tmp_path) == ("", "")  # a directory is unreadable: nothing
