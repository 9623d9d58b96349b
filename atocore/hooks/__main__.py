"""``python -m atocore.hooks NAME``: the hook entry ``atocore claude install`` writes.

Same handlers as ``atocore hook NAME``, without loading the CLI framework:
a hook runs on every prompt, so its process start matters. With a plain
``http://`` server configured, prompt and session-start go through
:mod:`atocore.hooks.relay` and import nothing more. Always exits 0.

Bounded: stdin is read up to :data:`MAX_INPUT_BYTES` (more is ignored
whole: cut JSON would not parse), and the whole run is given
``ATOCORE_HOOK_TIMEOUT_SECONDS`` plus :data:`GRACE_S` before it gives up.
"""

import sys

MAX_INPUT_BYTES = 16 * 1024 * 1024
GRACE_S = 2.0


class _OutOfTime(Exception):
    pass


def _out_of_time(_signum, _frame):
    raise _OutOfTime("took too long, gave up")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    name = args[0] if args else "?"
    previous = _arm_timer()
    try:
        raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(raw) > MAX_INPUT_BYTES:
            print(
                f"atocore hook: {name}: input over {MAX_INPUT_BYTES // (1024 * 1024)} MiB, ignored",
                file=sys.stderr,
            )
            return 0
        if len(args) == 1:
            from atocore.hooks.relay import RelayError, relay

            try:
                out = relay(args[0], raw)
            except RelayError as exc:
                message = f"{exc.code}: {exc}"
                if exc.code == "unavailable":  # start it, if `claude install` asked for that
                    need_site()
                    from atocore.hooks.autostart import start_if_asked

                    message = start_if_asked() or message
                print(f"atocore hook: {args[0]}: {message}", file=sys.stderr)
                return 0
            if out is not None:
                if out.strip():
                    sys.stdout.buffer.write(out.strip() + b"\n")
                return 0
        need_site()
        from atocore.hooks.handlers import HANDLERS, log, run_hook

        if len(args) != 1 or args[0] not in HANDLERS:
            log(f"usage: python -m atocore.hooks {{{'|'.join(HANDLERS)}}}")
            return 0
        reply = run_hook(args[0], raw.decode("utf-8", errors="replace"))
        if reply:
            sys.stdout.write(reply + "\n")
    except BaseException as exc:  # noqa: BLE001 - a hook never fails the session
        print(f"atocore hook: {type(exc).__name__}: {exc}", file=sys.stderr)
    finally:
        _disarm_timer(previous)
    return 0


def need_site() -> None:
    """Load ``site`` (installed libraries, ``.pth`` files) if the interpreter
    started without it (``python -S``, :mod:`atocore.hooks.launch`): only the
    relay runs on the standard library alone."""
    if "site" not in sys.modules:
        import site

        site.main()


def _arm_timer():
    """SIGALRM once the hook's time is up. The C module: ``signal`` builds enums at
    import, a cost on every prompt. None where unsupported
    (no setitimer, or not the main thread: an embedding process keeps its own)."""
    try:
        import _signal
    except ImportError:  # pragma: no cover
        return None
    if not hasattr(_signal, "setitimer"):  # pragma: no cover - Windows
        return None
    from atocore.hooks import hook_timeout_s

    try:
        previous = _signal.signal(_signal.SIGALRM, _out_of_time)
    except ValueError:  # not the main thread
        return None
    _signal.setitimer(_signal.ITIMER_REAL, hook_timeout_s() + GRACE_S)
    return previous


def _disarm_timer(previous) -> None:
    if previous is None:
        return
    import _signal

    _signal.setitimer(_signal.ITIMER_REAL, 0)
    _signal.signal(_signal.SIGALRM, previous)


if __name__ == "__main__":
    sys.exit(main())
