"""The project name grammar (ids and aliases), in one place.

A project **id** is lowercase: a letter or digit, then up to 63 of
``a-z 0-9 . _ -``. A **name** (an alias, or a project written before it
was registered) may also use capitals and single inner spaces, since names
are matched case-insensitively and a multi-word alias is matched in
prompts. Neither may contain ``..``, a ``/`` or a ``\\``: a name ends up in
file paths (the Mirror) and must never climb out of them.
"""

from __future__ import annotations

import re

from atocore.errors import InvalidInput

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
NAME_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9._-]| (?! )){0,63}$"
_ID = re.compile(ID_PATTERN)
_NAME = re.compile(NAME_PATTERN)

RULE = "a letter or digit, then up to 63 letters, digits, '.', '_' or '-' (no '..', no '/')"


def id_error(value: str) -> str | None:
    """Why ``value`` is not a valid project id, or None."""
    if not _ID.match(value) or ".." in value:
        return f"invalid project id {value!r}: lowercase, {RULE}"
    return None


def name_error(value: str) -> str | None:
    """Why ``value`` is not a valid project name or alias, or None."""
    if not _NAME.match(value) or ".." in value or value.endswith(" "):
        return f"invalid project name {value!r}: {RULE}"
    return None


def check_name(value: str) -> str:
    """``value`` if it follows the name grammar, else ``InvalidInput``."""
    error = name_error(value)
    if error:
        raise InvalidInput(error)
    return value
