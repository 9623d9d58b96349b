"""The Claude Code slash commands run the CLI exactly as written in them."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

COMMANDS = Path(__file__).resolve().parents[1] / "commands"


def _context_invocation() -> list[str]:
    text = (COMMANDS / "atocore-context.md").read_text()
    found = re.findall(r"`(atocore context [^`]+)`", text)
    assert found, "the slash command must show its atocore context call"
    return shlex.split(found[0])[1:]


def test_context_command_finds_a_project_named_mid_sentence(cli, conn, p05):
    from atocore.context.project_state import set_state

    set_state(conn, "p05", "decision", "mount", "Invar flexure ring")
    args = _context_invocation()
    prompt = "for p05 what did we decide about the mount, and why"
    done = cli(*[prompt if a == "<arguments>" else a for a in args])
    assert done.exit_code == 0, done.output
    assert "Invar flexure ring" in done.stdout  # the project's trusted state made it in


def test_context_command_falls_back_to_the_whole_corpus(cli, conn, p05):
    args = _context_invocation()
    done = cli(
        *[("a question about nothing registered" if a == "<arguments>" else a) for a in args]
    )
    assert done.exit_code == 0, done.output
    assert '"project": null' in done.stdout
