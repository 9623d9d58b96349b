"""HTTP: interactions and memory routes (the reflection loop) against the real app."""

from __future__ import annotations


def test_capture_list_show_extract_review_loop(api, p05):
    captured = api.post(
        "/interactions",
        json={
            "prompt": "which mount should p05 use?",
            "response": "Decision: use a kinematic mount for the reference mirror.",
            "project": "p05",
            "client": "test",
            "session_id": "s1",
            "reinforce": False,
        },
    )
    assert captured.status_code == 200
    interaction = captured.json()
    assert interaction["project"] == "p05-interferometer"
    assert interaction["reinforcement"] is None
    listed = api.get("/interactions", params={"project": "p05", "limit": 5}).json()
    assert [i["id"] for i in listed] == [interaction["id"]]
    assert "response" not in listed[0]
    shown = api.get(f"/interactions/{interaction['id'][:8]}").json()
    assert shown["response"].startswith("Decision")

    preview = api.post(f"/interactions/{interaction['id']}/extract", json={}).json()
    assert preview["persisted"] is False and preview["candidates"]
    assert api.get("/memory", params={"status": "candidate"}).json() == []
    stored = api.post(f"/interactions/{interaction['id']}/extract", json={"persist": True}).json()
    assert stored["created_ids"]
    queue = api.get("/memory", params={"status": "candidate", "project": "p05"}).json()
    assert {m["id"] for m in queue} == set(stored["created_ids"])
    assert all(m["status"] == "candidate" for m in queue)

    promoted = api.post(f"/memory/{queue[0]['id']}/promote", json={"reason": "ok"}).json()
    assert promoted["status"] == "active"
    again = api.post(f"/memory/{queue[0]['id']}/promote")
    assert again.status_code == 409
    detail = api.get(f"/memory/{queue[0]['id']}").json()
    assert [h["action"] for h in detail["history"]][-1] == "promote"
    reinforced = api.post(f"/interactions/{interaction['id']}/reinforce").json()
    assert "matched" in reinforced


def test_memory_add_edit_reject_supersede(api, p05):
    created = api.post(
        "/memory",
        json={"memory_type": "knowledge", "content": "bench is in lab 2", "project": "p05"},
    )
    assert created.status_code == 201
    memory = created.json()
    assert memory["status"] == "active"
    edited = api.put(f"/memory/{memory['id']}", json={"content": "bench is in lab 3"}).json()
    assert edited["content"] == "bench is in lab 3"
    replaced = api.post(
        f"/memory/{memory['id']}/supersede", json={"content": "bench moved to lab 4"}
    ).json()
    assert replaced["superseded"]["status"] == "superseded"
    assert replaced["replacement"]["content"] == "bench moved to lab 4"
    candidate = api.post(
        "/memory", json={"content": "maybe use invar", "project": "p05", "candidate": True}
    ).json()
    assert candidate["status"] == "candidate"
    assert api.post(f"/memory/{candidate['id']}/reject").json()["status"] == "invalid"


def test_reflection_bad_input(api):
    assert api.post("/interactions", json={"prompt": ""}).status_code == 422
    blank = api.post("/interactions", json={"prompt": "   "})
    assert blank.status_code == 400
    assert api.get("/interactions", params={"limit": 0}).status_code == 422
    bad_since = api.get("/interactions", params={"since": "yesterday-ish"})
    assert bad_since.status_code == 400
    assert api.get("/interactions/does-not-exist").status_code == 404
    assert api.post("/interactions/nope/extract", json={"persist": True}).status_code == 404
    bad_type = api.post("/memory", json={"memory_type": "gossip", "content": "x"})
    assert bad_type.status_code == 400
    assert "gossip" in bad_type.json()["error"]["message"]
    assert api.get("/memory", params={"status": "weird"}).status_code == 400
    assert api.post("/memory/unknown-id/promote").status_code == 404
    assert api.get("/memory").json() == []
    dup = {"content": "the same fact", "project": ""}
    assert api.post("/memory", json=dup).status_code == 201
    clash = api.post("/memory", json=dup)
    assert clash.status_code == 409
    assert clash.json()["error"]["existing_id"]
