"""Start-up stays light: `atocore --help` never imports the heavy stacks.

Each check runs in a fresh interpreter (this test process has long since
imported numpy and friends), and reads ``sys.modules`` as it exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from atocore.bench.cli_latency import HEAVY_MODULES, import_profile

PROBE = """
import atexit, json, sys
atexit.register(lambda: sys.__stderr__.write("MODULES=" + json.dumps(sorted(sys.modules)) + "\\n"))
sys.argv = ["atocore", *json.loads(sys.argv[1])]
from atocore.cli.main import run
run()
"""


def modules_after(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(args))],
        capture_output=True,
        text=True,
        timeout=120,
    )
    lines = [line for line in done.stderr.splitlines() if line.startswith("MODULES=")]
    assert lines, f"probe failed (exit {done.returncode}): {done.stderr[-2000:]}"
    return set(json.loads(lines[-1][len("MODULES=") :]))


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY_MODULES)


@pytest.mark.parametrize(
    "args",
    [["--help"], ["bench", "--help"], ["status", "--help"], ["--version"]],
    ids=lambda a: " ".join(a),
)
def test_help_imports_nothing_heavy(args):
    modules = modules_after(*args)
    assert "atocore.cli.main" in modules  # the probe really ran the CLI
    assert heavy(modules) == []


def test_status_imports_no_embedding_or_server_stack(data_dir):
    modules = modules_after("status")
    assert "atocore.cli.admin" in modules
    assert heavy(modules) == []


OPEN_DB = """
import sys
from atocore.db import open_db, vec_available
conn = open_db()
assert vec_available(conn), "sqlite-vec not loaded"
conn.close()
print(sorted(m for m in sys.modules if m.split(".")[0] in ("numpy", "sqlite_vec")))
"""


def test_opening_the_database_loads_sqlite_vec_without_numpy(data_dir):
    done = subprocess.run(
        [sys.executable, "-c", OPEN_DB], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_importtime_profile_of_the_cli():
    profile = import_profile("atocore.cli.main")
    assert profile["heavy_imported"] == []
    assert profile["modules_imported"] > 10
    assert profile["slowest_cumulative_ms"][0]["module"] == "atocore.cli.main"


def test_importtime_profile_notices_a_heavy_import():
    # the check itself must be able to fail
    assert "numpy" in import_profile("numpy")["heavy_imported"]


def test_commands_map_matches_what_each_module_registers():
    import importlib

    import typer

    from atocore.cli.common import AtocoreGroup
    from atocore.cli.main import COMMAND_MODULES, COMMANDS

    built: dict[str, set[str]] = {}
    for module in COMMAND_MODULES:
        probe = typer.Typer(cls=AtocoreGroup)
        importlib.import_module(module).register(probe)
        names = {c.name for c in probe.registered_commands}
        names |= {g.name or g.typer_instance.info.name for g in probe.registered_groups}
        for name in names:
            built.setdefault(name, set()).add(module.rsplit(".", 1)[1])
    assert set(COMMANDS) == set(built)
    for name, modules in built.items():
        assert modules <= set(COMMANDS[name]), name
    assert "entities" in COMMANDS["memory"]  # adds `memory graduate` to that group


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["status"], "status"),
        (["--data-dir", "d", "--json", "memory", "list"], "memory"),
        (["--url", "http://x", "-v", "context", "q"], "context"),
        (["--data-dir=d", "query", "q"], "query"),
        (["--help", "status"], None),
        (["-h"], None),
        (["--version"], None),
        ([], None),
    ],
)
def test_command_name_finds_the_command_after_global_options(argv, name):
    from atocore.cli.main import command_name

    assert command_name(argv) == name


def test_a_command_loads_only_its_own_modules():
    modules = modules_after("memory", "--help")
    assert {"atocore.cli.memory", "atocore.cli.entities"} <= modules
    assert "atocore.cli.mirror" not in modules and "atocore.cli.bench" not in modules
    everything = modules_after("--help")
    assert {"atocore.cli.mirror", "atocore.cli.bench"} <= everything


def test_lazy_and_full_registration_give_the_same_command(data_dir):
    from typer.testing import CliRunner

    lazy = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(["memory", "--help"])],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    from atocore.cli.main import app

    full = CliRunner().invoke(app, ["memory", "--help"], env={"COLUMNS": "100"})
    assert lazy.returncode == 0 and full.exit_code == 0
    assert "graduate" in lazy.stdout
    assert lazy.stdout == full.stdout


def test_the_relayed_hook_imports_no_typing():
    """The prompt hook runs on every prompt: its relay path stays stdlib-light
    (typing alone costs ~15 ms of start-up)."""
    code = "import sys, atocore.hooks.__main__, atocore.hooks.relay; print(*sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "typing" not in loaded and "pydantic" not in loaded


@pytest.mark.parametrize("args", [["--help"], [], ["--json", "-h"]], ids=repr)
def test_root_help_from_the_outline_matches_the_full_app(args):
    """`atocore --help` renders from an outline (no parameters converted below the
    top level); it must print exactly what the fully built app prints."""
    from typer.testing import CliRunner

    from atocore.cli.main import app

    fast = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "COLUMNS": "100"},
    )
    full = CliRunner().invoke(app, args, env={"COLUMNS": "100"})
    assert "Commands" in fast.stdout and "memory" in fast.stdout
    assert fast.stdout == full.stdout


def test_the_outline_converts_no_command_below_the_top_level():
    from atocore.cli.main import app, outline

    shallow = outline(app)
    assert all(not g.typer_instance.registered_commands for g in shallow.registered_groups)
    assert any(g.typer_instance.registered_commands for g in app.registered_groups)  # untouched
