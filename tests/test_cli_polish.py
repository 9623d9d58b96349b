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


def test_help_reads_like_prose():
    """Placeholders a person reads, choices for closed sets, an example."""
    done = _atocore("context", "--help", env={"COLUMNS": "200"})
    assert done.returncode == 0
    for typer_noise in ("<bool>", "<int", "list[", "[x>=", "<str>", "<Path>"):
        assert typer_noise not in done.stdout, typer_noise
    assert "hybrid|bm25|vector" in done.stdout
    assert "Example:" in done.stdout and "atocore context" in done.stdout


def test_closed_choices_are_refused_before_running(cli, data_dir):
    done = cli("query", "anything", "--mode", "fuzzy")
    assert done.exit_code == 2
    assert "fuzzy" in done.output


def test_a_closed_pipe_is_not_an_error():
    """`atocore … | head`: the reader goes away while help is still being written."""
    import fcntl

    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: the help does not fit at once
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("atocore")), "context", "--help"],
        stdout=write_end,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "400"},
    )
    os.close(write_end)
    os.read(read_end, 100)
    os.close(read_end)
    _, stderr = proc.communicate(timeout=60)
    assert stderr == ""  # no "unexpected BrokenPipeError" from the error edge
