"""`atocore --url URL mirror list|show` read the pages through a real server."""

from __future__ import annotations

import mirror_fixture as fx
from serverproc import live_server


def test_list_and_show_through_a_server(cli, mirror_project, data_dir, monkeypatch):
    local_list = cli.json("mirror", "list", "p05")  # renders nothing: empty
    assert local_list == []
    cli.json("mirror", "render", "p05")
    local_list = cli.json("mirror", "list", "p05")
    with live_server() as url:
        assert cli.json("--url", url, "mirror", "list", "p05") == local_list
        raw = cli("--url", url, "mirror", "show", "p05", "subsystems/lateral-support", "--raw")
        assert raw.exit_code == 0, raw.output
        page = data_dir / "mirror" / fx.PROJECT / "subsystems" / "lateral-support.md"
        assert raw.stdout == page.read_text()
        shown = cli.json("--url", url, "mirror", "show", "p05", "decisions")
        assert shown["checksum"] == local_list[1]["checksum"]
        assert shown["regenerated"] == local_list[1]["regenerated"]
        missing = cli("--url", url, "mirror", "show", "p05", "no-such-page")
        assert missing.exit_code == 2
