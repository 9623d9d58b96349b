"""Memories through every door: CLI local, CLI --url (a real server), HTTP.
The same operation gives the same JSON; review and forget work
remotely; a dead server is an error, never a local write."""

from __future__ import annotations

import httpx
import pytest
from doors import Local, refused_when_unreachable
from serverproc import live_server


def _interaction_with_candidates(conn) -> tuple[str, list[str]]:
    from atocore.interactions.service import record_interaction
    from atocore.memory.extractor import extract_from_interaction

    item = record_interaction(
        conn,
        "how do we mount the reference flat?",
        "Decision: the reference flat sits on three kinematic balls.\n"
        "Constraint: the mount must stay below 20 C drift.",
        project="p05",
    )
    return item.id, extract_from_interaction(conn, item.id, persist=True).created_ids


def test_memory_lifecycle_through_every_door(cli, conn, p05, monkeypatch):
    local = Local(cli, monkeypatch)
    with live_server() as url:
        mine = local("memory", "add", "Lab 2 holds the bench", "-p", "p05", "--candidate")
        remote = cli.json(
            "--url", url, "memory", "add", "The vendor ships in six weeks", "-p", "interferometer"
        )
        created = httpx.post(
            f"{url}/memory",
            json={"content": "Pads are GF-PTFE", "project": "p05", "memory_type": "project"},
        )
        assert created.status_code == 201
        http = created.json()
        assert (mine["status"], remote["status"], http["status"]) == (
            "candidate",
            "active",
            "active",
        )
        assert {m["project"] for m in (mine, remote, http)} == {"p05-interferometer"}

        listed = local("memory", "list", "-p", "p05")
        assert cli.json("--url", url, "memory", "list", "-p", "p05") == listed
        assert httpx.get(f"{url}/memory", params={"project": "p05"}).json() == listed

        detail = local("memory", "show", mine["id"][:8])
        assert set(detail) == {"memory", "provenance", "history"}
        assert cli.json("--url", url, "memory", "show", mine["id"][:8]) == detail
        assert httpx.get(f"{url}/memory/{mine['id']}").json() == detail

        edited = cli.json("--url", url, "memory", "edit", mine["id"], "-c", "Lab 2 holds it")
        assert edited["content"] == "Lab 2 holds it"
        promoted = cli.json("--url", url, "memory", "promote", mine["id"], "--reason", "checked")
        assert [m["status"] for m in promoted] == ["active"]
        assert httpx.get(f"{url}/memory/{mine['id']}").json()["history"][-1]["reason"] == (
            "checked"
        )
        rejected = httpx.post(f"{url}/memory/{http['id']}/reject", json={"reason": "wrong"})
        assert rejected.json()["status"] == "invalid"

        swapped = cli.json(
            "--url", url, "memory", "supersede", remote["id"], "-c", "The vendor ships in 8 weeks"
        )
        assert swapped["superseded"]["status"] == "superseded"
        assert swapped["replacement"]["content"] == "The vendor ships in 8 weeks"

        bad = cli("--url", url, "memory", "promote", "nope-nope")
        assert bad.exit_code == 2 and "not found" in bad.output


def test_batch_review_and_forget_with_interaction_remotely(cli, conn, p05):
    interaction, candidates = _interaction_with_candidates(conn)
    assert len(candidates) == 2
    with live_server() as url:
        done = cli.json("--url", url, "memory", "promote", "--all-from-interaction", interaction)
        assert sorted(m["id"] for m in done) == sorted(candidates)
        both = cli("--url", url, "memory", "reject", candidates[0], "--all-from-interaction", "x")
        assert both.exit_code == 2 and "one of the two" in both.output

        forgotten = cli.json(
            "--url", url, "memory", "forget", candidates[0], "--with-interaction", "--yes"
        )
        assert forgotten["interaction_forgotten"] == interaction
        assert conn.execute("SELECT count(*) FROM interactions").fetchone()[0] == 0
        # the interaction is gone: forgetting the next memory with it forgets only the memory
        http = httpx.post(
            f"{url}/memory/{candidates[1]}/forget", json={"with_interaction": True}
        ).json()
        assert (http["forgotten"], http["interaction_forgotten"]) == (True, None)


@pytest.mark.parametrize(
    "args",
    [
        ["memory", "promote", "abc"],
        ["memory", "reject", "abc"],
        ["memory", "add", "x is y", "-p", "p05"],
        ["memory", "forget", "abc", "--yes"],
        ["memory", "list"],
    ],
)
def test_unreachable_server_is_an_error_and_writes_nothing(cli, p05, data_dir, args):
    refused_when_unreachable(cli, data_dir, args)
