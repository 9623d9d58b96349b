"""``atocore`` (the console script) and ``python -m atocore``.

``atocore hook NAME`` is run by Claude Code before every prompt, so it goes
straight to the hook entry without importing the CLI framework; every
other command goes to the Typer app.
"""

import sys


def main() -> None:
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "hook":
        from atocore.hooks import HOOK_NAMES

        if args[1] in HOOK_NAMES:
            from atocore.hooks.__main__ import main as run_hook

            sys.exit(run_hook(args[1:]))
    from atocore.cli.main import run

    run()


if __name__ == "__main__":
    main()
