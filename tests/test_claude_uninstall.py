"""`atocore claude uninstall` removes exactly what install added; re-install is quiet."""

from __future__ import annotations

import json
from pathlib import Path

from atocore.hooks.install import MANIFEST, SERVICE_NAME

USER_SETTINGS = {
    "model": "opus",
    "env": {"FOO": "1"},
    "permissions": {"allow": ["Bash(ls:*)"]},
    "hooks": {
        "Stop": [{"matcher": "", "hooks": [{"type": "command", "command": "notify-send done"}]}],
        "PreToolUse": [{"matcher": "Bash", "hooks": [{"type": "command", "command": "guard.sh"}]}],
    },
}


def _project(tmp_path: Path, settings: dict | None = None) -> Path:
    project = tmp_path / "proj"
    (project / ".claude" / "commands").mkdir(parents=True)
    (project / ".claude" / "commands" / "mine.md").write_text("my own command\n")
    if settings is not None:
        (project / ".claude" / "settings.json").write_text(json.dumps(settings, indent=1))
    return project


def _backups(project: Path) -> list[Path]:
    return sorted((project / ".claude").glob("settings.json.bak-*"))


def test_uninstall_restores_the_users_settings_exactly(cli, tmp_path, data_dir):
    project = _project(tmp_path, USER_SETTINGS)
    (project / ".mcp.json").write_text(json.dumps({"mcpServers": {"other": {"command": "x"}}}))
    cli.json("claude", "install", "--project-dir", project, "--url", "http://box:8100", "--mcp")
    installed = json.loads((project / ".claude" / "settings.json").read_text())
    assert installed["env"]["ATOCORE_URL"] == "http://box:8100"
    assert (project / ".claude" / MANIFEST).exists()

    report = cli.json("claude", "uninstall", "--project-dir", project)
    assert json.loads((project / ".claude" / "settings.json").read_text()) == USER_SETTINGS
    assert json.loads((project / ".mcp.json").read_text()) == {
        "mcpServers": {"other": {"command": "x"}}
    }
    left = sorted(p.name for p in (project / ".claude").rglob("*") if "bak-" not in p.name)
    assert left == ["commands", "mine.md", "settings.json"]
    assert report["kept_edited"] == []
    # nothing left to remove: a second uninstall changes nothing
    again = cli.json("claude", "uninstall", "--project-dir", project)
    assert again["removed"] == [] and again["backup_path"] is None


def test_uninstall_of_a_fresh_install_leaves_no_settings_behind(cli, tmp_path, data_dir):
    project = tmp_path / "proj"
    project.mkdir()
    cli.json("claude", "install", "--project-dir", project, "--mcp")
    cli.json("claude", "uninstall", "--project-dir", project)
    assert json.loads((project / ".claude" / "settings.json").read_text()) == {}
    assert not (project / ".mcp.json").exists()
    assert not (project / ".claude" / "commands").exists()


def test_uninstall_keeps_an_edited_command_and_a_changed_env_value(cli, tmp_path, data_dir):
    project = _project(tmp_path, {"env": {"ATOCORE_URL": "http://old:1"}})
    cli.json("claude", "install", "--project-dir", project, "--url", "http://new:2")
    edited = project / ".claude" / "commands" / "atocore-context.md"
    edited.write_text("my edit\n")
    report = cli.json("claude", "uninstall", "--project-dir", project)
    assert report["kept_edited"] == [str(edited)]
    assert edited.read_text() == "my edit\n"
    # the value install replaced comes back
    assert json.loads((project / ".claude" / "settings.json").read_text()) == {
        "env": {"ATOCORE_URL": "http://old:1"}
    }


def test_reinstall_without_change_writes_no_backup(cli, tmp_path, data_dir):
    project = _project(tmp_path, USER_SETTINGS)
    first = cli.json("claude", "install", "--project-dir", project)
    assert first["backup_path"] is not None and len(_backups(project)) == 1
    before = (project / ".claude" / "settings.json").stat().st_mtime_ns
    second = cli.json("claude", "install", "--project-dir", project)
    assert second["backup_path"] is None and len(_backups(project)) == 1
    assert (project / ".claude" / "settings.json").stat().st_mtime_ns == before
    # a real change (another server) does back up
    third = cli.json("claude", "install", "--project-dir", project, "--port", "8200")
    assert third["backup_path"] is not None and len(_backups(project)) == 2


def test_switching_from_url_to_the_local_server_drops_the_env_url(cli, tmp_path, data_dir):
    project = _project(tmp_path, {})
    cli.json("claude", "install", "--project-dir", project, "--url", "http://box:8100")
    report = cli.json("claude", "install", "--project-dir", project)
    assert report["server_mode"] == "autostart" and report["url"] is None
    assert "env" not in json.loads((project / ".claude" / "settings.json").read_text())


def test_service_writes_a_user_unit_and_uninstall_removes_it(cli, tmp_path, monkeypatch, data_dir):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    project = _project(tmp_path, {})
    report = cli.json("claude", "install", "--project-dir", project, "--service", "--port", "8111")
    unit = tmp_path / "xdg" / "systemd" / "user" / SERVICE_NAME
    assert report["service_unit"] == str(unit)
    text = unit.read_text()
    assert "serve --host 127.0.0.1 --port 8111" in text
    assert f'Environment="ATOCORE_DATA_DIR={data_dir}"' in text
    # the service keeps the server up: the hooks do not start their own
    assert "ATOCORE_AUTOSTART" not in report["hooks"]["UserPromptSubmit"]
    assert "ATOCORE_URL=http://127.0.0.1:8111" in report["hooks"]["UserPromptSubmit"]
    cli.json("claude", "uninstall", "--project-dir", project)
    assert not unit.exists()


def test_service_with_url_is_refused(cli, tmp_path):
    project = _project(tmp_path, {})
    result = cli("claude", "install", "--project-dir", project, "--service", "--url", "http://b:1")
    assert result.exit_code == 2 and "--service" in result.output
    assert (project / ".claude" / "settings.json").read_text() == "{}"
    assert not (project / ".claude" / MANIFEST).exists()


def test_user_level_uninstall_keeps_other_settings(cli, tmp_path, monkeypatch, data_dir):
    home = tmp_path / "home"
    (home / ".claude").mkdir(parents=True)
    (home / ".claude" / "settings.json").write_text(json.dumps(USER_SETTINGS))
    monkeypatch.setenv("HOME", str(home))
    cli.json("claude", "install")
    cli.json("claude", "uninstall")
    assert json.loads((home / ".claude" / "settings.json").read_text()) == USER_SETTINGS
