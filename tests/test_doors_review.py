"""The review queue through every door: CLI local, CLI --url (a real server),
HTTP. The queue reads the same everywhere and a dead server is an error,
never a local review. The interactive session itself runs through both CLI
doors in test_review.py."""

from __future__ import annotations

import httpx
import pytest
from doors import Local, refused_when_unreachable
from serverproc import live_server

from atocore.memory.service import create_memory, get_memory


def _aged(conn, memories) -> None:
    """Oldest first = the order given."""
    for n, memory in enumerate(memories):
        conn.execute(
            "UPDATE memories SET created_at = ? WHERE id = ?",
            (f"2026-01-0{n + 1} 00:00:00", memory.id),
        )


def test_the_queue_reads_the_same_through_every_door(
    cli, conn, p05, monkeypatch, decision_candidates
):
    local = Local(cli, monkeypatch)
    create_memory(conn, "project", "Lateral supports use PTFE pads", project="p05")
    cand = create_memory(
        conn, "project", "The lateral supports use PTFE pads", project="p05", status="candidate"
    )
    other = create_memory(conn, "preference", "Prefers terse answers", status="candidate")
    _aged(conn, [cand, other])
    with live_server() as url:
        queue = local("review", "--list")
        assert [i["id"] for i in queue] == [cand.id, other.id]
        assert "Lateral supports use PTFE pads" in queue[0]["similar"][0]
        assert cli.json("--url", url, "review", "--list") == queue
        assert httpx.get(f"{url}/review").json() == queue

        prefs = local("review", "--list", "--type", "preference", "-p", "p05")
        assert prefs == [] and local("review", "--list", "--type", "preference")[0]["id"] == (
            other.id
        )
        args = ["review", "--list", "--entities", "--entity-type", "Decision", "-p", "p05"]
        entities = local(*args)
        assert [e["meta"]["name"] for e in entities] == ["Frame material", "Pad material"]
        assert cli.json("--url", url, *args) == entities
        http = httpx.get(
            f"{url}/review", params={"entities": True, "entity_type": "Decision", "project": "p05"}
        )
        assert http.json() == entities

        one = httpx.get(f"{url}/review/memory/{cand.id[:8]}").json()
        assert one == queue[0]
        entity = httpx.get(f"{url}/review/entity/{entities[0]['id']}").json()
        assert entity == entities[0]
        assert httpx.get(f"{url}/review/memory/nope-nope").status_code == 404
        assert httpx.get(f"{url}/review/opinion/{cand.id}").status_code == 422
        assert httpx.get(f"{url}/review", params={"entity_type": "Decision"}).status_code == 400
        assert httpx.get(f"{url}/review", params={"memory_type": "opinion"}).status_code == 400
        for bad in (["--entity-type", "Decision"], ["--type", "opinion"]):
            result = cli("--url", url, "review", "--list", *bad)
            assert result.exit_code == 2, result.output


def test_an_item_gone_since_the_queue_was_read_is_skipped(cli, conn, monkeypatch):
    """Another reviewer forgot a candidate between the queue and its turn."""
    from atocore.api.review import ReviewOperations
    from atocore.memory.service import forget_memory

    a, b = (
        create_memory(conn, "knowledge", text, status="candidate")
        for text in ("First candidate here", "Second candidate here")
    )
    _aged(conn, [a, b])
    queue = ReviewOperations.review_queue

    def read_then_forget(self, **kwargs):
        items = queue(self, **kwargs)
        forget_memory(conn, a.id)
        return items

    monkeypatch.setattr(ReviewOperations, "review_queue", read_then_forget)
    result = cli("review", input="p\n")
    assert result.exit_code == 0, result.output
    assert f"{a.id[:8]} is no longer there" in result.stdout
    assert get_memory(conn, b.id).status == "active"


@pytest.mark.parametrize("args", [["review", "--list"], ["review"]])
def test_unreachable_server_is_an_error_and_reviews_nothing(cli, conn, data_dir, args):
    create_memory(conn, "knowledge", "A candidate that stays one", status="candidate")
    refused_when_unreachable(cli, data_dir, args)
