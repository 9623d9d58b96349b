"""``python -m atocore.hooks NAME``: the hook entry ``atocore claude install`` writes.

Same handlers as ``atocore hook NAME``, without loading the CLI framework:
a hook runs on every prompt, so its process start matters. Always exits 0.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        from atocore.hooks.handlers import HANDLERS, log, run_hook

        if len(args) != 1 or args[0] not in HANDLERS:
            log(f"usage: python -m atocore.hooks {{{'|'.join(HANDLERS)}}}")
            return 0
        out = run_hook(args[0], sys.stdin.read())
        if out:
            sys.stdout.write(out + "\n")
    except BaseException as exc:  # noqa: BLE001 - a hook never fails the session
        print(f"atocore hook: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
