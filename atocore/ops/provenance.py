"""Which build is running, for status reports and backup metadata alike."""

from __future__ import annotations

import os


def build_provenance() -> dict[str, str]:
    """Which build is running: set by deploy/deploy.sh (or the image), else "unknown".

    ``build_sha`` is the precise drift signal: deploy.sh compares it with the
    commit it just shipped; ``version`` only changes on manual bumps.
    """
    return {
        "build_sha": os.environ.get("ATOCORE_BUILD_SHA", "").strip() or "unknown",
        "build_time": os.environ.get("ATOCORE_BUILD_TIME", "").strip() or "unknown",
        "build_branch": os.environ.get("ATOCORE_BUILD_BRANCH", "").strip() or "unknown",
    }
