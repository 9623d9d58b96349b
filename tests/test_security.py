"""Security model through the real app: named sources only, subpaths stay inside,
the Host allow-list, and symlinked files that point out of a root.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from factories import write_notes
from fastapi.testclient import TestClient

from atocore.server.app import create_app


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return write_notes(tmp_path / "vault", {"p05/note.md": "# Mount\n\nThe mount is invar.\n"})


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nplanted-secret-token-xyzzy\n")
    return outside


@pytest.fixture
def api(registry, vault):
    registry([], sources={"vault": str(vault)})
    with TestClient(create_app(warm=False), base_url="http://127.0.0.1:8100") as client:
        yield client


def _register(api, roots, project_id="p07-probe"):
    return api.post("/projects/register", json={"project_id": project_id, "ingest_roots": roots})


def test_http_register_refuses_a_path_source(api, secret):
    response = _register(api, [{"source": str(secret)}])
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert "named source" in response.json()["error"]["message"]
    assert api.get("/projects").json() == []  # nothing registered


def test_http_register_accepts_a_named_source(api):
    response = _register(api, [{"source": "vault", "subpath": "p05"}])
    assert response.status_code == 201, response.text


def test_http_update_refuses_a_new_path_source(api, secret):
    assert _register(api, [{"source": "vault", "subpath": "p05"}]).status_code == 201
    response = api.put("/projects/p07-probe", json={"ingest_roots": [{"source": str(secret)}]})
    assert response.status_code == 403
    assert api.get("/projects/p07-probe").json()["ingest_roots"][0]["source"] == "vault"


@pytest.mark.parametrize("subpath", ["../private", "p05/../../private", "/etc", "..", "a/../.."])
def test_subpath_cannot_leave_its_source(api, subpath):
    response = _register(api, [{"source": "vault", "subpath": subpath}])
    assert response.status_code in (400, 422), subpath  # refused by the model or the service
    assert "subpath" in response.json()["error"]["message"]


def test_subpath_is_normalised(api):
    response = _register(api, [{"source": "vault", "subpath": "./p05//notes/./"}])
    assert response.json()["ingest_roots"][0]["subpath"] == "p05/notes"


def test_planted_secret_is_never_read_over_http(api, secret):
    """The attack from the issue: register a path, refresh, query the secret back."""
    _register(api, [{"source": str(secret)}])
    _register(api, [{"source": "vault", "subpath": "../private"}], "p08-probe")
    for name in ("p07-probe", "p08-probe"):
        assert api.post(f"/projects/{name}/refresh").status_code == 404
    hits = api.post("/query", json={"query": "planted-secret-token-xyzzy", "mode": "fts"})
    assert "xyzzy" not in hits.text


def test_operator_can_allow_paths(monkeypatch, api, secret):
    monkeypatch.setenv("ATOCORE_ALLOW_REMOTE_PATHS", "1")
    assert _register(api, [{"source": str(secret)}]).status_code == 201


def test_local_cli_may_still_register_a_path(cli, secret):
    result = cli("projects", "register", "p07-probe", "--root", str(secret))
    assert result.exit_code == 0, result.output


def test_cli_refuses_dotdot_subpath(cli):
    result = cli("projects", "register", "p07-probe", "--root", "vault:../../etc")
    assert result.exit_code == 2
    assert "subpath" in result.output


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8100", "localhost", "LOCALHOST:1", "[::1]:8100", "[::1]"]
)
def test_loopback_hosts_are_allowed(api, host):
    assert api.get("/health", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8100", "127.0.0.2.nip.io"])
def test_other_hosts_are_refused(api, host):
    response = api.get("/projects", headers={"Host": host})
    assert response.status_code == 421
    assert response.json()["error"]["code"] == "wrong_host"
    write = api.post("/projects/register", json={"project_id": "p09"}, headers={"Host": host})
    assert write.status_code == 421


def test_configured_and_bind_hosts(monkeypatch, registry):
    registry([])
    monkeypatch.setenv("ATOCORE_ALLOWED_HOSTS", "atocore.lan, box")
    monkeypatch.setenv("ATOCORE_API_TOKEN", "t0ken")
    auth = {"Authorization": "Bearer t0ken"}
    with TestClient(create_app(host="10.0.0.5", warm=False)) as client:
        for host in ("atocore.lan:8100", "box", "10.0.0.5:8100", "localhost"):
            assert client.get("/health", headers={**auth, "Host": host}).status_code == 200
        assert client.get("/health", headers={**auth, "Host": "evil"}).status_code == 421


def test_symlinked_file_out_of_the_root_is_not_ingested(
    conn, vault, secret, tmp_path, registered_project, embedder
):
    from atocore.ingest.pipeline import ingest_all

    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "common.md").write_text("# Common\n\nShared notes.\n")
    os.symlink(secret / "secret.md", vault / "p05" / "leak.md")  # a file out of the root
    os.symlink(vault / "p05" / "note.md", vault / "p05" / "alias.md")  # inside: followed
    os.symlink(shared, vault / "p05" / "shared")  # a symlinked folder stays supported
    registered_project(project_id="p05-x", aliases=(), root=vault / "p05", source="vault")
    ingest_all(conn, embedder=embedder)
    paths = {Path(r[0]).name for r in conn.execute("SELECT path FROM source_documents")}
    assert paths == {"note.md", "common.md"}  # files are stored under their real path


def test_detect_with_a_nul_in_cwd_is_400_not_500(api):
    """Found by the schema-driven fuzz run (ATOCORE_FUZZ_EXAMPLES=25)."""
    response = api.post("/projects/detect", json={"text": "x", "cwd": "/tmp/a\x00b"})
    assert response.status_code == 400
    assert "working directory" in response.json()["error"]["message"]
