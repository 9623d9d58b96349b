"""Remote mode: the CLI's read and capture commands against a real server process."""

from __future__ import annotations

import functools
import json

import pytest
from doors import stable
from factories import MOUNT_NOTE, write_transcript
from serverproc import free_port, live_server


@pytest.fixture
def corpus(conn, registered_project, make_memory, embedder):
    from atocore.context.project_state import set_state
    from atocore.ingest.pipeline import ingest_project
    from atocore.interactions.service import record_interaction

    root = registered_project({"mount.md": MOUNT_NOTE})
    ingest_project(conn, "p05")
    set_state(conn, "p05", "decision", "mount", "kinematic")
    make_memory("the bench is in lab 2", project="p05")
    record_interaction(conn, "what is the mount?", "kinematic", project="p05", reinforce=False)
    return root


VOLATILE = {"duration_ms", "created_at"}


_stable = functools.partial(stable, volatile=VOLATILE)


READ_COMMANDS = [
    ["status"],
    ["projects", "list"],
    ["projects", "show", "p05"],
    ["state", "list", "p05"],
    ["state", "list", "p05", "--all", "--category", "decision"],
    ["query", "kinematic mount", "--project", "p05"],
    ["context", "what holds the mirror?", "--project", "p05", "--budget", "800"],
    ["context", "--last"],
    ["memory", "list", "--project", "p05"],
    ["memory", "list", "--status", "candidate"],
    ["interactions", "list", "--project", "p05"],
]


def test_read_commands_give_the_same_json_and_text(cli, corpus, monkeypatch):
    with live_server() as url:
        for args in READ_COMMANDS:
            monkeypatch.delenv("ATOCORE_URL", raising=False)
            local = cli.json(*args)
            remote = cli.json("--url", url, *args)
            assert _stable(remote) == _stable(local), args
        for args in (["state", "list", "p05"], ["projects", "show", "p05"]):
            monkeypatch.delenv("ATOCORE_URL", raising=False)
            local_text = cli(*args)
            remote_text = cli("--url", url, *args)
            assert remote_text.exit_code == 0
            assert remote_text.output == local_text.output


def test_env_url_capture_and_errors(cli, corpus, conn, monkeypatch):
    with live_server() as url:
        monkeypatch.setenv("ATOCORE_URL", url)
        captured = cli.json(
            "interactions",
            "capture",
            "remote prompt about the mount",
            "remote answer",
            "--project",
            "p05",
            "--client",
            "remote-test",
            "--no-reinforce",
        )
        assert captured["project"] == "p05-interferometer"
        row = conn.execute("SELECT client FROM interactions WHERE id = ?", (captured["id"],))
        assert row.fetchone()["client"] == "remote-test"  # written by the server

        bad = cli("state", "list", "p05", "--category", "bogus")
        assert bad.exit_code == 2
        assert "invalid category" in bad.output
        missing = cli("projects", "show", "nope")
        assert missing.exit_code == 2
        assert "unknown project" in missing.output
        as_json = cli("--json", "projects", "show", "nope")
        assert json.loads(as_json.stdout)["error"]["code"] == "not_found"


def test_server_down_is_an_error_for_people(cli, corpus):
    url = f"http://127.0.0.1:{free_port()}"
    result = cli("--url", url, "state", "list", "p05")
    assert result.exit_code == 1
    assert "cannot reach atocore server" in result.output
    as_json = cli("--url", url, "--json", "context", "what holds the mirror?")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["error"]["code"] == "unavailable"


def test_backups_go_to_the_server_and_restore_refuses(cli, corpus, data_dir):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens
    result = cli("--url", url, "backup", "create", "--json")
    assert result.exit_code == 1  # a snapshot of the server's data, never a local one
    assert json.loads(result.stdout)["error"]["code"] == "unavailable"
    assert not (data_dir / "backups").exists()
    restore = cli("--url", url, "backup", "restore", "20260101T000000Z", "--confirm-stopped")
    assert restore.exit_code == 2
    assert "does not work with --url" in restore.output


def test_token_is_sent(cli, corpus, monkeypatch):
    with live_server({"ATOCORE_API_TOKEN": "tok-123"}) as url:
        monkeypatch.delenv("ATOCORE_API_TOKEN", raising=False)
        denied = cli("--url", url, "projects", "list")
        assert denied.exit_code == 1
        assert "ATOCORE_API_TOKEN" in denied.output
        monkeypatch.setenv("ATOCORE_API_TOKEN", "tok-123")
        allowed = cli.json("--url", url, "projects", "list")
        assert allowed[0]["id"] == "p05-interferometer"


def test_hooks_through_the_server(cli, corpus, conn, tmp_path, monkeypatch):
    transcript = write_transcript(tmp_path / "t.jsonl", "Which mount holds the mirror?")
    with live_server() as url:
        monkeypatch.setenv("ATOCORE_URL", url)
        stop = cli(
            "hook",
            "stop",
            input=json.dumps(
                {
                    "session_id": "remote-s",
                    "transcript_path": str(transcript),
                    "cwd": str(corpus),
                    "last_assistant_message": "A kinematic mount.",
                }
            ),
        )
        assert stop.exit_code == 0
        prompt = cli(
            "hook",
            "prompt",
            input=json.dumps(
                {"session_id": "remote-s", "cwd": str(corpus), "prompt": "what holds the mirror?"}
            ),
        )
        assert prompt.exit_code == 0
        context = json.loads(prompt.stdout)["hookSpecificOutput"]["additionalContext"]
        assert "three balls" in context
        start = cli("hook", "session-start", input=json.dumps({"cwd": str(corpus)}))
        assert (
            "mount: kinematic"
            in json.loads(start.stdout)["hookSpecificOutput"]["additionalContext"]
        )
    row = conn.execute(
        "SELECT project, client FROM interactions WHERE session_id = 'remote-s'"
    ).fetchone()
    assert (row["project"], row["client"]) == ("p05-interferometer", "claude-code")
