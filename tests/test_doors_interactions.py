"""Interactions through every door: CLI local, CLI --url (a real server), HTTP.
Private spans are never stored, whoever captures; reinforcement has one
default everywhere; the same operation gives the same JSON."""

from __future__ import annotations

import httpx
import pytest
from doors import Local, refused_when_unreachable
from serverproc import live_server

SECRET = "secret-token-123"
PROMPT = f"what is my <private>{SECRET}</private>?"
DOORS = ["cli", "cli --url", "http"]


def _capture(cli, url: str, door: str, prompt: str, response: str, *extra: str) -> dict:
    if door == "http":
        body: dict = {"prompt": prompt, "response": response}
        for flag, value in zip(extra[::2], extra[1::2], strict=True):
            body[flag.lstrip("-").replace("-", "_")] = value
        reply = httpx.post(f"{url}/interactions", json=body)
        assert reply.status_code == 200, reply.text
        return reply.json()
    prefix = ["--url", url] if door == "cli --url" else []
    return cli.json(*prefix, "interactions", "capture", prompt, response, *extra)


def _stored_text(conn) -> str:
    rows = [
        *conn.execute("SELECT * FROM interactions"),
        *conn.execute("SELECT * FROM memories"),
        *conn.execute("SELECT * FROM review_log"),
    ]
    return " ".join(str(value) for row in rows for value in row)


@pytest.mark.parametrize("door", DOORS)
def test_private_spans_are_never_stored(cli, conn, p05, door):
    with live_server() as url:
        captured = _capture(cli, url, door, PROMPT, "ok")
        _capture(
            cli,
            url,
            door,
            "a second question about the mount",
            f"Decision: the API key is <private>{SECRET}</private> for the bench.",
            "--response-summary" if door == "http" else "--project",
            f"summary <private>{SECRET}" if door == "http" else "p05",
        )
    assert SECRET not in str(captured)
    assert captured["prompt"] == "what is my [private]?"
    assert SECRET not in _stored_text(conn)


def test_private_spans_leave_no_trace_in_packs_or_candidates(cli, conn, p05, tmp_path, monkeypatch):
    local = Local(cli, monkeypatch)
    pack = tmp_path / "pack.json"
    pack.write_text(f'{{"blocks": [{{"kind": "note", "text": "<private>{SECRET}</private>"}}]}}')
    local("interactions", "capture", "a question", "an answer", "--context-pack", pack)
    # a row stored before capture stripped spans: its extracted candidates still carry none
    conn.execute(
        "INSERT INTO interactions (id, prompt, response, project, created_at) "
        "VALUES ('legacy-1', 'old prompt about the mount', ?, 'p05-interferometer', "
        "'2026-01-01 00:00:00')",
        (f"Decision: the mount key is <private>{SECRET}</private> forever.",),
    )
    conn.commit()
    extracted = local("interactions", "extract", "legacy-1", "--persist")
    assert extracted["created_ids"]
    assert SECRET not in str(extracted)
    conn.execute("DELETE FROM interactions WHERE id = 'legacy-1'")
    conn.commit()
    assert SECRET not in _stored_text(conn)


@pytest.mark.parametrize("door", DOORS)
def test_one_reinforcement_default(cli, conn, door):
    from atocore.interactions import REINFORCE_BY_DEFAULT
    from atocore.memory.service import create_memory, get_memory

    memory = create_memory(conn, "knowledge", "The vendor lead time is six weeks", confidence=0.5)
    response = "Remember the vendor lead time is six weeks, so order now."
    with live_server() as url:
        captured = _capture(cli, url, door, "when do we order parts?", response)
    reinforced = captured["reinforcement"] is not None and bool(
        captured["reinforcement"]["matched"]
    )
    assert reinforced is REINFORCE_BY_DEFAULT
    assert (get_memory(conn, memory.id).confidence > 0.5) is REINFORCE_BY_DEFAULT


def test_interactions_through_every_door(cli, conn, p05, monkeypatch):
    local = Local(cli, monkeypatch)
    with live_server() as url:
        first = local(
            "interactions", "capture", "how is the mount built?", "Decision: three balls.",
            "-p", "p05", "--no-reinforce",
        )  # fmt: skip
        listed = local("interactions", "list", "-p", "p05")
        assert cli.json("--url", url, "interactions", "list", "-p", "p05") == listed
        assert httpx.get(f"{url}/interactions", params={"project": "p05"}).json() == listed

        shown = local("interactions", "show", first["id"][:8])
        assert "reinforcement" not in shown  # only a capture reports what it reinforced
        assert cli.json("--url", url, "interactions", "show", first["id"][:8]) == shown
        assert httpx.get(f"{url}/interactions/{first['id']}").json() == shown

        preview = local("interactions", "extract", first["id"])
        assert cli.json("--url", url, "interactions", "extract", first["id"]) == preview
        assert httpx.post(f"{url}/interactions/{first['id']}/extract").json() == preview
        stored = cli.json("--url", url, "interactions", "extract", first["id"], "--persist")
        assert stored["persisted"] and len(stored["created_ids"]) == 1

        cli.json("--url", url, "memory", "promote", stored["created_ids"][0])
        reinforced = cli.json("--url", url, "interactions", "reinforce", first["id"])
        assert len(reinforced["matched"]) == 1
        again = httpx.post(f"{url}/interactions/{first['id']}/reinforce").json()
        assert again["matched"] == []  # once per memory and interaction

        gone = cli.json("--url", url, "interactions", "forget", first["id"], "--yes")
        assert gone["forgotten"] is True
        missing = cli("--url", url, "interactions", "show", first["id"])
        assert missing.exit_code == 2 and "not found" in missing.output


@pytest.mark.parametrize(
    "args",
    [
        ["interactions", "capture", "a prompt", "a response"],
        ["interactions", "extract", "abcd"],
        ["interactions", "extract", "abcd", "--persist"],
        ["interactions", "reinforce", "abcd"],
        ["interactions", "show", "abcd"],
        ["interactions", "forget", "abcd", "--yes"],
    ],
)
def test_unreachable_server_is_an_error_and_writes_nothing(cli, data_dir, args):
    refused_when_unreachable(cli, data_dir, args)
