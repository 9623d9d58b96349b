"""Settings and the data-directory layout.

Everything is resolved from the environment at call time, so the CLI's
``--data-dir`` (which sets ``ATOCORE_DATA_DIR``), tests (monkeypatched env)
and the server all see the same paths without passing them around.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from atocore.errors import InvalidInput

DB_FILENAME = "atocore.db"

# True while the server handles a request: services that take a path from
# their caller apply the remote-client policy (see projects.registry.paths_allowed)
# whichever route calls them.
remote_caller: ContextVar[bool] = ContextVar("atocore_remote_caller", default=False)


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("atocore", appauthor=False))


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise InvalidInput(f"{name} must be a number, got {raw!r}") from exc


@dataclass(frozen=True)
class Settings:
    """Resolved paths and knobs. Build with :func:`get_settings`."""

    data_dir: Path
    registry_path: Path
    busy_timeout_ms: int
    embed_model_path: Path | None
    url: str | None
    timeout_seconds: float
    allow_remote_paths: bool = False
    allowed_hosts: tuple[str, ...] = ()

    @property
    def db_path(self) -> Path:
        return self.data_dir / DB_FILENAME

    @property
    def config_dir(self) -> Path:
        return self.data_dir / "config"

    @property
    def mirror_dir(self) -> Path:
        return self.data_dir / "mirror"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups" / "snapshots"

    @property
    def models_dir(self) -> Path:
        return self.data_dir / "models"

    @property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @property
    def run_dir(self) -> Path:
        """Pid/lock files of long-running processes (serve, watch)."""
        return self.data_dir / "run"

    def layout(self) -> dict[str, Path]:
        """Every directory ``atocore init`` creates."""
        return {
            "data_dir": self.data_dir,
            "config_dir": self.config_dir,
            "mirror_dir": self.mirror_dir,
            "backups_dir": self.backups_dir,
            "models_dir": self.models_dir,
            "logs_dir": self.logs_dir,
            "run_dir": self.run_dir,
        }


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def get_settings() -> Settings:
    """Resolve settings from ``ATOCORE_*`` environment variables."""
    raw_dir = os.environ.get("ATOCORE_DATA_DIR")
    data_dir = Path(raw_dir).expanduser() if raw_dir else _default_data_dir()
    raw_registry = os.environ.get("ATOCORE_PROJECT_REGISTRY_PATH")
    registry_path = (
        Path(raw_registry).expanduser()
        if raw_registry
        else data_dir / "config" / "project-registry.json"
    )
    raw_model = os.environ.get("ATOCORE_EMBED_MODEL_PATH")
    return Settings(
        data_dir=data_dir.absolute(),
        registry_path=registry_path.absolute(),
        busy_timeout_ms=int(_env_float("ATOCORE_BUSY_TIMEOUT_MS", 5000)),
        embed_model_path=Path(raw_model).expanduser() if raw_model else None,
        url=os.environ.get("ATOCORE_URL") or None,
        timeout_seconds=_env_float("ATOCORE_TIMEOUT_SECONDS", 30.0),
        allow_remote_paths=_env_flag("ATOCORE_ALLOW_REMOTE_PATHS"),
        allowed_hosts=tuple(
            h.strip().lower()
            for h in os.environ.get("ATOCORE_ALLOWED_HOSTS", "").split(",")
            if h.strip()
        ),
    )
