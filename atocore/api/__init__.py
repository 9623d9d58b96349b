"""The operations layer: every operation a front-end offers, once.

CLI commands, HTTP routes, MCP tools and hook handlers call only this layer
and only render. :class:`Operations` runs each operation on a local
connection; :class:`atocore.api.remote.RemoteOperations` runs the same
operation on a server (``--url`` / ``ATOCORE_URL``). :func:`operations` picks
one from the settings, and never falls back from remote to local.

An operation is a method with typed parameters and a pydantic (or JSON)
result, declared once with its HTTP route (:mod:`atocore.api.routing`); the
server's routes and the remote client are generated from that declaration.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from atocore.api.layer import Operations
    from atocore.config import Settings

__all__ = ["Operations", "operations"]


def operations(
    settings: Settings | None = None, *, timeout: float | None = None, create: bool = True
) -> Operations:
    """Remote operations when a server URL is configured, else local ones.

    ``timeout`` caps how long a remote call may wait (hooks keep it short);
    ``create=False`` refuses to create a database that is not there yet.
    """
    from atocore.config import get_settings

    settings = settings or get_settings()
    if settings.url:
        from atocore.api.remote import RemoteOperations
        from atocore.client import client_for

        client = client_for(settings)
        if timeout is not None:
            client.timeout = min(client.timeout, timeout)
        return RemoteOperations(client)
    from atocore.api.layer import Operations

    return Operations(settings=settings, create=create)


def __getattr__(name: str) -> object:
    """``Operations`` on first use: a command that only needs a type from here
    does not pay for importing every operation module."""
    if name == "Operations":
        from atocore.api.layer import Operations

        return Operations
    raise AttributeError(name)
