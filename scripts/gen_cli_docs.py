"""Write the CLI reference (docs/cli-reference.md) from the commands' own help.

Run `make docs` after changing a command; `tests/test_docs.py` fails when the
checked-in reference is stale.
"""

from __future__ import annotations

import re
import sys

_MARKUP = re.compile(r"\[/?(?:bold|dim|italic|red|green|yellow|cyan|magenta)\]")


def _walk(command, path):
    yield path, command
    for name in sorted(getattr(command, "commands", {}) or {}):
        yield from _walk(command.commands[name], [*path, name])


def _params(command) -> list[str]:
    lines = []
    for param in command.params:
        if param.param_type_name == "argument":
            lines.append(f"- `{param.name.upper()}` (argument)")
            continue
        if getattr(param, "hidden", False):
            continue
        names = ", ".join(f"`{o}`" for o in [*param.opts, *param.secondary_opts])
        help_text = _MARKUP.sub("", (getattr(param, "help", "") or "").replace("\n", " "))
        lines.append(f"- {names}: {help_text}".rstrip(": "))
    return lines


def render() -> str:
    import typer

    from atocore.cli.main import app

    root = typer.main.get_command(app)
    out = [
        "# CLI reference",
        "",
        "Generated from `--help` by `scripts/gen_cli_docs.py` (`make docs`). Do not edit.",
        "",
    ]
    for path, command in _walk(root, []):
        if not path:
            continue
        out.append(f"{'#' * min(len(path) + 1, 4)} `atocore {' '.join(path)}`")
        out.append("")
        text = _MARKUP.sub("", (command.help or command.short_help or "").strip())
        if text:
            out.append(text)
            out.append("")
        params = _params(command)
        if params:
            out.extend(params)
            out.append("")
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
