"""Progress of a long local operation, reported to the front-end that started it.

A callback is not an operation parameter (it cannot travel over HTTP), so a
command hands it over around the call; a local operation passes it to its
service, a remote one has none to report.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

_callback: ContextVar[Callable[..., Any] | None] = ContextVar("atocore_progress", default=None)


@contextlib.contextmanager
def progress_to(callback: Callable[..., Any] | None) -> Iterator[None]:
    """Report the progress of operations run inside the block to ``callback``."""
    token = _callback.set(callback)
    try:
        yield
    finally:
        _callback.reset(token)


def reporter() -> Callable[..., Any] | None:
    """The callback of the enclosing :func:`progress_to`, if any."""
    return _callback.get()
