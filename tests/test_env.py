"""Settings: one declaration, one parser, one meaning of "true" for every door."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from atocore.env import VARS, EnvError, read


@pytest.mark.parametrize("raw", ["1", "true", "YES", " on "])
def test_true_means_the_same_everywhere(monkeypatch, raw):
    for name in ("ATOCORE_CONTEXT_DISABLED", "ATOCORE_WARM_MODEL", "ATOCORE_AUTOSTART"):
        monkeypatch.setenv(name, raw)
        assert read(name) is True, name


@pytest.mark.parametrize("raw", ["0", "false", "No", "off"])
def test_false_means_the_same_everywhere(monkeypatch, raw):
    for name in ("ATOCORE_CONTEXT_DISABLED", "ATOCORE_WARM_MODEL", "ATOCORE_AUTOSTART"):
        monkeypatch.setenv(name, raw)
        assert read(name) is False, name


def test_bad_values_are_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("ATOCORE_TIMEOUT_SECONDS", "soon")
    with pytest.raises(EnvError, match="ATOCORE_TIMEOUT_SECONDS='soon'"):
        read("ATOCORE_TIMEOUT_SECONDS")
    monkeypatch.setenv("ATOCORE_WARM_MODEL", "maybe")
    with pytest.raises(EnvError, match="ATOCORE_WARM_MODEL"):
        read("ATOCORE_WARM_MODEL")


def test_every_variable_read_in_the_code_is_declared():
    """No module reads an ATOCORE_* variable around the table."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "atocore"
    used: set[str] = set()
    for path in root.rglob("*.py"):
        used.update(
            re.findall(r"os\.environ(?:\.get)?[\[(]\"(ATOCORE_[A-Z_]+)\"", path.read_text())
        )
    bench_only = {name for name in used if name not in VARS}
    assert bench_only <= {"ATOCORE_DATA_DIR", "ATOCORE_URL", "ATOCORE_PROJECT_REGISTRY_PATH"}, (
        bench_only
    )


def test_the_cli_refuses_a_bad_setting_with_exit_2(cli, monkeypatch):
    monkeypatch.setenv("ATOCORE_BUSY_TIMEOUT_MS", "lots")
    done = cli("status")
    assert done.exit_code == 2
    assert "ATOCORE_BUSY_TIMEOUT_MS" in done.output


def test_a_hook_with_a_bad_setting_stays_out_of_the_way(data_dir):
    done = subprocess.run(
        [sys.executable, "-m", "atocore.hooks", "prompt"],
        input=json.dumps({"prompt": "what is the mount made of, again?"}),
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin", "ATOCORE_DATA_DIR": str(data_dir), "ATOCORE_HOOK_BUDGET": "big"},
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == ""
    assert "ATOCORE_HOOK_BUDGET" in done.stderr


def test_settings_follow_every_input_they_are_resolved_from(tmp_path, monkeypatch):
    """get_settings keeps its last result; any change of what it reads must show."""
    from atocore.config import get_settings, set_overrides

    monkeypatch.setenv("ATOCORE_DATA_DIR", str(tmp_path / "a"))
    assert get_settings().data_dir == tmp_path / "a"
    assert get_settings() is get_settings()  # unchanged inputs: the same object
    monkeypatch.setenv("ATOCORE_DATA_DIR", str(tmp_path / "b"))
    assert get_settings().data_dir == tmp_path / "b"
    monkeypatch.setenv("ATOCORE_URL", "http://127.0.0.1:9")
    assert get_settings().url == "http://127.0.0.1:9"
    monkeypatch.setenv("ATOCORE_DATA_DIR", "rel")
    monkeypatch.chdir(tmp_path)
    assert get_settings().data_dir == tmp_path / "rel"
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "b")
    assert get_settings().data_dir == tmp_path / "b" / "rel"  # relative to the new cwd
    set_overrides(data_dir=str(tmp_path / "c"))
    try:
        assert get_settings().data_dir == tmp_path / "c"
    finally:
        set_overrides()
    assert get_settings().data_dir == tmp_path / "b" / "rel"
