"""Which build is running, for status reports and backup metadata alike."""

from __future__ import annotations

from atocore.env import read


def build_provenance() -> dict[str, str]:
    """Which build is running: set by deploy/deploy.sh (or the image), else "unknown".

    ``build_sha`` is the precise drift signal: deploy.sh compares it with the
    commit it just shipped; ``version`` only changes on manual bumps.
    """
    return {
        "build_sha": read("ATOCORE_BUILD_SHA") or "unknown",
        "build_time": read("ATOCORE_BUILD_TIME") or "unknown",
        "build_branch": read("ATOCORE_BUILD_BRANCH") or "unknown",
    }
