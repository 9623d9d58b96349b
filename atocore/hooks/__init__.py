"""Claude Code hook handlers: JSON on stdin in, fail-open, fast.

Each handler takes the parsed hook payload and returns what the hook
prints on stdout (a dict, or None for nothing). :func:`run_hook` is the
fail-open edge: whatever happens, the hook process exits 0. This package
module stays light (atocore.env only): every hook process loads it.
"""

from atocore.env import read

HOOK_NAMES = ("stop", "prompt", "session-start")


def env_seconds(name: str) -> float:
    """A positive number of seconds from the environment (atocore.env)."""
    return float(read(name))


def hook_timeout_s() -> float:
    """How long a hook waits for a server: a hook must never hang a turn."""
    return env_seconds("ATOCORE_HOOK_TIMEOUT_SECONDS")


def env_flag(name: str) -> bool:
    """An on/off switch from the environment (one meaning of true: atocore.env)."""
    return bool(read(name))
