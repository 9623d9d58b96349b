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

from atocore.env import read

DB_FILENAME = "atocore.db"

# True while the server handles a request: services that take a path from
# their caller apply the remote-client policy (see projects.registry.paths_allowed)
# whichever route calls them.
remote_caller: ContextVar[bool] = ContextVar("atocore_remote_caller", default=False)


def _default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("atocore", appauthor=False))


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


# Values given on the command line (``--data-dir``, ``--url``): they win over
# the environment for this process, without rewriting the environment.
_overrides: dict[str, str | None] = {}


def set_overrides(*, data_dir: str | None = None, url: str | None = None) -> None:
    """The global CLI options of this invocation (None: not given)."""
    _overrides.clear()
    _overrides.update({k: v for k, v in (("data_dir", data_dir), ("url", url)) if v is not None})


# What settings are resolved from: a server resolves them a dozen times per
# context pack, so the last result is kept while none of these changes.
_INPUTS = (
    "ATOCORE_DATA_DIR",
    "ATOCORE_PROJECT_REGISTRY_PATH",
    "ATOCORE_EMBED_MODEL_PATH",
    "ATOCORE_BUSY_TIMEOUT_MS",
    "ATOCORE_URL",
    "ATOCORE_TIMEOUT_SECONDS",
    "ATOCORE_ALLOW_REMOTE_PATHS",
    "ATOCORE_ALLOWED_HOSTS",
    "HOME",  # the platform data dir
    "XDG_DATA_HOME",
)
_last: tuple[tuple, Settings] | None = None


def get_settings() -> Settings:
    """Resolve settings from the command line's global options, then ``ATOCORE_*``."""
    global _last
    key = (tuple(_overrides.items()), os.getcwd(), tuple(map(os.environ.get, _INPUTS)))
    if _last is None or _last[0] != key:
        _last = (key, _resolve())
    return _last[1]


def _resolve() -> Settings:
    raw_dir = _overrides.get("data_dir") or read("ATOCORE_DATA_DIR")
    data_dir = Path(raw_dir).expanduser() if raw_dir else _default_data_dir()
    raw_registry = read("ATOCORE_PROJECT_REGISTRY_PATH")
    registry_path = (
        Path(raw_registry).expanduser()
        if raw_registry
        else data_dir / "config" / "project-registry.json"
    )
    raw_model = read("ATOCORE_EMBED_MODEL_PATH")
    return Settings(
        data_dir=data_dir.absolute(),
        registry_path=registry_path.absolute(),
        busy_timeout_ms=read("ATOCORE_BUSY_TIMEOUT_MS"),
        embed_model_path=Path(raw_model).expanduser() if raw_model else None,
        url=_overrides.get("url") or read("ATOCORE_URL"),
        timeout_seconds=read("ATOCORE_TIMEOUT_SECONDS"),
        allow_remote_paths=read("ATOCORE_ALLOW_REMOTE_PATHS"),
        allowed_hosts=tuple(
            h.strip().lower() for h in (read("ATOCORE_ALLOWED_HOSTS") or "").split(",") if h.strip()
        ),
    )
