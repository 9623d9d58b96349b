"""The ``atocore`` command: global options and command-group registration.

Each module in ``COMMAND_MODULES`` exposes ``register(app)``. Modules
import only typer/rich at top level; services (and anything heavy, such
as fastembed, numpy or FastAPI) are imported inside the commands.
"""

from __future__ import annotations

import importlib
import os
from typing import Annotated

import typer

from atocore import __version__
from atocore.cli.common import AtocoreGroup, DataDirOpt, state

COMMAND_MODULES = [  # order = order in `atocore --help`
    "atocore.cli.admin",
    "atocore.cli.projects",
    "atocore.cli.state",
    "atocore.cli.ingest",
    "atocore.cli.query",
    "atocore.cli.memory",
    "atocore.cli.interactions",
    "atocore.cli.review",
    "atocore.cli.entities",  # after memory: adds `memory graduate`
    "atocore.cli.imports",
    "atocore.cli.conflicts",
    "atocore.cli.eng",
    "atocore.cli.mirror",
    "atocore.cli.backup",
    "atocore.cli.migrate",
    "atocore.cli.serve",
    "atocore.cli.watch",
    "atocore.cli.hook",
    "atocore.cli.claude",
    "atocore.cli.mcp",
    "atocore.cli.bench",
]

app = typer.Typer(
    name="atocore",
    cls=AtocoreGroup,
    help="Local-first context engine for LLM work: ingest a vault, build budgeted "
    "context packs, keep reviewed memories and engineering facts.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"atocore {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    data_dir: DataDirOpt = None,
    json_output: Annotated[
        bool, typer.Option("--json", help="JSON output for every command that supports it.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show tracebacks.")] = False,
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="Remote mode: read/capture commands talk to this atocore server "
            "(env ATOCORE_URL).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """Global options apply to every command."""
    if data_dir is not None:
        os.environ["ATOCORE_DATA_DIR"] = str(data_dir)
    if url is not None:
        os.environ["ATOCORE_URL"] = url
    state.json = json_output
    state.verbose = verbose


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def run() -> None:
    """Console-script entry point."""
    app()
