"""Start-up stays light: `atocore --help` never imports the heavy stacks.

Each check runs in a fresh interpreter (this test process has long since
imported numpy and friends), and reads ``sys.modules`` as it exits.
"""

from __future__ import annotations

import json
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
    assert [m for m in heavy(modules) if m.split(".")[0] != "numpy"] == []


def test_importtime_profile_of_the_cli():
    profile = import_profile("atocore.cli.main")
    assert profile["heavy_imported"] == []
    assert profile["modules_imported"] > 10
    assert profile["slowest_cumulative_ms"][0]["module"] == "atocore.cli.main"


def test_importtime_profile_notices_a_heavy_import():
    # the check itself must be able to fail
    assert "numpy" in import_profile("numpy")["heavy_imported"]
