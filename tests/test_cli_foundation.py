"""CLI conventions: init/status/projects/state, --json shapes, exit codes."""

from __future__ import annotations

import json

import typer


def test_init_is_idempotent(cli, data_dir):
    first = cli.json("init")
    assert first["migrations_applied"]
    assert (data_dir / "atocore.db").exists()
    for sub in ("config", "mirror", "backups/snapshots", "models", "logs"):
        assert (data_dir / sub).is_dir()
    second = cli.json("init")
    assert second["migrations_applied"] == []
    assert second["schema_version"] == first["schema_version"]


def test_status_json_shape(cli, p05):
    cli("init")
    report = cli.json("status")
    for key in (
        "version",
        "build_sha",
        "data_dir",
        "db_path",
        "registry_path",
        "schema_version",
        "counts",
        "embedding",
        "vector_search",
        "projects",
    ):
        assert key in report
    assert report["initialized"] is True
    assert report["vector_search"]["available"] is True
    assert report["projects"][0]["id"] == "p05-interferometer"


def test_status_before_init_does_not_create_anything(cli, data_dir):
    report = cli.json("status")
    assert report["initialized"] is False
    assert not (data_dir / "atocore.db").exists()


def test_global_data_dir_option(cli, tmp_path):
    other = tmp_path / "elsewhere"
    result = cli("--data-dir", other, "init")
    assert result.exit_code == 0, result.output
    assert (other / "atocore.db").exists()


def test_projects_and_state_round_trip_with_aliases(cli):
    cli("init")
    out = cli.json("projects", "register", "p05-interferometer", "-a", "p05", "-d", "stand")
    assert out["id"] == "p05-interferometer"
    assert cli.json("projects", "show", "P05")["id"] == "p05-interferometer"
    assert [p["id"] for p in cli.json("projects", "list")] == ["p05-interferometer"]
    entry = cli.json("state", "set", "p05", "status", "phase", "build")
    assert entry["project"] == "p05-interferometer"
    rows = cli.json("state", "list", "p05-interferometer")
    assert [(r["key"], r["value"]) for r in rows] == [("phase", "build")]
    assert cli.json("projects", "detect", "how is p05 going")["project"] == "p05-interferometer"
    cli.json("state", "invalidate", "p05", "status", "phase")
    assert cli.json("state", "list", "p05") == []
    assert len(cli.json("state", "list", "p05", "--all")) == 1


def test_propose_does_not_write(cli, data_dir):
    cli("init")
    proposal = cli.json("projects", "propose", "p07-new", "-a", "p07", "-r", "vault:projects/p07")
    assert proposal["ingest_roots"] == [{"source": "vault", "subpath": "projects/p07", "label": ""}]
    assert cli.json("projects", "list") == []


def test_bad_input_exits_2_with_one_clear_line(cli, p05):
    cli("init")
    result = cli("state", "set", "p05", "bogus", "k", "v")
    assert result.exit_code == 2
    assert "invalid category" in result.stderr
    assert "Traceback" not in result.output
    assert cli.json("state", "list", "p05") == []

    result = cli("projects", "show", "nope")
    assert result.exit_code == 2
    assert "unknown project 'nope'" in result.stderr

    result = cli("projects", "register", "p06", "-a", "p05")
    assert result.exit_code == 2
    assert "p05" in result.stderr


def test_json_errors_are_json(cli, p05):
    result = cli("state", "set", "p05", "bogus", "k", "v", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["code"] == "invalid_input"


def test_malformed_registry_exits_2(cli, registry):
    registry([]).write_text("[broken")
    result = cli("projects", "list")
    assert result.exit_code == 2
    assert "not valid JSON" in result.stderr


def test_unwritable_data_dir_exits_2(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = cli("--data-dir", blocker / "data", "init")
    assert result.exit_code == 2
    assert "cannot create" in result.stderr
    assert blocker.read_text() == "not a directory"


def test_usage_errors_exit_2(cli):
    assert cli("state", "set", "only-one-arg").exit_code == 2
    assert cli("no-such-command").exit_code == 2


def _walk(command, path: tuple[str, ...] = ()):
    yield path, command
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            yield from _walk(sub, (*path, name))


def test_every_command_has_help_text():
    from atocore.cli.main import app

    root = typer.main.get_command(app)
    missing = [
        " ".join(path)
        for path, command in _walk(root)
        if path and not (command.help or command.short_help)
    ]
    assert missing == []


def test_python_dash_m_works(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "atocore", "--version"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    assert result.stdout.startswith("atocore ")
