"""Rows in and out of services: a row as a model, a listing's optional filters, an id prefix.

Every service reads ``SELECT *`` rows into a pydantic model, lists them
under optional equality filters and accepts a unique id prefix where a
person types an id; these are the one copy of each of those steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from atocore.db.types import Connection
from atocore.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from pydantic import BaseModel

M = TypeVar("M", bound="BaseModel")


def from_row(model: type[M], row: Any, *, trusted: bool = False, **given: Any) -> M:
    """``model`` from the row's columns named like its fields; ``given`` adds or
    replaces fields (decoded JSON, a canonical project, loaded members).
    Columns without a field are ignored (pydantic's default for extras).

    ``trusted`` skips validation for rows validated on the way in (the
    engineering graph loads thousands of them).
    """
    data = dict(row)
    data.update(given)
    return model.model_construct(**data) if trusted else model(**data)


def equal_filters(**filters: Any) -> tuple[str, list[Any]]:
    """`` AND column = ?`` for each filter that is set (not None or empty), and its values:
    the WHERE tail of a listing whose filters are all optional."""
    given = {column: value for column, value in filters.items() if value}
    return "".join(f" AND {column} = ?" for column in given), list(given.values())


def rows_by_id_prefix(conn: Connection, table: str, prefix: str, columns: str = "*") -> list[Any]:
    """At most two rows whose id starts with ``prefix`` (``%`` and ``_`` in it match
    only themselves): one row is a match, two mean the prefix is ambiguous."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return conn.execute(
        f"SELECT {columns} FROM {table} WHERE id LIKE ? ESCAPE '\\' LIMIT 2", (escaped + "%",)
    ).fetchall()


def resolve_id(conn: Connection, table: str, given: str, noun: str) -> str:
    """The full id for ``given`` or a unique prefix of it (4+ characters);
    ``noun`` names the thing in errors ("memory", "interaction")."""
    given = (given or "").strip()
    if not given:
        article = "an" if noun[0] in "aeiou" else "a"
        raise InvalidInput(f"{article} {noun} id is required")
    row = conn.execute(f"SELECT id FROM {table} WHERE id = ?", (given,)).fetchone()
    if row:
        return row[0]
    if len(given) >= 4:
        rows = rows_by_id_prefix(conn, table, given, "id")
        if len(rows) == 1:
            return rows[0][0]
        if len(rows) > 1:
            raise InvalidInput(f"{noun} id prefix {given!r} is ambiguous; give more of it")
    raise NotFound(f"{noun} {given!r} not found")
