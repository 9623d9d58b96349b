"""How an operation is reached over HTTP: one declaration, three uses.

An operation method carries ``@route(METHOD, PATH)``; from that single
declaration the server builds its HTTP route (atocore.server.routes.operations)
and :class:`atocore.api.remote.RemoteOperations` builds the client call, so the
two sides cannot drift apart. An operation that only makes sense on the data
dir's own machine carries ``@local_only(reason)`` instead: remote mode refuses
it with that reason (exit 2), it never runs locally by accident.

Path parameters are the names in ``{braces}``; the other parameters travel as
the JSON body (POST/PUT/DELETE) or the query string (GET). A ``raw`` route is
written by hand; its first parameter is the whole JSON body and the others go
in the query string.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import sys
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_PATH_PARAM = re.compile(r"{(\w+)(?::path)?}")


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    status: int = 200
    raw: bool = False  # the route is written by hand (e.g. a 204 or text response)
    only_reads: bool = False  # a POST that changes nothing (its query is too big for a URL)

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)

    @property
    def reads(self) -> bool:
        """Sent as a query string (GET)."""
        return self.method == "GET"

    @property
    def changes_nothing(self) -> bool:
        """The operation never writes: run locally, it must not create a database."""
        return self.reads or self.only_reads


@dataclass(frozen=True)
class LocalOnly:
    reason: str


def route(
    method: str, path: str, *, status: int = 200, raw: bool = False, only_reads: bool = False
) -> Callable[[F], F]:
    """Declare the HTTP route of an operation.

    Stacked declarations add compatibility paths (names a client of the
    reference system uses); the outermost one is canonical and is the one
    remote mode calls.
    """

    def mark(fn: F) -> F:
        spec = Route(method.upper(), path, status, raw, only_reads)
        fn.__atocore_routes__ = [spec, *getattr(fn, "__atocore_routes__", [])]  # type: ignore[attr-defined]
        return fn

    return mark


def local_only(reason: str) -> Callable[[F], F]:
    """Declare an operation that has no remote form, and say why."""

    def mark(fn: F) -> F:
        fn.__atocore_local_only__ = LocalOnly(reason)  # type: ignore[attr-defined]
        return fn

    return mark


def routes_of(fn: Any) -> list[Route]:
    """The operation's routes, canonical first (empty: no HTTP form)."""
    return list(getattr(fn, "__atocore_routes__", []))


def local_only_of(fn: Any) -> LocalOnly | None:
    return getattr(fn, "__atocore_local_only__", None)


# Public methods of an operations object that are not operations.
LIFECYCLE = frozenset({"close"})


def public_operations(cls: type) -> Iterator[tuple[str, Any]]:
    """Every operation of ``cls`` (its public methods), sorted by name."""
    names = {
        name
        for klass in cls.__mro__
        for name, value in vars(klass).items()
        if not name.startswith("_") and name not in LIFECYCLE and inspect.isfunction(value)
    }
    for name in sorted(names):
        yield name, getattr(cls, name)


class _LazyTypes(dict):
    """Names an operation module imports only for type checking, imported
    when an annotation is first evaluated (front-ends stay light to start)."""

    def __init__(self, homes: dict[str, str]) -> None:
        super().__init__()
        self._homes = homes

    def __missing__(self, key: str) -> Any:
        if key not in self._homes:
            raise KeyError(key)
        value = getattr(importlib.import_module(self._homes[key]), key)
        self[key] = value
        return value


def _type_checking_imports(module: Any) -> dict[str, str]:
    """``name -> module`` for the ``from X import name`` under ``if TYPE_CHECKING:``."""
    homes: dict[str, str] = {}
    tree = ast.parse(inspect.getsource(module))
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for item in node.body:
                if isinstance(item, ast.ImportFrom) and item.module:
                    for alias in item.names:
                        homes[alias.asname or alias.name] = item.module
    return homes


_HOMES: dict[str, dict[str, str]] = {}


def type_hints(fn: Any) -> dict[str, Any]:
    """``fn``'s annotations evaluated, its type-checking-only names included."""
    module = sys.modules[fn.__module__]
    if fn.__module__ not in _HOMES:
        _HOMES[fn.__module__] = _type_checking_imports(module)
    lazy = _LazyTypes(_HOMES[fn.__module__])
    return typing.get_type_hints(fn, globalns=vars(module), localns=lazy, include_extras=True)
