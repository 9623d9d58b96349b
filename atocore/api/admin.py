"""Status, what is indexed, backups and one-off migrations.

Snapshots are taken and checked where the data lives (``--url``: on the
server). Choosing another snapshot root (``--dest``), restoring and
deleting snapshots stay on the data dir's own machine.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from atocore.api.base import OperationsBase
from atocore.api.routing import local_only, route

_DEST = "--dest names a directory on this machine; run it where the data dir lives"


class AdminOperations(OperationsBase):
    @route("GET", "/status")
    def status(self) -> dict[str, Any]:
        """Paths, schema, counts, embedding model, source readiness (read-only)."""
        from atocore.ops.health import collect_status

        return collect_status(self.settings)

    @route("GET", "/settings")
    def effective_settings(self) -> list[dict[str, Any]]:
        """Every ATOCORE_* setting where the operation runs: value, default, source
        (env or default) and help; the API token only shows as "(set)"."""
        from atocore.env import effective

        return effective()

    @local_only("it creates this machine's data dir; a server initialises its own at start")
    def init_data_dir(self) -> dict[str, Any]:
        """Create the data dir, database and an empty registry (idempotent)."""
        from atocore.ops.health import init_data_dir

        return init_data_dir(self.settings)

    @route("GET", "/stats")
    def index_stats(self) -> dict[str, Any]:
        """Files, chunks and vectors overall and per project; the embedding model."""
        from atocore.ingest.stats import index_stats

        return index_stats(self.conn)

    @route("GET", "/sources")
    def list_sources(self) -> list[dict[str, Any]]:
        """Every registered ingest root: where it points, whether it exists, what it holds."""
        from atocore.ingest.stats import list_sources

        return list_sources(self.conn)

    # --- backups -----------------------------------------------------------------------

    @route("POST", "/admin/backup", status=201)
    def create_backup(self) -> dict[str, Any]:
        """Snapshot the data dir (safe while serving) and validate the snapshot."""
        return self._create_backup(None)

    @local_only(_DEST)
    def create_backup_at(self, dest: Path) -> dict[str, Any]:
        """:meth:`create_backup` into another snapshot root."""
        return self._create_backup(dest)

    def _create_backup(self, dest: Path | None) -> dict[str, Any]:
        from atocore.api.progress import reporter
        from atocore.ops.backup import create_backup

        return create_backup(self.settings, dest=dest, progress=reporter())

    @route("GET", "/admin/backup")
    def list_backups(self) -> dict[str, Any]:
        """Snapshots, oldest first, with their last validation result."""
        from atocore.ops.backup import list_backups

        return list_backups(self.settings)

    @local_only(_DEST)
    def list_backups_at(self, dest: Path) -> dict[str, Any]:
        """:meth:`list_backups` of another snapshot root."""
        from atocore.ops.backup import list_backups

        return list_backups(self.settings, dest=dest)

    @route("GET", "/admin/backup/{stamp}/validate")
    def validate_backup(self, stamp: str) -> dict[str, Any]:
        """Check a snapshot (``latest``: the newest) and record the result in it."""
        return self._validate_backup(stamp, None)

    @local_only(_DEST)
    def validate_backup_at(self, stamp: str, dest: Path) -> dict[str, Any]:
        """:meth:`validate_backup` in another snapshot root."""
        return self._validate_backup(stamp, dest)

    def _validate_backup(self, stamp: str, dest: Path | None) -> dict[str, Any]:
        from atocore.errors import NotFound
        from atocore.ops.backup import latest_stamp, validate_backup

        if stamp == "latest":
            stamp = latest_stamp(self.settings, dest=dest) or ""
            if not stamp:
                raise NotFound("there are no snapshots to validate")
        return validate_backup(stamp, self.settings, dest=dest)

    @local_only("it replaces the database files under a running server; stop it and restore there")
    def restore_backup(
        self,
        stamp: str,
        confirm_stopped: bool = False,
        pre_snapshot: bool = True,
        dest: Path | None = None,
    ) -> dict[str, Any]:
        """Put a snapshot back as the live database, registry and template overrides."""
        from atocore.api.progress import reporter
        from atocore.ops.restore import restore_backup

        return restore_backup(
            stamp,
            self.settings,
            dest=dest,
            confirm_stopped=confirm_stopped,
            pre_snapshot=pre_snapshot,
            progress=reporter(),
        )

    @local_only("it deletes snapshot directories; run it on the machine that holds them")
    def cleanup_backups(self, confirm: bool = False, dest: Path | None = None) -> dict[str, Any]:
        """Apply retention (dry run unless ``confirm``)."""
        from atocore.ops.backup import cleanup_backups

        return cleanup_backups(self.settings, dest=dest, confirm=confirm)

    # --- migrations --------------------------------------------------------------------

    @local_only("it rewrites rows and writes its report in this machine's data dir")
    def migrate_aliases(
        self, apply: bool = False, report: Path | None = None, backup: bool = True
    ) -> dict[str, Any]:
        """Fold rows stored under a project alias into the canonical project id."""
        from atocore.ops.alias_migration import migrate_aliases

        return migrate_aliases(
            self.conn, apply=apply, report_path=report, settings=self.settings, backup=backup
        )
