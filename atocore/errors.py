"""Domain errors raised by services.

Services raise these; the CLI edge (and the HTTP edge) turn them into one
clear message plus an exit code (2 bad input, 1 failure) or a 4xx status.
Nothing below the edge prints or exits.
"""

from __future__ import annotations


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


class Forbidden(InvalidInput):
    """The request is well-formed but policy refuses it (e.g. a client naming a path)."""

    http_status = 403
    code = "forbidden"


class OperationFailed(AtocoreError):
    """The input was fine but the operation could not complete."""
