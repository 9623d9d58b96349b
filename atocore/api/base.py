"""What every operations object shares: the connection it runs on."""

from __future__ import annotations

from typing import Any

from atocore.config import Settings, get_settings
from atocore.db.types import Connection


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
        self._owned = False
        self._settings = settings
        self._create = create

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = get_settings()
        return self._settings

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            from atocore.db import open_db
            from atocore.errors import InvalidInput

            if not self._create and not self.settings.db_path.exists():
                raise InvalidInput(
                    f"no atocore data in {self.settings.data_dir} — run `atocore init`"
                )
            self._conn = open_db(self.settings)
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
