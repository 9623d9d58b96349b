"""The ``atocore`` command: global options and command-group registration.

Each module in ``COMMAND_MODULES`` exposes ``register(app)``. Modules
import only typer/rich at top level; services (and anything heavy, such
as fastembed, numpy or FastAPI) are imported inside the commands.

Registration is lazy: the console script registers only the modules the
invoked command needs (``COMMANDS``), which saves importing and building
every other command on each call. ``atocore --help``, an unknown command
and ``from atocore.cli.main import app`` get everything.
"""

from __future__ import annotations

import copy
import importlib
import inspect
import os
import sys
from typing import Annotated, Any

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

# top-level command → the modules that build it (a test keeps this in sync)
COMMANDS: dict[str, tuple[str, ...]] = {
    "init": ("admin",),
    "status": ("admin",),
    "projects": ("projects",),
    "state": ("state",),
    "ingest": ("ingest",),
    "reindex": ("ingest",),
    "sources": ("ingest",),
    "stats": ("ingest",),
    "audit-query": ("query",),
    "links": ("query",),
    "context": ("query",),
    "query": ("query",),
    "memory": ("memory", "entities"),  # entities adds `memory graduate`
    "interactions": ("interactions",),
    "review": ("review",),
    "entities": ("entities",),
    "import": ("imports",),
    "conflicts": ("conflicts",),
    "eng": ("eng",),
    "mirror": ("mirror",),
    "backup": ("backup",),
    "migrate": ("migrate",),
    "serve": ("serve",),
    "watch": ("watch",),
    "hook": ("hook",),
    "claude": ("claude",),
    "mcp": ("mcp",),
    "bench": ("bench",),
}
_VALUE_OPTIONS = ("--data-dir", "--url")  # global options that take a value
COMPLETION_VAR = "_ATOCORE_COMPLETE"  # set by the shell's completion script (click's name)

_app = typer.Typer(
    name="atocore",
    cls=AtocoreGroup,
    help="Local-first context engine for LLM work: ingest a vault, build budgeted "
    "context packs, keep reviewed memories and engineering facts.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"atocore {__version__}")
        raise typer.Exit()


@_app.callback()
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
    from atocore.config import set_overrides

    set_overrides(data_dir=str(data_dir) if data_dir is not None else None, url=url)
    state.json = json_output
    state.verbose = verbose


_registered: set[str] = set()


def register(modules: list[str] | tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The root app with ``modules`` registered (each once, in help order)."""
    for name in COMMAND_MODULES:
        if name in modules and name not in _registered:
            importlib.import_module(name).register(_app)
            _registered.add(name)
    return _app


def command_name(args: list[str]) -> str | None:
    """The top-level command in ``args`` (after any global options), if any.

    None when the root itself answers (``--help``/``--version`` come first).
    """
    it = iter(args)
    for arg in it:
        if arg in ("-h", "--help", "--version"):
            return None
        if arg in _VALUE_OPTIONS:
            next(it, None)
        elif not arg.startswith("-"):
            return arg
    return None


def __getattr__(name: str) -> typer.Typer:
    if name == "app":  # the whole CLI, for tests and the docs generator
        return register()
    raise AttributeError(name)


def outline(app: typer.Typer) -> typer.Typer:
    """``app`` as its own ``--help`` shows it: every command and group with its
    help, no parameters below. Typer converts every signature in the tree
    (~85 commands) before it prints the root's help; this copy leaves it the
    top level to convert. A test holds the two helps equal."""

    def summary_only() -> None:  # pragma: no cover - the outline is only ever asked for help
        raise typer.Exit(2)

    def command(info: Any) -> Any:
        shallow = copy.copy(info)
        shallow.name = info.name or typer.main.get_command_name(info.callback.__name__)
        shallow.help = info.help if info.help is not None else inspect.getdoc(info.callback)
        shallow.callback = summary_only
        return shallow

    def group(info: Any) -> Any:
        shallow = copy.copy(info)
        shallow.typer_instance = copy.copy(info.typer_instance)
        shallow.typer_instance.registered_commands = []
        shallow.typer_instance.registered_groups = []
        return shallow

    top = copy.copy(app)
    top.registered_commands = [command(c) for c in app.registered_commands]
    top.registered_groups = [group(g) for g in app.registered_groups]
    return top


def run() -> None:
    """Console-script entry point: registers what this command needs, then runs it.

    The root's own help and ``--version`` run on the :func:`outline` (shell
    completion, which reads its words from the environment, on the full app)."""
    name = command_name(sys.argv[1:])
    needed = COMMANDS.get(name or "")
    register([f"atocore.cli.{m}" for m in needed] if needed else COMMAND_MODULES)
    root_only = name is None and COMPLETION_VAR not in os.environ
    (outline(_app) if root_only else _app)()
