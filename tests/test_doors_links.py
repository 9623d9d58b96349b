"""`atocore links`: a note's wikilinks and backlinks, through each door."""

from __future__ import annotations

import pytest
from serverproc import live_server


@pytest.fixture
def linked(cli, registry, tmp_path):
    root = tmp_path / "vault"
    root.mkdir()
    (root / "motor.md").write_text(
        "---\naliases: [drive motor]\n---\n# Motor\n\nThe motor drives the wheels.\n"
    )
    (root / "robot.md").write_text("# Robot\n\nIt uses the [[drive motor]] and [[gearbox]].\n")
    registry(
        [{"id": "bot", "aliases": [], "description": "", "ingest_roots": [{"source": str(root)}]}]
    )
    assert cli("init").exit_code == 0
    assert cli("ingest").exit_code == 0
    return root


def _shape(data: dict) -> tuple:
    return (
        data["note"]["title"],
        [(link["target"], (link["note"] or {}).get("title")) for link in data["links"]],
        [link["note"]["title"] for link in data["backlinks"]],
    )


def test_links_and_backlinks_through_every_door(cli, linked, embedder):
    robot = cli.json("links", "Robot")
    assert _shape(robot) == ("Robot", [("drive motor", "Motor"), ("gearbox", None)], [])
    motor = cli.json("links", "drive motor")
    assert _shape(motor) == ("Motor", [], ["Robot"])
    with live_server() as url:
        assert cli.json("--url", url, "links", "drive motor") == motor
    assert cli("links", "no such note").exit_code == 2
