"""Claude Code hook handlers: JSON on stdin in, fail-open, fast.

Each handler takes the parsed hook payload and returns what the hook
prints on stdout (a dict, or None for nothing). :func:`run_hook` is the
fail-open edge: whatever happens, the hook process exits 0.
"""
