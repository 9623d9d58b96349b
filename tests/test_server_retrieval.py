"""HTTP: ingest/refresh, query, context/build, debug/context against a tiny vault."""

from __future__ import annotations

import pytest
from factories import MOUNT_NOTE


@pytest.fixture
def vault(registered_project):
    return registered_project(
        {
            "mount.md": MOUNT_NOTE,
            "laser.md": "# Laser\n\nA HeNe laser at 633 nm feeds the interferometer.\n",
        }
    )


@pytest.mark.usefixtures("embedder")  # ingests and embeds: slow
def test_refresh_query_and_context(api, vault):
    report = api.post("/projects/p05/refresh", json={}).json()
    assert report["added"] == 2
    again = api.post("/ingest/sources").json()
    assert again["unchanged"] == 2 and again["added"] == 0

    result = api.post("/query", json={"query": "kinematic mount", "project": "p05"}).json()
    assert result["hits"][0]["source"].endswith("mount.md")
    assert result["project"] == "p05-interferometer"
    bm25 = api.post("/query", json={"query": "HeNe laser", "mode": "bm25", "top_k": 1}).json()
    assert len(bm25["hits"]) == 1 and "laser" in bm25["hits"][0]["source"]

    api.post(
        "/project/state",
        json={"project": "p05", "category": "decision", "key": "mount", "value": "kinematic"},
    )
    pack = api.post(
        "/context/build", json={"prompt": "what mount holds the mirror?", "project": "p05"}
    ).json()
    assert pack["project"] == "p05-interferometer"
    assert pack["chars_used"] <= pack["budget"] == 3000
    text = pack["formatted_context"]
    assert text.index("mount: kinematic") < text.index("kinematic mount with three balls")
    last = api.get("/debug/context").json()
    assert last["prompt"] == "what mount holds the mirror?"
    audit = api.post("/query/audit", json={"query": "laser", "project": "p05"}).json()
    assert "verdict" in audit


def test_retrieval_bad_input(api, vault):
    assert api.get("/debug/context").status_code == 404
    assert api.post("/query", json={"query": ""}).status_code == 422
    bad_mode = api.post("/query", json={"query": "x", "mode": "psychic"})
    assert bad_mode.status_code == 422  # a closed set, refused by the schema
    assert "hybrid" in bad_mode.json()["error"]["message"]
    assert api.post("/query", json={"query": "x", "top_k": 0}).status_code == 422
    assert api.post("/context/build", json={"prompt": "x", "budget": 0}).status_code == 422
    assert api.post("/context/build", json={"prompt": "   "}).status_code == 400
    assert api.post("/projects/unknown/refresh").status_code == 404
    assert api.post("/ingest/sources", json={"paths": ["/etc"]}).status_code == 422
