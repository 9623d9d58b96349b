"""`atocore claude install`: merge into settings.json, back up, copy commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from factories import HOOK, run_hook

import atocore.hooks
from atocore.hooks.install import COMMANDS_DIR, HOOK_EVENTS


def _settings(project: Path) -> dict:
    return json.loads((project / ".claude" / "settings.json").read_text())


def test_install_into_fresh_project(cli, tmp_path, data_dir):
    project = tmp_path / "proj"
    project.mkdir()
    report = cli.json("claude", "install", "--project-dir", project, "--command", "atocore")
    assert report["backup_path"] is None
    settings = _settings(project)
    env = f"ATOCORE_DATA_DIR={data_dir}"
    warm = f"{env} ATOCORE_URL=http://127.0.0.1:8100 ATOCORE_AUTOSTART=1"
    expected = {
        "session-start": f"{warm} atocore hook session-start",
        "prompt": f"{warm} atocore hook prompt",
        "stop": f"{env} atocore hook stop",  # captures into the data dir, never waits
    }
    for event, (name, _timeout) in HOOK_EVENTS.items():
        (group,) = settings["hooks"][event]
        assert group["hooks"][0]["command"] == expected[name]
        assert group["hooks"][0]["type"] == "command"
    names = sorted(Path(c).name for c in report["commands"])
    assert names == ["atocore-context.md", "atocore-mirror.md", "atocore-review.md"]
    for name in names:
        copied = project / ".claude" / "commands" / name
        assert copied.read_text() == (COMMANDS_DIR / name).read_text()


def test_install_merges_keeps_other_hooks_and_backs_up(cli, tmp_path):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    original = {
        "model": "opus",
        "permissions": {"allow": ["Bash(ls:*)"]},
        "hooks": {
            "Stop": [
                {"matcher": "", "hooks": [{"type": "command", "command": "notify-send done"}]},
                {"hooks": [{"type": "command", "command": "/old/bin/atocore hook stop"}]},
            ],
            "PreToolUse": [
                {"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}
            ],
        },
    }
    path = project / ".claude" / "settings.json"
    path.write_text(json.dumps(original))
    report = cli.json("claude", "install", "--project-dir", project, "--command", "/new/atocore")
    assert json.loads(Path(report["backup_path"]).read_text()) == original
    settings = _settings(project)
    assert settings["model"] == "opus"
    assert settings["permissions"] == original["permissions"]
    assert settings["hooks"]["PreToolUse"] == original["hooks"]["PreToolUse"]
    stop_commands = [h["command"] for g in settings["hooks"]["Stop"] for h in g["hooks"]]
    assert stop_commands[0] == "notify-send done"
    assert stop_commands[1].endswith(" /new/atocore hook stop") and len(stop_commands) == 2
    # idempotent: a second run does not duplicate entries
    cli.json("claude", "install", "--project-dir", project, "--command", "/new/atocore")
    again = _settings(project)
    assert again["hooks"] == settings["hooks"]


def test_install_refuses_broken_settings(cli, tmp_path):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    path = project / ".claude" / "settings.json"
    path.write_text("{not json")
    result = cli("claude", "install", "--project-dir", project)
    assert result.exit_code == 2
    assert "not valid JSON" in result.output
    assert path.read_text() == "{not json"
    assert list((project / ".claude").iterdir()) == [path]


@pytest.mark.parametrize("content", ['{"hooks": []}', '{"hooks": {"Stop": {}}}', "[1]"])
def test_install_refuses_wrong_shapes(cli, tmp_path, content):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "settings.json").write_text(content)
    result = cli("claude", "install", "--project-dir", project)
    assert result.exit_code == 2
    assert (project / ".claude" / "settings.json").read_text() == content
    assert len(list((project / ".claude").iterdir())) == 1  # no backup, nothing written


def test_install_missing_project_dir(cli, tmp_path):
    result = cli("claude", "install", "--project-dir", tmp_path / "absent")
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_default_command_runs_the_fast_hook_entry(cli, tmp_path, data_dir):
    project = tmp_path / "proj"
    project.mkdir()
    report = cli.json("claude", "install", "--project-dir", project)
    command = report["hooks"]["Stop"]
    launcher = Path(atocore.hooks.__file__).with_name("launch.py")
    assert command.endswith(f"{sys.executable} -S {launcher} stop")
    assert report["hooks"]["UserPromptSubmit"].endswith(f"{launcher} prompt")
    # the installed command really runs (through a shell, as Claude Code does) and fails open
    done = subprocess.run(
        command, shell=True, input="not json", capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and done.stdout == ""
    # ...and its handler ran: the launcher loaded the installed libraries it needs
    assert "stop: JSONDecodeError" in done.stderr, done.stderr
    # re-installing with the CLI form replaces the fast entries instead of adding to them
    cli.json("claude", "install", "--project-dir", project, "--command", "atocore")
    groups = _settings(project)["hooks"]["UserPromptSubmit"]
    commands = [h["command"] for g in groups for h in g["hooks"]]
    assert len(commands) == 1 and commands[0].endswith(" atocore hook prompt")


@pytest.mark.parametrize("args", [[], ["nope"], ["stop", "extra"]])
def test_fast_entry_bad_usage_exits_zero(args):
    done = run_hook([*HOOK, *args], "{}")
    assert done.returncode == 0
    assert "usage" in done.stderr


def test_install_mcp_merges_project_config(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {"other": {"command": "x"}}}))
    report = cli.json("claude", "install", "--project-dir", project, "--mcp")
    config = json.loads(Path(report["mcp_config"]).read_text())
    assert config["mcpServers"]["other"] == {"command": "x"}
    assert config["mcpServers"]["atocore"]["args"] == ["-m", "atocore", "mcp"]
    assert config["mcpServers"]["atocore"]["env"] == {"ATOCORE_DATA_DIR": report["data_dir"]}


def test_install_mcp_without_project_dir_uses_the_current_directory(
    cli, tmp_path, monkeypatch, data_dir
):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    report = cli.json("claude", "install", "--mcp", "--url", "http://127.0.0.1:9")
    assert report["mcp_config"] == str(work / ".mcp.json")
    assert report["settings_path"] == str(home / ".claude" / "settings.json")
    server = json.loads((work / ".mcp.json").read_text())["mcpServers"]["atocore"]
    assert server["env"] == {"ATOCORE_DATA_DIR": str(data_dir), "ATOCORE_URL": "http://127.0.0.1:9"}


def test_install_url_sets_session_env(cli, tmp_path):
    project = tmp_path / "proj"
    (project / ".claude").mkdir(parents=True)
    (project / ".claude" / "settings.json").write_text(json.dumps({"env": {"FOO": "1"}}))
    cli.json("claude", "install", "--project-dir", project, "--url", "http://box:8100/")
    assert _settings(project)["env"] == {"FOO": "1", "ATOCORE_URL": "http://box:8100"}
    bad = cli("claude", "install", "--project-dir", project, "--url", "box:8100")
    assert bad.exit_code == 2
    assert _settings(project)["env"]["ATOCORE_URL"] == "http://box:8100"
