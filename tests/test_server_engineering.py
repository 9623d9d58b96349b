"""HTTP: entities, imports, conflicts, engineering queries, mirror pages, backups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

KB = Path(__file__).resolve().parents[1] / "examples" / "kb"


def _export(name: str) -> dict:
    return json.loads((KB / name).read_text())


def test_import_review_conflict_and_query(api, p05):
    dry = api.post("/ingest/kb-cad", params={"dry_run": "true"}, json=_export("p05-kb-cad.json"))
    assert dry.status_code == 200
    assert api.get("/entities", params={"project": "p05", "status": "all"}).json() == []
    summary = api.post("/ingest/kb-cad", json=_export("p05-kb-cad.json")).json()
    assert summary
    candidates = api.get("/entities", params={"project": "p05", "status": "candidate"}).json()
    assert candidates and all(e["status"] == "candidate" for e in candidates)
    assert api.get("/entities", params={"project": "p05"}).json() == []  # nothing promoted
    for entity in candidates:
        assert api.post(f"/entities/{entity['id']}/promote").status_code == 200
    active = api.get("/entities", params={"project": "p05"}).json()
    assert len(active) == len(candidates)
    shown = api.get(f"/entities/{active[0]['id']}").json()
    assert shown["entity"]["id"] == active[0]["id"]

    changed = api.post("/ingest/kb-cad", json=_export("p05-kb-cad-changed-material.json"))
    assert changed.status_code == 200
    open_conflicts = api.get("/conflicts", params={"project": "p05"}).json()
    assert len(open_conflicts) == 1
    conflict = api.get(f"/conflicts/{open_conflicts[0]['id']}").json()
    assert conflict["status"] == "open"
    resolved = api.post(
        f"/conflicts/{conflict['id']}/resolve", json={"action": "dismiss", "reason": "later"}
    ).json()
    assert resolved["status"] == "dismissed"

    catalog = api.get("/eng/queries").json()
    assert any(q["id"] == "Q-001" for q in catalog)
    result = api.post("/eng/queries/Q-004", json={"project": "p05"})
    assert result.status_code == 200


def test_entity_add_edit_relate_and_bad_input(api, p05):
    a = api.post(
        "/entities",
        json={"project": "p05", "entity_type": "Subsystem", "name": "Optics", "active": True},
    )
    assert a.status_code == 201
    b = api.post(
        "/entities", json={"project": "p05", "entity_type": "Component", "name": "Fold mirror"}
    ).json()
    assert b["status"] == "candidate"
    edited = api.put(f"/entities/{b['id']}", json={"name": "Fold mirror M2"}).json()
    assert edited["name"] == "Fold mirror M2"
    api.post(f"/entities/{b['id']}/promote")
    edge = api.post(
        "/relationships",
        json={"source": a.json()["id"], "rel_type": "contains", "target": b["id"]},
    )
    assert edge.status_code == 201
    assert api.post(f"/entities/{b['id']}/reject").status_code == 409  # not a candidate

    bad_type = api.post("/entities", json={"project": "p05", "entity_type": "Gizmo", "name": "x"})
    assert bad_type.status_code == 400
    assert api.put(f"/entities/{b['id']}", json={}).status_code == 400
    assert api.get("/entities/nope").status_code == 404
    bad_export = api.post("/ingest/kb-cad", json={"exporter": "kb-cad", "subsystems": "no"})
    assert bad_export.status_code == 400
    assert api.post("/ingest/kb-fem", content=b"not json").status_code in (400, 422)
    assert api.get("/conflicts", params={"status": "weird"}).status_code == 400
    assert api.post("/eng/queries/Q-999", json={"project": "p05"}).status_code in (400, 404)
    assert api.post("/conflicts/nope/resolve", json={"action": "dismiss"}).status_code == 404


def test_mirror_pages_as_markdown(api, p05):
    api.post(
        "/project/state",
        json={"project": "p05", "category": "decision", "key": "mount", "value": "kinematic"},
    )
    page = api.get("/mirror/p05/overview")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/markdown")
    assert "p05-interferometer" in page.text
    listed = api.get("/mirror/p05").json()
    assert any(p["page"] == "overview" for p in listed)
    assert api.post("/mirror/p05/render").status_code == 200
    missing = api.get("/mirror/p05/subsystems/nothing-here")
    assert missing.status_code == 404
    assert "overview" in missing.json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        "/mirror/p05/..%2F..%2Fconfig%2Fproject-registry",
        "/mirror/p05/../../config/project-registry",
        "/mirror/..%2Fconfig/overview",
        "/mirror/p05/subsystems/..%2F..%2F..%2Fatocore",
        "/mirror/p05/a/b/c",
    ],
)
def test_mirror_no_path_traversal(api, p05, path):
    response = api.get(path)
    assert response.status_code in (400, 404)
    assert "project-registry" not in response.text or "error" in response.json()
    assert '"projects"' not in response.text


def test_backups(api, p05):
    created = api.post("/admin/backup")
    assert created.status_code == 201
    stamp = created.json()["stamp"]
    listed = api.get("/admin/backup").json()
    assert [s["stamp"] for s in listed["snapshots"]] == [stamp]
    assert api.get(f"/admin/backup/{stamp}/validate").json()["valid"] is True
    assert api.get("/admin/backup/20000101T000000Z/validate").status_code == 404
    assert api.get("/admin/backup/..%2F..%2Fetc/validate").status_code in (400, 404)
