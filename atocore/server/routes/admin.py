"""Admin: backups (create, list, validate). Restore stays a CLI-only, offline operation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from atocore.server.security import safe_name

router = APIRouter(tags=["admin"])


@router.post("/admin/backup", status_code=201)
def create(request: Request) -> dict[str, Any]:
    """Take an online snapshot of the database and config."""
    from atocore.jsonable import to_jsonable
    from atocore.ops.backup import create_backup

    return to_jsonable(create_backup(request.app.state.settings, kind="http"))


@router.get("/admin/backup")
def list_(request: Request) -> dict[str, Any]:
    """Snapshots, oldest first."""
    from atocore.jsonable import to_jsonable
    from atocore.ops.backup import list_backups

    return to_jsonable(list_backups(request.app.state.settings))


@router.get("/admin/backup/{stamp}/validate")
def validate(stamp: str, request: Request) -> dict[str, Any]:
    """Check a snapshot's integrity."""
    from atocore.jsonable import to_jsonable
    from atocore.ops.backup import validate_backup

    return to_jsonable(validate_backup(safe_name(stamp, "snapshot"), request.app.state.settings))
