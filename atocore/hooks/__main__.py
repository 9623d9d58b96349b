"""``python -m atocore.hooks NAME``: the hook entry ``atocore claude install`` writes.

Same handlers as ``atocore hook NAME``, without loading the CLI framework:
a hook runs on every prompt, so its process start matters. With a plain
``http://`` server configured, prompt and session-start go through
:mod:`atocore.hooks.relay` and import nothing more. Always exits 0.
"""

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        raw = sys.stdin.buffer.read()
        if len(args) == 1:
            from atocore.hooks.relay import RelayError, relay

            try:
                out = relay(args[0], raw)
            except RelayError as exc:
                message = f"{exc.code}: {exc}"
                if exc.code == "unavailable":  # start it, if `claude install` asked for that
                    from atocore.hooks.autostart import start_if_asked

                    message = start_if_asked() or message
                print(f"atocore hook: {args[0]}: {message}", file=sys.stderr)
                return 0
            if out is not None:
                if out.strip():
                    sys.stdout.buffer.write(out.strip() + b"\n")
                return 0
        from atocore.hooks.handlers import HANDLERS, log, run_hook

        if len(args) != 1 or args[0] not in HANDLERS:
            log(f"usage: python -m atocore.hooks {{{'|'.join(HANDLERS)}}}")
            return 0
        out = run_hook(args[0], raw.decode("utf-8", errors="replace"))
        if out:
            sys.stdout.write(out + "\n")
    except BaseException as exc:  # noqa: BLE001 - a hook never fails the session
        print(f"atocore hook: {type(exc).__name__}: {exc}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
