"""Every ``ATOCORE_*`` environment variable, declared once.

Each variable has one default, one parser and one line of help; every module
reads it through :func:`read`, so "true" means the same everywhere and a bad
value is refused the same way (an :class:`EnvError` naming the variable; the
CLI reports it with exit 2, a hook logs it and stays out of the way).
``atocore status --settings`` lists the effective values.

Standard library only (and atocore.errors): the hook process imports this.
"""

from __future__ import annotations

import os

from atocore.errors import InvalidInput

# Not `typing.TYPE_CHECKING`: importing typing is a cost the prompt hook avoids
# (docs/benchmarks.md, "Figures behind design choices").
# Type checkers treat any name TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")


class EnvError(InvalidInput):
    """A variable is set to something its parser refuses."""


def flag(raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f"expected one of {'/'.join(TRUE)} or {'/'.join(FALSE)}")


def number(raw: str) -> float:
    return float(raw)


def positive(raw: str) -> float:
    value = float(raw)
    if value <= 0:
        raise ValueError("expected a positive number")
    return value


def count(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("expected a whole number of at least 1")
    return value


def text(raw: str) -> str:
    return raw.strip()


class Var:
    """One variable: its default (None: unset), parser and help."""

    __slots__ = ("name", "default", "parse", "help", "used_by")

    def __init__(
        self, name: str, default: Any, parse: Callable[[str], Any], help: str, used_by: str
    ) -> None:
        self.name = name
        self.default = default
        self.parse = parse
        self.help = help
        self.used_by = used_by


VARS: dict[str, Var] = {}


def _declare(name: str, default: Any, parse: Callable[[str], Any], used_by: str, help: str) -> None:
    VARS[name] = Var(name, default, parse, help, used_by)


# --- where things are ---------------------------------------------------------------
_declare(
    "ATOCORE_DATA_DIR", None, text, "all", "Data directory (default: the platform user-data dir)."
)
_declare(
    "ATOCORE_PROJECT_REGISTRY_PATH",
    None,
    text,
    "all",
    "Project registry JSON (default: <data>/config/project-registry.json).",
)
_declare(
    "ATOCORE_EMBED_MODEL_PATH",
    None,
    text,
    "all",
    "A local fastembed-compatible model directory (overrides the offline package).",
)
_declare(
    "ATOCORE_EMBED_MODEL",
    None,
    text,
    "all",
    "A fastembed model name to download into <data>/models (needs network).",
)
_declare("ATOCORE_BUSY_TIMEOUT_MS", 5000, count, "all", "How long a write waits for a lock (ms).")
_declare("ATOCORE_ACTOR", None, text, "all", "Name written to the review log (default: your user).")
# --- remote mode --------------------------------------------------------------------
_declare(
    "ATOCORE_URL", None, text, "cli, hooks, mcp", "Remote mode: run operations on this server."
)
_declare(
    "ATOCORE_API_TOKEN", None, text, "all", "Bearer token (required when serving off loopback)."
)
_declare("ATOCORE_TIMEOUT_SECONDS", 30.0, positive, "cli, hooks, mcp", "Remote call timeout (s).")
# --- hooks --------------------------------------------------------------------------
_declare(
    "ATOCORE_HOOK_TIMEOUT_SECONDS", 8.0, positive, "hooks", "Most a hook waits for a server (s)."
)
_declare(
    "ATOCORE_HOOK_BUDGET", None, count, "hooks", "Prompt hook pack budget (chars; default 3000)."
)
_declare(
    "ATOCORE_HOOK_MODE", None, text, "hooks", "Prompt hook retrieval mode: hybrid|bm25|vector."
)
_declare(
    "ATOCORE_SESSION_BUDGET",
    None,
    count,
    "hooks",
    "Session-start pack budget (chars; default 2500).",
)
_declare(
    "ATOCORE_CONTEXT_DISABLED",
    False,
    flag,
    "hooks",
    "Stop injecting context (prompt, session start).",
)
_declare("ATOCORE_CAPTURE_DISABLED", False, flag, "hooks", "Stop recording turns (stop hook).")
_declare(
    "ATOCORE_CAPTURE_REINFORCE",
    True,
    flag,
    "hooks",
    "The stop hook's captures reinforce confirmed memories (the default of every capture).",
)
_declare(
    "ATOCORE_AUTOSTART",
    False,
    flag,
    "hooks",
    "Start a loopback server when none answers (written by `claude install`).",
)
# --- server -------------------------------------------------------------------------
_declare(
    "ATOCORE_MAX_BODY_BYTES", 8 * 1024 * 1024, count, "server", "Largest request body (bytes)."
)
_declare(
    "ATOCORE_ALLOW_REMOTE_PATHS",
    False,
    flag,
    "server",
    "Let HTTP clients register filesystem paths as ingest roots (off: named sources only).",
)
_declare(
    "ATOCORE_ALLOWED_HOSTS",
    None,
    text,
    "server",
    "Extra Host header names the server answers (comma-separated; loopback always).",
)
_declare(
    "ATOCORE_IDLE_EXIT_SECONDS",
    None,
    positive,
    "server",
    "Stop after this many seconds without a request (unset: never; 1800 when a hook started it).",
)
_declare("ATOCORE_WARM_MODEL", True, flag, "server", "Load the embedding model at start.")
_declare("ATOCORE_BUILD_SHA", None, text, "server", "Commit reported by /health (set by deploy).")
_declare("ATOCORE_BUILD_TIME", None, text, "server", "Build time reported by /health.")
_declare("ATOCORE_BUILD_BRANCH", None, text, "server", "Branch reported by /health.")
# --- benchmarks ---------------------------------------------------------------------
_declare("ATOCORE_BENCH_RESULTS", None, text, "bench", "Where benchmarks write result JSON.")

# ``ATOCORE_SOURCE_<NAME>``: the folder a named source (registry ``sources``) points at.
SOURCE_PREFIX = "ATOCORE_SOURCE_"


def read(name: str) -> Any:
    """The variable's value: parsed, or its default when unset or blank."""
    var = VARS[name]
    raw = os.environ.get(name, "")
    if not raw.strip():
        return var.default
    try:
        return var.parse(raw)
    except ValueError as exc:
        raise EnvError(f"{name}={raw!r} is not valid: {exc}") from None


def source_dir(source: str) -> str | None:
    """``ATOCORE_SOURCE_<NAME>`` for a named source, if set."""
    value = os.environ.get(SOURCE_PREFIX + source.upper().replace("-", "_"), "").strip()
    return value or None


def effective() -> list[dict[str, Any]]:
    """Every declared variable with its effective value and where it came from."""
    rows = []
    for var in VARS.values():
        raw = os.environ.get(var.name, "")
        try:
            value, error = read(var.name), None
        except EnvError as exc:
            value, error = None, exc.message
        if var.name == "ATOCORE_API_TOKEN" and value:
            value = "(set)"
        rows.append(
            {
                "name": var.name,
                "value": value,
                "default": var.default,
                "source": "env" if raw.strip() else "default",
                "used_by": var.used_by,
                "help": var.help,
                **({"error": error} if error else {}),
            }
        )
    return rows
