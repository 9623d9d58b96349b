"""Domain errors raised by services.

Services raise these; the CLI edge (and the HTTP edge) turn them into one
clear message plus an exit code (2 bad input, 1 failure) or a 4xx status.
Nothing below the edge prints or exits.
"""

from __future__ import annotations

import errno


class AtocoreError(Exception):
    """Base class: an operation failed for a reason the user can act on."""

    exit_code = 1
    http_status = 500
    code = "failed"

    def __init__(self, message: str, *, details: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, **self.details}


class InvalidInput(AtocoreError):
    """The caller's input is wrong (bad value, unknown choice, malformed file)."""

    exit_code = 2
    http_status = 400
    code = "invalid_input"


class NotFound(InvalidInput):
    """A named thing (project, memory, snapshot...) does not exist."""

    http_status = 404
    code = "not_found"


class ConflictError(InvalidInput):
    """The request collides with existing state (alias clash, illegal transition)."""

    http_status = 409
    code = "conflict"


class NoData(NotFound):
    """The data dir holds no atocore database (not initialised, or a mistyped path)."""

    code = "no_data"


class Forbidden(InvalidInput):
    """The request is well-formed but policy refuses it (e.g. a client naming a path)."""

    http_status = 403
    code = "forbidden"


class OperationFailed(AtocoreError):
    """The input was fine but the operation could not complete."""


def storage_failure(exc: BaseException, action: str = "nothing was written") -> AtocoreError | None:
    """The clear error for a full or read-only disk behind ``exc``, else None.

    ``exc`` is an SQLite error (matched by its code name or message, so any
    driver works) or an ``OSError``; ``action`` says what became of the data.
    """
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    text = str(exc)
    code = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    if (
        name.startswith("SQLITE_FULL")
        or "disk is full" in text
        or code in (errno.ENOSPC, errno.EDQUOT)
    ):
        return OperationFailed(f"disk full: {action} (free some space and retry)")
    if name.startswith("SQLITE_READONLY") or "readonly database" in text or code == errno.EROFS:
        return OperationFailed(f"read-only: {action} (the data dir or its disk is read-only)")
    return None
