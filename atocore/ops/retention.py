"""Backup retention: which snapshots to keep, which to delete.

The policy (all counted in distinct calendar buckets that actually hold a
snapshot, newest first, so a machine that stopped backing up for a month
never loses its last good snapshots to age alone):

- daily:   the newest snapshot of each of the 7 most recent days;
- weekly:  the newest snapshot of each of the 4 most recent Sundays;
- monthly: the newest snapshot of each of the 6 most recent 1st-of-months.

A snapshot is kept if any rule keeps it. Directory names that are not a
``YYYYMMDDTHHMMSSZ`` stamp are never touched and are listed separately.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
DAILY, WEEKLY, MONTHLY = 7, 4, 6


def parse_stamp(name: str) -> datetime | None:
    """The UTC time of a snapshot directory name, or None when it is not a stamp."""
    if len(name) != 16:
        return None
    try:
        return datetime.strptime(name, STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


@dataclass
class RetentionPlan:
    keep: dict[str, list[str]] = field(default_factory=dict)  # stamp -> reasons
    delete: list[str] = field(default_factory=list)
    unparseable: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "keep": [{"stamp": s, "reasons": r} for s, r in sorted(self.keep.items())],
            "delete": sorted(self.delete),
            "unparseable": sorted(self.unparseable),
        }


def _keep_newest_per_bucket(
    dated: list[tuple[datetime, str]], bucket, limit: int, reason: str, keep: dict
) -> None:
    seen: set[str] = set()
    for when, stamp in dated:  # newest first
        key = bucket(when)
        if key is None or key in seen:
            continue
        seen.add(key)
        keep.setdefault(stamp, []).append(reason)
        if len(seen) >= limit:
            break


def plan_retention(
    names: list[str], *, daily: int = DAILY, weekly: int = WEEKLY, monthly: int = MONTHLY
) -> RetentionPlan:
    """Apply the policy to snapshot directory names (pure: touches nothing)."""
    plan = RetentionPlan()
    dated = []
    for name in names:
        when = parse_stamp(name)
        if when is None:
            plan.unparseable.append(name)
        else:
            dated.append((when, name))
    dated.sort(reverse=True)
    _keep_newest_per_bucket(dated, lambda d: d.strftime("%Y-%m-%d"), daily, "daily", plan.keep)
    _keep_newest_per_bucket(
        dated,
        lambda d: d.strftime("%Y-%m-%d") if d.weekday() == 6 else None,
        weekly,
        "weekly",
        plan.keep,
    )
    _keep_newest_per_bucket(
        dated,
        lambda d: d.strftime("%Y-%m") if d.day == 1 else None,
        monthly,
        "monthly",
        plan.keep,
    )
    plan.delete = [name for _, name in dated if name not in plan.keep]
    return plan


PARTIAL_SUFFIX = ".partial"
# a partial this young may be one a backup created a moment ago and is about to lock
PARTIAL_GRACE_S = 60.0


def partials(root: Path) -> list[dict]:
    """``*.partial`` folders under ``root``: backups being written, or left by one
    that was interrupted (``stale``: no live backup holds their lock, and they
    are older than :data:`PARTIAL_GRACE_S`)."""
    import time

    from atocore.ops.locks import is_locked

    if not root.is_dir():
        return []
    found = []
    for entry in sorted(root.iterdir()):
        if entry.name.endswith(PARTIAL_SUFFIX) and entry.is_dir() and not entry.is_symlink():
            size = sum(f.stat().st_size for f in entry.rglob("*") if f.is_file())
            young = time.time() - entry.stat().st_mtime < PARTIAL_GRACE_S
            stale = not young and not is_locked(entry)
            found.append({"name": entry.name, "bytes": size, "stale": stale})
    return found


def remove_stale_partials(root: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Delete the stale ``*.partial`` folders; returns (removed, errors)."""
    removed: list[str] = []
    errors: list[dict[str, str]] = []
    for partial in partials(root):
        if not partial["stale"]:
            continue
        try:
            shutil.rmtree(root / partial["name"])
            removed.append(partial["name"])
        except OSError as exc:
            errors.append({"stamp": partial["name"], "error": str(exc.strerror or exc)})
    return removed, errors


def cleanup_snapshots(root: Path, *, confirm: bool = False) -> dict:
    """Plan retention over the snapshot directories under ``root``; delete when confirmed.

    Dry-run by default. Only directories with a parseable stamp name are ever
    removed, plus stale ``*.partial`` folders (an interrupted backup's);
    anything else (a backup still being written, a hand-made folder, loose
    files) is left alone.
    """
    names = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    found = partials(root)
    plan = plan_retention([n for n in names if not n.endswith(PARTIAL_SUFFIX)])
    deleted: list[str] = []
    errors: list[dict[str, str]] = []
    partials_deleted: list[str] = []
    if confirm:
        for stamp in plan.delete:
            try:
                shutil.rmtree(root / stamp)
                deleted.append(stamp)
            except OSError as exc:
                errors.append({"stamp": stamp, "error": str(exc.strerror or exc)})
        partials_deleted, partial_errors = remove_stale_partials(root)
        errors += partial_errors
    return {
        "root": str(root),
        "dry_run": not confirm,
        **plan.to_dict(),
        "deleted": deleted,
        "partials": found,
        "partials_deleted": partials_deleted,
        "errors": errors,
    }
