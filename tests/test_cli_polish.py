"""The CLI as a person meets it: completion, whole lines in pipes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _atocore(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The installed console script (completion keys on its name)."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("atocore")), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_completion_is_offered_and_completes_subcommands():
    assert "--install-completion" in _atocore("--help").stdout
    done = _atocore(
        env={
            "_ATOCORE_COMPLETE": "complete_bash",
            "COMP_WORDS": "atocore memory pro",
            "COMP_CWORD": "2",
        }
    )
    assert "promote" in done.stdout.split()


def test_piped_output_is_not_wrapped(cli, data_dir):
    long_reason = "because " + " ".join(f"word{i}" for i in range(40))
    cli("init")
    done = cli("state", "set", "nope", "status", "phase", long_reason)
    lines = [line for line in done.output.splitlines() if line.strip()]
    # one message, one line, however long (rich would wrap at 80 columns)
    assert len(lines) == 1, done.output
