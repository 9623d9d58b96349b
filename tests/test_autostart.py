"""Warm by default: the prompt hook starts a server when none answers; it stops when idle."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time

import httpx
import pytest
from factories import HOOK, run_hook
from serverproc import free_port

from atocore.env import EnvError
from atocore.hooks.autostart import CLAIM
from atocore.server.idle import IdleWatchdog, idle_exit_seconds


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by init) counts as gone
    with contextlib.suppress(OSError):
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    return True


def _hook(env: dict[str, str]) -> subprocess.CompletedProcess:
    payload = {"session_id": "s", "cwd": "/", "prompt": "what mount did we pick?"}
    return run_hook([*HOOK, "prompt"], payload, env)


def test_prompt_hook_starts_a_server_that_stops_when_idle(data_dir):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "ATOCORE_DATA_DIR": str(data_dir),
        "ATOCORE_URL": url,
        "ATOCORE_AUTOSTART": "1",
        "ATOCORE_WARM_MODEL": "0",
        "ATOCORE_IDLE_EXIT_SECONDS": "3",
    }
    first = _hook(env)
    assert first.returncode == 0 and first.stdout == ""
    assert "started a server" in first.stderr, first.stderr
    pid = int((data_dir / "run" / CLAIM).read_text())
    try:
        second = _hook(env)  # while it loads: no second server
        assert second.returncode == 0 and "is starting" in second.stderr, second.stderr
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            assert time.monotonic() < deadline, (data_dir / "logs" / "serve.log").read_text()
            time.sleep(0.1)
        warm = _hook(env)
        assert warm.returncode == 0 and "unavailable" not in warm.stderr, warm.stderr
        assert httpx.get(f"{url}/health", timeout=5).json()["data_dir"] == str(data_dir)
        deadline = time.monotonic() + 30
        while _alive(pid):  # no request for 3 s: it stops itself
            assert time.monotonic() < deadline, "server did not stop when idle"
            time.sleep(0.2)
    finally:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert "shutdown" in (data_dir / "logs" / "serve.log").read_text().lower()


def test_no_autostart_without_the_flag_or_for_a_remote_host(data_dir):
    env = {**os.environ, "ATOCORE_DATA_DIR": str(data_dir)}
    env["ATOCORE_URL"] = f"http://127.0.0.1:{free_port()}"
    plain = _hook(env)
    assert plain.returncode == 0 and "unavailable" in plain.stderr
    remote = _hook(
        {
            **env,
            "ATOCORE_URL": "http://192.0.2.1:9",
            "ATOCORE_AUTOSTART": "1",
            "ATOCORE_HOOK_TIMEOUT_SECONDS": "0.5",
        }
    )
    assert remote.returncode == 0 and "only a loopback server" in remote.stderr, remote.stderr
    assert not (data_dir / "run" / CLAIM).exists()


def test_watchdog_waits_for_requests_in_flight():
    fired = threading.Event()
    watchdog = IdleWatchdog(0.3, on_idle=fired.set)
    watchdog.begin()
    watchdog.start()
    assert not fired.wait(0.8)  # a long request keeps it alive
    watchdog.end()
    assert fired.wait(3)


def test_idle_exit_seconds_from_the_environment(monkeypatch):
    monkeypatch.delenv("ATOCORE_IDLE_EXIT_SECONDS", raising=False)
    assert idle_exit_seconds() == 0
    monkeypatch.setenv("ATOCORE_IDLE_EXIT_SECONDS", "90")
    assert idle_exit_seconds() == 90
    monkeypatch.setenv("ATOCORE_IDLE_EXIT_SECONDS", "soon")
    with pytest.raises(EnvError, match="ATOCORE_IDLE_EXIT_SECONDS"):  # one parser: refused loudly
        idle_exit_seconds()
