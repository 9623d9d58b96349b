"""The installed hook entry: ``python -S …/atocore/hooks/launch.py NAME``.

Claude Code starts a fresh interpreter before every prompt. ``-S`` skips
the ``site`` module — the virtualenv's paths and its ``.pth`` files, about a
fifth of a warm prompt's own process time — so this file puts the directory
that holds the ``atocore`` package on the path itself. A hook that relays to
a server needs nothing else; one that must do the work here (no server, a
private span) loads ``site`` first (:func:`atocore.hooks.__main__.need_site`).
"""

import os
import sys

sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from atocore.hooks.__main__ import main  # noqa: E402 - the path above comes first

sys.exit(main())
