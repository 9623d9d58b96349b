"""Claude Code hook handlers: JSON on stdin in, fail-open, fast.

Each handler takes the parsed hook payload and returns what the hook
prints on stdout (a dict, or None for nothing). :func:`run_hook` is the
fail-open edge: whatever happens, the hook process exits 0. This package
module stays import-free: every hook process loads it.
"""

import os

HOOK_NAMES = ("stop", "prompt", "session-start")
HOOK_TIMEOUT_S = 8.0


def env_seconds(name: str, default: float) -> float:
    """A positive number of seconds from the environment; garbage means the default."""
    try:
        value = float(os.environ.get(name) or default)
    except ValueError:
        return default
    return value if value > 0 else default


def hook_timeout_s() -> float:
    """How long a hook waits for a server: a hook must never hang a turn."""
    return env_seconds("ATOCORE_HOOK_TIMEOUT_SECONDS", HOOK_TIMEOUT_S)


def env_flag(name: str) -> bool:
    """An on/off switch from the environment (1/true/yes/on)."""
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")
