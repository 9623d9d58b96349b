"""What every command shares: options, output, the DB handle, the error edge.

Commands stay thin: parse → one service call → render with :func:`emit`
(a rich table for people, stable JSON with ``--json`` for scripts).
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup
from typer.exceptions import TyperException

from atocore.errors import AtocoreError
from atocore.jsonable import to_jsonable

if TYPE_CHECKING:
    from atocore.api import Operations


@dataclass
class CliState:
    json: bool = False
    verbose: bool = False


state = CliState()


def _set_json(value: bool) -> bool:
    if value:
        state.json = True
    return value


JsonOpt = Annotated[
    bool,
    typer.Option(
        "--json", help="Print stable machine-readable JSON.", callback=_set_json, is_eager=True
    ),
]
ProjectOpt = Annotated[
    str | None,
    typer.Option("--project", "-p", help="Project id or alias (aliases resolve to the id)."),
]
LimitOpt = Annotated[int, typer.Option("--limit", "-n", min=1, help="Maximum rows to show.")]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="ATOCORE_DATA_DIR",
        help="Data directory (default: the platform user-data dir).",
        show_default=False,
    ),
]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")


def console(stderr: bool = False):
    """Rich output; when the stream is not a terminal (a pipe, a log file) lines
    are never wrapped, so scripts and logs see whole lines."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    if stream.isatty():
        return Console(stderr=stderr, highlight=False, soft_wrap=False)
    return Console(stderr=stderr, highlight=False, soft_wrap=True, width=100_000)


def emit(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """JSON for scripts, ``render(data)`` for people."""
    if as_json:
        print_json(data)
    else:
        render(data)


def table(title: str | None, columns: list[str], rows: list[list[Any]], *, empty: str = "") -> None:
    """A rich table; ``empty`` is printed instead when there are no rows."""
    out = console()
    if not rows and empty:
        out.print(f"[dim]{empty}[/dim]")
        return
    from rich.table import Table

    grid = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        grid.add_column(column, overflow="fold")
    for row in rows:
        grid.add_row(*["" if v is None else str(v) for v in row])
    out.print(grid)


def success(message: str) -> None:
    console().print(f"[green]✓[/green] {message}")


def warn(message: str) -> None:
    console(stderr=True).print(f"[yellow]warning:[/yellow] {message}")


@contextlib.contextmanager
def db() -> Iterator[Any]:
    """A migrated connection to the data dir's database, closed afterwards."""
    from atocore.db import open_db

    conn = open_db()
    try:
        yield conn
    finally:
        conn.close()


@contextlib.contextmanager
def operations() -> Iterator[Operations]:
    """The operations this invocation runs: local, or on the ``--url`` server."""
    from atocore.api import operations as choose

    with choose() as ops:
        yield ops


def refuse_url(command: str, reason: str) -> None:
    """A command that is not an operation refuses remote mode (exit 2, one line why)
    rather than quietly running on this machine's data dir."""
    from atocore.config import get_settings
    from atocore.errors import InvalidInput

    if get_settings().url:
        raise InvalidInput(f"{command} does not work with --url: {reason}")


def report_error(exc: AtocoreError) -> None:
    if state.json:
        print_json({"error": exc.to_dict()})
    else:
        console(stderr=True).print(f"[red]error:[/red] {exc.message}", soft_wrap=True)


class AtocoreGroup(TyperGroup):
    """The one error edge: domain errors become a message and an exit code."""

    def invoke(self, ctx):  # type: ignore[override]
        from atocore.config import set_overrides

        try:
            return super().invoke(ctx)
        except AtocoreError as exc:
            if state.verbose:
                raise
            report_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except (TyperException, typer.Exit, typer.Abort, SystemExit):
            raise  # usage errors and explicit exits keep click's own handling
        except KeyboardInterrupt:
            console(stderr=True).print("interrupted")
            raise typer.Exit(130) from None
        except Exception as exc:  # last-resort edge, never a bare traceback
            if state.verbose:
                raise
            report_error(
                AtocoreError(f"unexpected {type(exc).__name__}: {exc} (re-run with -v for details)")
            )
            raise typer.Exit(1) from None
        finally:
            set_overrides()  # the global options belong to this invocation only


_METAVARS = {"int": "N", "float": "NUMBER", "str": "TEXT", "Path": "PATH", "datetime": "WHEN"}


def _humane_help() -> None:
    """Placeholders a person reads in ``--help``: ``N``, ``TEXT``, ``PATH``,
    ``hybrid|bm25|vector`` and nothing after a flag, instead of Typer's
    ``<int range> [x>=1]``, ``<list[Path]>`` and ``<bool>``. (Ranges are still
    enforced; the error message states them.)"""
    from typer.core import TyperOption, _TyperParameter

    typer_display = _TyperParameter.display_type

    def display_type(self: Any, ctx: Any) -> str:
        if getattr(self, "is_flag", False):
            return ""
        label = typer_display(self, ctx).strip("<>")
        many = label.startswith("list[")
        label = label.removeprefix("list[").removesuffix("]").removesuffix(" range")
        label = _METAVARS.get(label, label)
        return f"{label}..." if many else label

    _TyperParameter.display_type = display_type  # type: ignore[method-assign]
    TyperOption._get_number_range_help_str = lambda self: None  # type: ignore[method-assign]


_humane_help()


def new_app(help_text: str) -> typer.Typer:
    """A command group with atocore's conventions."""
    return typer.Typer(
        help=help_text,
        no_args_is_help=True,
        rich_markup_mode="rich",
        pretty_exceptions_enable=False,
        add_completion=False,
    )
