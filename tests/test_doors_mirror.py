"""Mirror operations through every door: CLI local, CLI ``--url`` against a real
server, and that server's HTTP routes give the same JSON (and the same text)."""

from __future__ import annotations

import functools
import json

import httpx
import mirror_fixture as fx
from doors import DEAD, Doors, stable
from serverproc import live_server

VOLATILE = {"rendered_at", "regenerated", "checksum"}


_stable = functools.partial(stable, volatile=VOLATILE)


def test_mirror_through_every_door(cli, mirror_project, data_dir):
    with live_server() as url:
        doors = Doors(cli, url)
        rendered = doors.remote_json("mirror", "render", "p05")  # the server renders
        assert set(rendered) == {"rendered_at", "projects", "failures"}
        assert rendered["projects"][0]["written"] > 0
        http_render = httpx.post(f"{url}/mirror/p05/render", json={}, timeout=30).json()
        assert _stable(http_render) == _stable(doors.local_json("mirror", "render", "p05"))
        assert http_render["projects"][0]["unchanged"] > 0
        everything = doors.remote_json("mirror", "render", "--all")
        assert [p["project"] for p in everything["projects"]] == [fx.PROJECT]

        listed = doors.local_json("mirror", "list", "p05")
        assert doors.remote_json("mirror", "list", "p05") == listed
        assert httpx.get(f"{url}/mirror/p05", timeout=30).json() == listed

        for page in ("overview", "decisions", "subsystems/lateral-support"):
            local = doors.local_json("mirror", "show", "p05", page)
            assert doors.remote_json("mirror", "show", "p05", page) == local, page
            http = httpx.get(f"{url}/mirror/p05/pages/{page}", timeout=30).json()
            assert http == local, page
            text = httpx.get(f"{url}/mirror/p05/{page}", timeout=30)
            assert text.headers["content-type"].startswith("text/markdown")
            assert text.text == local["markdown"]
            raw = doors.remote("mirror", "show", "p05", page, "--raw")
            assert raw.stdout == doors.local("mirror", "show", "p05", page, "--raw").stdout

        failures = doors.remote_json("mirror", "failures")
        assert failures == doors.local_json("mirror", "failures") == []
        assert httpx.get(f"{url}/mirror-failures", timeout=30).json() == []
        assert httpx.get(f"{url}/mirror-failures", params={"limit": 0}).status_code == 422
        assert doors.remote("mirror", "render", "../x").exit_code == 2
        bad = doors.remote("--json", "mirror", "render", "x y")
        assert bad.exit_code == 2
        local_bad = doors.local("--json", "mirror", "render", "x y")
        assert json.loads(bad.stdout) == json.loads(local_bad.stdout)
        missing = doors.remote("mirror", "show", "p05", "no-such-page")
        assert missing.exit_code == 2 and "overview" in missing.output


def test_unreachable_server_renders_nothing(cli, mirror_project, data_dir):
    result = Doors(cli).remote("mirror", "render", "p05", url=DEAD)
    assert result.exit_code == 1 and "cannot reach" in result.output
    assert not (data_dir / "mirror").exists()
