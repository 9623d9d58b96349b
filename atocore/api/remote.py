"""Every operation over HTTP, generated from the routes the operations declare.

``RemoteOperations`` replaces *every* public method of
:class:`atocore.api.Operations`: one with a route calls the server, one
declared ``local_only`` refuses with its reason, and one with neither refuses
too (a test keeps that set empty). So remote mode can never run an operation
on the local data dir by accident.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from atocore.api.layer import Operations
from atocore.api.routing import local_only_of, public_operations, routes_of, type_hints
from atocore.client import RemoteClient, segment
from atocore.errors import InvalidInput


def _jsonable(value: Any) -> Any:
    from atocore.jsonable import to_jsonable

    return to_jsonable(value)


def _call(name: str, fn: Any) -> Any:
    spec = routes_of(fn)[0]
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def call(self: RemoteOperations, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = {k: v for k, v in bound.arguments.items() if k != "self"}
        path = spec.path
        for param in spec.path_params:
            value = str(values.pop(param))
            path = path.replace(f"{{{param}:path}}", "/".join(map(segment, value.split("/"))))
            path = path.replace(f"{{{param}}}", segment(value))
        if spec.reads:
            data = self.client.request(spec.method, path, params=_jsonable(values))
        elif spec.raw:  # the first parameter is the whole body, the rest the query
            body = values.pop(next(iter(values)))
            data = self.client.request(
                spec.method, path, json=_jsonable(body), params=_jsonable(values)
            )
        else:
            data = self.client.request(spec.method, path, json=_jsonable(values))
        return self._parse(fn, data)

    return call


def _refuse(name: str, fn: Any) -> Any:
    marked = local_only_of(fn)
    reason = marked.reason if marked else "it has no server form"

    @functools.wraps(fn)
    def refuse(self: RemoteOperations, *args: Any, **kwargs: Any) -> Any:
        raise InvalidInput(f"{name.replace('_', ' ')} does not work with --url: {reason}")

    return refuse


class RemoteOperations(Operations):
    """The same operations, run by an ``atocore serve`` at ``client.url``."""

    def __init__(self, client: RemoteClient) -> None:
        super().__init__()
        self.client = client

    @property
    def conn(self) -> Any:  # pragma: no cover - every operation is replaced below
        raise InvalidInput("remote operations have no local database")

    @staticmethod
    def _parse(fn: Any, data: Any) -> Any:
        """The server's JSON as the operation's declared result type."""
        from pydantic import TypeAdapter

        result = type_hints(fn).get("return")
        if result is None or data is None:
            return data
        return TypeAdapter(result).validate_python(data)


for _name, _fn in public_operations(Operations):
    setattr(RemoteOperations, _name, _call(_name, _fn) if routes_of(_fn) else _refuse(_name, _fn))
