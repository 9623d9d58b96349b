"""Start the loopback server in the background when a hook finds none.

``atocore claude install`` marks the prompt and session-start hooks with
``ATOCORE_AUTOSTART=1``. When such a hook cannot reach its server, this
module starts ``atocore serve`` on that URL's port as a detached process
(its own session, output to ``<data>/logs/serve.log``) and returns at once:
that prompt gets no context, the next ones are served warm. The server
stops itself after ``ATOCORE_IDLE_EXIT_SECONDS`` without requests (1800 s
unless set). A claim file in ``<data>/run`` keeps the hooks of a burst of
prompts from starting one server each while the first is still loading;
should two start anyway, the second finds the serve lock held and exits.

Only the hook's failure path imports this module.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from atocore.env import read

IDLE_EXIT_DEFAULT_S = "1800"
# A server started by another hook this recently is still loading: wait for it.
START_GRACE_S = 60.0
CLAIM = "autostart.pid"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _data_dir() -> Path:
    raw = read("ATOCORE_DATA_DIR")
    if raw:
        return Path(raw).expanduser().absolute()
    from atocore.config import get_settings

    return get_settings().data_dir


def _claim(run_dir: Path) -> bool:
    """Whether this hook is the one to start the server (no fresh claim by another)."""
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / CLAIM
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        try:
            age = time.time() - path.stat().st_mtime
        except FileNotFoundError:
            age = START_GRACE_S
        if age < START_GRACE_S:
            return False
        path.unlink(missing_ok=True)  # stale: that server has stopped (or never started)
        return _claim(run_dir)
    os.close(fd)
    return True


def start_if_asked() -> str | None:
    """With ``ATOCORE_AUTOSTART`` (written by ``atocore claude install``), start the
    server at ``ATOCORE_URL`` that the hook could not reach; None when not asked."""
    from atocore.hooks import env_flag
    from atocore.hooks.relay import _target

    if not env_flag("ATOCORE_AUTOSTART"):
        return None
    host, port, _ = _target(read("ATOCORE_URL") or "") or ("", 0, "")
    return start_server(host, port)


def start_server(host: str, port: int) -> str:
    """Start ``atocore serve`` on ``host:port`` unless one is starting; say what happened."""
    if host not in LOOPBACK:
        return f"no server at {host}:{port} (only a loopback server is started automatically)"
    data_dir = _data_dir()
    if not _claim(data_dir / "run"):
        return f"server on {host}:{port} is starting; context from a later prompt on"
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("ATOCORE_URL", "ATOCORE_AUTOSTART")}
    env["ATOCORE_DATA_DIR"] = str(data_dir)
    env.setdefault("ATOCORE_IDLE_EXIT_SECONDS", IDLE_EXIT_DEFAULT_S)
    import subprocess

    with open(logs / "serve.log", "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "atocore", "serve", "--host", host, "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # outlives the hook, untouched by its signals
            close_fds=True,
        )
    (data_dir / "run" / CLAIM).write_text(f"{process.pid}\n", encoding="utf-8")
    return (
        f"started a server on {host}:{port} (pid {process.pid}, log {logs / 'serve.log'}); "
        "context from a later prompt on"
    )
