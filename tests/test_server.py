"""HTTP API core: error edge, auth, body limit, health/projects/state routes."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient
from serverproc import live_server

from atocore.errors import InvalidInput
from atocore.server.app import create_app
from atocore.server.security import is_loopback


def test_health_reports_version_and_paths(api, data_dir):
    body = api.get("/health").json()
    assert body["status"] == "ok"
    assert body["code_version"] == body["version"]
    assert body["data_dir"] == str(data_dir.absolute())
    assert body["initialized"] is True
    assert "build_sha" in body


def test_status_matches_cli_status(api, cli):
    assert api.get("/status").json()["schema_version"] == cli.json("status")["schema_version"]


def test_sources_and_stats(api, registered_project, tmp_path):
    vault = tmp_path / "vault"
    registered_project(project_id="p05", aliases=(), root=vault / "p05", source="vault")
    rows = api.get("/sources").json()
    assert rows == [
        {
            "project": "p05",
            "source": "vault",
            "subpath": "p05",
            "path": str((vault / "p05").resolve()),
            "exists": True,
            "documents": 0,
            "chunks": 0,
            "last_ingested": None,
        }
    ]
    # the same shapes as `atocore --json sources` / `stats` (what is ingested, per project)
    stats = api.get("/stats").json()
    assert (stats["documents"], stats["projects"]) == (0, [])


def test_projects_register_show_update(api, p05):
    listed = api.get("/projects").json()
    assert [p["id"] for p in listed] == ["p05-interferometer"]
    shown = api.get("/projects/p05").json()  # alias resolves
    assert shown["id"] == "p05-interferometer"
    assert shown["resolved_roots"] == []
    created = api.post(
        "/projects/register", json={"project_id": "p06-polisher", "aliases": ["p06"]}
    )
    assert created.status_code == 201
    updated = api.put("/projects/p06", json={"description": "polishing cell"}).json()
    assert updated["description"] == "polishing cell"
    assert api.post("/projects/detect", json={"text": "how is p06 doing"}).json() == {
        "project": "p06-polisher"
    }
    assert api.get("/projects/template").json()["projects"][0]["id"]


def test_projects_bad_input(api, p05):
    clash = api.post("/projects/register", json={"project_id": "other", "aliases": ["p05"]})
    assert clash.status_code == 409
    assert clash.json()["error"]["code"] == "conflict"
    bad_id = api.post("/projects/proposal", json={"project_id": "Bad Id!"})
    assert bad_id.status_code == 400
    assert "project id" in bad_id.json()["error"]["message"]
    missing = api.get("/projects/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    extra = api.post("/projects/register", json={"project_id": "x", "surprise": 1})
    assert extra.status_code == 422
    assert extra.json()["error"]["code"] == "invalid_input"


@pytest.mark.parametrize("name", ["..", "..%2F..%2Fetc", ".hidden", "a%00b", "a%5Cb"])
def test_no_path_traversal_through_project_names(api, name):
    response = api.get(f"/projects/{name}")
    assert response.status_code in (400, 404)
    assert "error" in response.json()
    response = api.get(f"/project/state/{name}")
    assert response.status_code in (400, 404)


def test_state_round_trip_through_alias(api, p05):
    set_ = api.post(
        "/project/state",
        json={"project": "p05", "category": "decision", "key": "mount", "value": "kinematic"},
    )
    assert set_.status_code == 200
    assert set_.json()["project"] == "p05-interferometer"
    rows = api.get("/project/state/interferometer").json()
    assert [(r["key"], r["value"]) for r in rows] == [("mount", "kinematic")]
    gone = api.request(
        "DELETE",
        "/project/state",
        json={"project": "p05", "category": "decision", "key": "mount"},
    )
    assert gone.json()["status"] == "superseded"
    assert api.get("/project/state/p05").json() == []
    history = api.get("/project/state/p05", params={"all": "true"}).json()
    assert len(history) == 1


def test_state_bad_input_writes_nothing(api, p05):
    bad = api.post(
        "/project/state",
        json={"project": "p05", "category": "rumour", "key": "k", "value": "v"},
    )
    assert bad.status_code == 400
    assert "invalid category" in bad.json()["error"]["message"]
    missing = api.post(
        "/project/state/invalidate",
        json={"project": "p05", "category": "decision", "key": "absent"},
    )
    assert missing.status_code == 404
    assert api.get("/project/state/p05", params={"all": "true"}).json() == []
    not_json = api.post(
        "/project/state", content=b"{broken", headers={"content-type": "application/json"}
    )
    assert not_json.status_code == 422
    assert not_json.json()["error"]["code"] == "invalid_input"


def test_unknown_route_is_json_404(api):
    response = api.get("/no/such/route")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_body_size_limit(monkeypatch, data_dir, projects):
    projects("p")
    monkeypatch.setenv("ATOCORE_MAX_BODY_BYTES", "200")
    with TestClient(create_app(warm=False), base_url="http://127.0.0.1") as client:
        big = {"project": "p", "category": "fact", "key": "k", "value": "x" * 500}
        response = client.post("/project/state", json=big)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"

        def chunks():  # no Content-Length: the streamed body is counted
            yield b'{"project": "p", "category": "fact", "key": "k", "value": "'
            yield b"x" * 500
            yield b'"}'

        streamed = client.post(
            "/project/state", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        small = client.post(
            "/project/state", json={"project": "p", "category": "fact", "key": "k", "value": "v"}
        )
        assert small.status_code == 200


@pytest.mark.parametrize(
    "host,expected",
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("10.1.2.3", False),
    ],
)
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


def test_non_loopback_bind_requires_token(monkeypatch, data_dir):
    monkeypatch.delenv("ATOCORE_API_TOKEN", raising=False)
    with pytest.raises(InvalidInput, match="ATOCORE_API_TOKEN"):
        create_app(host="0.0.0.0", warm=False)


def test_non_loopback_bind_refused_by_cli(cli, monkeypatch):
    monkeypatch.delenv("ATOCORE_API_TOKEN", raising=False)
    result = cli("serve", "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "ATOCORE_API_TOKEN" in result.output


def test_token_required_on_every_request(monkeypatch, data_dir, p05):
    monkeypatch.setenv("ATOCORE_API_TOKEN", "s3cret-token")
    with TestClient(
        create_app(host="0.0.0.0", warm=False), base_url="http://localhost:8100"
    ) as client:
        for path in ("/health", "/projects", "/project/state/p05", "/openapi.json"):
            denied = client.get(path)
            assert denied.status_code == 401, path
            assert denied.json()["error"]["code"] == "unauthorized"
        wrong = client.get("/projects", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        basic = client.get("/projects", headers={"Authorization": "Basic s3cret-token"})
        assert basic.status_code == 401
        ok = client.get("/projects", headers={"Authorization": "Bearer s3cret-token"})
        assert ok.status_code == 200
        write = client.post(
            "/project/state",
            json={"project": "p05", "category": "fact", "key": "k", "value": "v"},
        )
        assert write.status_code == 401


def test_real_socket_server(data_dir, p05):
    with live_server() as url:
        health = httpx.get(f"{url}/health", timeout=10).json()
        assert health["status"] == "ok"
        assert health["data_dir"] == str(data_dir.absolute())
        response = httpx.post(
            f"{url}/project/state",
            json={"project": "p05", "category": "status", "key": "phase", "value": "build"},
            timeout=10,
        )
        assert response.status_code == 200
        rows = httpx.get(f"{url}/project/state/p05", timeout=10).json()
        assert rows[0]["value"] == "build"
        from atocore.ops.locks import running_processes

        assert "serve" in {p.name for p in running_processes()}  # restore would refuse


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/status"),
        ("GET", "/sources"),
        ("POST", "/projects/detect"),
        ("GET", "/project/state/p05"),
        ("POST", "/query"),
        ("POST", "/context/build"),
        ("GET", "/debug/context"),
        ("POST", "/interactions"),
        ("GET", "/interactions"),
        ("POST", "/hooks/prompt"),
        ("POST", "/hooks/session-start"),
        ("GET", "/memory"),
        ("POST", "/memory"),
        ("GET", "/entities"),
        ("POST", "/ingest/kb-cad"),
        ("GET", "/conflicts"),
        ("GET", "/mirror/p05/overview"),
        ("POST", "/admin/backup"),
        ("GET", "/admin/backup"),
    ],
)
def test_every_route_group_needs_the_token(monkeypatch, data_dir, p05, method, path):
    monkeypatch.setenv("ATOCORE_API_TOKEN", "s3cret-token")
    with TestClient(
        create_app(host="10.0.0.5", warm=False), base_url="http://10.0.0.5:8100"
    ) as client:
        response = client.request(method, path, json={})
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
        authed = client.request(
            method, path, json={}, headers={"Authorization": "Bearer s3cret-token"}
        )
        assert authed.status_code != 401


def test_writes_queue_a_mirror_regeneration(api, p05):
    from atocore.mirror import scheduler

    assert scheduler.current() is not None  # started by the app's lifespan
    assert scheduler.current().pending() == {}
    api.post(
        "/project/state",
        json={"project": "p05", "category": "status", "key": "phase", "value": "build"},
    )
    assert "p05-interferometer" in scheduler.current().pending()


def test_openapi_documents_request_and_response_models(api):
    spec = api.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in (
        "SetStateBody",
        "BuildContextBody",
        "CaptureInteractionBody",
        "StateEntry",
        "ContextPack",
        "Memory",
    ):
        assert name in schemas, name
    assert "/context/build" in spec["paths"] and "/mirror/{project}/{page}" in spec["paths"]
    assert api.get("/docs").status_code == 200
