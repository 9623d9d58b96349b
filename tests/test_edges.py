"""Edges that only a real process shows: the CLI's last resort, the Mirror under
several hash seeds.

Both run atocore in a child process: the CLI's stderr and exit code are what
a user sees, and ``PYTHONHASHSEED`` is fixed at interpreter start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]

# An unexpected error deep in a service (here: memory content checking), as a bug would raise.
BROKEN_SERVICE = r"""
import sys
import atocore.memory.service as service

def broken(text):
    raise RuntimeError("injected bug")

service.check_content = broken
from atocore.__main__ import main
sys.argv = ["atocore", *sys.argv[1:]]
main()
"""


def _run(code: str, *args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}", **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_an_unexpected_error_is_one_line_exit_1_no_traceback(data_dir: Path):
    result = _run(BROKEN_SERVICE, "memory", "add", "The laser is a HeNe at 633 nm.")
    assert result.returncode == 1
    assert result.stderr == (
        "error: unexpected RuntimeError: injected bug (re-run with -v for details)\n"
    )
    assert result.stdout == ""
    verbose = _run(BROKEN_SERVICE, "-v", "memory", "add", "The laser is a HeNe at 633 nm.")
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr  # -v shows it


RENDER = r"""
import hashlib, json, os, sys
import mirror_fixture as fx
from atocore.db import open_db
from atocore.mirror.renderer import render_project

config = os.path.join(os.environ["ATOCORE_DATA_DIR"], "config")
os.makedirs(config, exist_ok=True)
with open(os.path.join(config, "project-registry.json"), "w") as f:
    json.dump({"sources": {}, "projects": fx.REGISTRY}, f)
conn = open_db()
fx.build(conn)
render_project(conn, "p05", now=fx.NOW)
out = os.path.join(os.environ["ATOCORE_DATA_DIR"], "mirror", fx.PROJECT)
pages = {}
for folder, _, names in os.walk(out):
    for name in names:
        path = os.path.join(folder, name)
        with open(path, "rb") as f:
            pages[os.path.relpath(path, out)] = hashlib.sha256(f.read()).hexdigest()
print(json.dumps(pages))
"""


def test_mirror_bytes_do_not_depend_on_the_hash_seed(tmp_path: Path):
    """A ``list(set(...))`` or set-ordered loop in the renderer changes the output
    under some seeds only: render under several and compare."""
    outputs = {}
    for seed in ("0", "1", "2", "3", "42", "4242"):
        result = _run(
            RENDER,
            env_extra={"PYTHONHASHSEED": seed, "ATOCORE_DATA_DIR": str(tmp_path / seed)},
        )
        assert result.returncode == 0, result.stderr
        outputs[seed] = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(next(iter(outputs.values()))) >= 5
    assert len({json.dumps(o, sort_keys=True) for o in outputs.values()}) == 1, outputs
