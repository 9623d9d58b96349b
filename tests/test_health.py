"""Status / health report: build provenance, counts, paths, processes, backups."""

from __future__ import annotations

import pytest

from atocore import __version__
from atocore.config import get_settings
from atocore.ops.health import collect_status, init_data_dir

BUILD_VARS = ("ATOCORE_BUILD_SHA", "ATOCORE_BUILD_TIME", "ATOCORE_BUILD_BRANCH")


def test_build_provenance_from_env(monkeypatch):
    monkeypatch.setenv("ATOCORE_BUILD_SHA", "abc1234567890fedcba0987654321")
    monkeypatch.setenv("ATOCORE_BUILD_TIME", "2026-04-09T01:23:45Z")
    monkeypatch.setenv("ATOCORE_BUILD_BRANCH", "main")
    report = collect_status()
    assert report["build_sha"] == "abc1234567890fedcba0987654321"
    assert report["build_time"] == "2026-04-09T01:23:45Z"
    assert report["build_branch"] == "main"
    assert report["version"] == __version__


@pytest.mark.parametrize("value", [None, "", "   "])
def test_build_provenance_unknown_when_unset_or_blank(monkeypatch, value):
    for name in BUILD_VARS:
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    report = collect_status()
    assert [report[k] for k in ("build_sha", "build_time", "build_branch")] == ["unknown"] * 3


def test_status_counts_paths_and_schema(conn, p05):
    from atocore.context.project_state import set_state
    from atocore.db.migrations import latest_version

    set_state(conn, "p05", "status", "phase", "alignment")
    report = collect_status()
    settings = get_settings()
    assert report["initialized"] is True
    assert report["schema_version"] == latest_version() == report["latest_schema_version"]
    assert report["counts"]["projects"] == 1
    assert report["counts"]["project_state"] == 1
    assert report["paths"]["backups_dir"] == str(settings.backups_dir)
    assert report["paths"]["run_dir"] == str(settings.run_dir)
    assert report["projects"][0]["id"] == "p05-interferometer"
    assert report["vector_search"]["available"] is True


def test_status_of_uninitialised_dir_creates_nothing(data_dir):
    report = collect_status()
    assert report["initialized"] is False
    assert report["backups"]["count"] == 0 and report["backups"]["latest"] is None
    assert report["processes"] == []
    assert not data_dir.exists()


def test_status_reports_processes_and_latest_backup(conn):
    from atocore.ops.backup import create_backup
    from atocore.ops.locks import hold_process_lock

    first = create_backup()
    second = create_backup()
    with hold_process_lock("watch"):
        report = collect_status()
        assert [p["name"] for p in report["processes"]] == ["watch"]
    assert collect_status()["processes"] == []
    backups = report["backups"]
    assert backups["count"] == 2
    assert backups["latest"] == second["stamp"] != first["stamp"]
    assert backups["latest_valid"] is True


def test_status_uses_the_settings_it_is_given(tmp_path, registry, monkeypatch):
    """The server passes its own Settings; the report must describe that data dir."""
    registry([{"id": "p01-env", "aliases": [], "description": "", "ingest_roots": []}])
    other = tmp_path / "other"
    monkeypatch.setenv("ATOCORE_DATA_DIR", str(other))
    init_data_dir()
    settings = get_settings()
    monkeypatch.setenv("ATOCORE_DATA_DIR", str(tmp_path / "data"))
    report = collect_status(settings)
    assert report["data_dir"] == str(other)
    assert report["initialized"] is True
    assert report["projects"] == []  # the other dir's (empty) registry, not the env one


def test_status_cli_json_has_ops_fields(cli, monkeypatch):
    monkeypatch.setenv("ATOCORE_BUILD_SHA", "deadbeef")
    cli("init")
    report = cli.json("status")
    assert report["build_sha"] == "deadbeef"
    assert report["build_branch"] == "unknown"
    for key in ("processes", "backups", "paths", "embedding", "counts", "schema_version"):
        assert key in report


def test_status_counts_registered_projects(p05, cli):
    """A registered project with no data yet is a project (not "projects 0")."""
    assert cli("init").exit_code == 0
    assert collect_status()["counts"]["projects"] == 1


def test_status_lists_the_effective_settings(cli, monkeypatch):
    monkeypatch.setenv("ATOCORE_HOOK_BUDGET", "1200")
    monkeypatch.setenv("ATOCORE_API_TOKEN", "secret-value")
    rows = {r["name"]: r for r in cli.json("status", "--settings")}
    assert rows["ATOCORE_HOOK_BUDGET"]["value"] == 1200
    assert rows["ATOCORE_HOOK_BUDGET"]["source"] == "env"
    assert rows["ATOCORE_TIMEOUT_SECONDS"] == {**rows["ATOCORE_TIMEOUT_SECONDS"], "value": 30.0}
    assert rows["ATOCORE_API_TOKEN"]["value"] == "(set)"
    assert "secret-value" not in cli("status", "--settings").output
    monkeypatch.setenv("ATOCORE_CONTEXT_DISABLED", "maybe")  # one meaning of true: refused
    assert "ATOCORE_CONTEXT_DISABLED" in rows and "maybe" in cli("status", "--settings").output
