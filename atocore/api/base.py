"""What every operations object shares: the connection it runs on."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from pydantic import Field

from atocore.config import Settings, get_settings
from atocore.db.types import Connection

# A row count a caller may ask for: bounded, so no value overflows SQLite's INTEGER.
Limit = Annotated[int, Field(ge=1, le=100_000)]


def _reading(fn: Any) -> Any:
    @functools.wraps(fn)
    def run(self: OperationsBase, *args: Any, **kwargs: Any) -> Any:
        self._reading += 1
        try:
            return fn(self, *args, **kwargs)
        finally:
            self._reading -= 1

    return run


class OperationsBase:
    """Runs operations on one connection: the caller's (the server's pooled
    one), else the data dir's database, opened on first use and closed by
    :meth:`close` (or the ``with`` block)."""

    def __init__(
        self,
        conn: Connection | None = None,
        *,
        settings: Settings | None = None,
        create: bool = True,
    ) -> None:
        self._conn = conn
        self._reading = 0
        self._owned = False
        self._settings = settings
        self._create = create

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = get_settings()
        return self._settings

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Operations that change nothing run in "reading" mode: on a data dir
        without a database they refuse (exit 2 / 404) instead of creating one."""
        super().__init_subclass__(**kwargs)
        from atocore.api.routing import routes_of

        for name, fn in list(vars(cls).items()):
            specs = routes_of(fn) if callable(fn) else []
            if specs and specs[0].changes_nothing:
                setattr(cls, name, _reading(fn))

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            from atocore.db import open_db

            create = self._create and not self._reading
            self._conn = open_db(self.settings, create=create)
            self._owned = True
        return self._conn

    def close(self) -> None:
        if self._owned and self._conn is not None:
            self._conn.close()
            self._conn = None
            self._owned = False

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
