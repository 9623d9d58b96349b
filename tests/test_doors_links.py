"""`atocore links`: a note's wikilinks and backlinks, through each door."""

from __future__ import annotations

import pytest
from factories import frontmatter
from serverproc import live_server


@pytest.fixture
def linked(cli, registered_project, tmp_path):
    root = registered_project(
        {
            "motor.md": frontmatter(aliases=["drive motor"])
            + "# Motor\n\nThe motor drives the wheels.\n",
            "robot.md": "# Robot\n\nIt uses the [[drive motor]] and [[gearbox]].\n",
        },
        project_id="bot",
        aliases=(),
        root=tmp_path / "vault",
        description="",
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
