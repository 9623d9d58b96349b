"""A real ``atocore serve`` process on a free loopback port (for socket tests)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def live_server(extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """Start the server in a subprocess; yields its base URL; stops it afterwards."""
    port = free_port()
    env = {**os.environ, "ATOCORE_WARM_MODEL": "0", **(extra_env or {})}
    env.pop("ATOCORE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "atocore", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    headers = {}
    if env.get("ATOCORE_API_TOKEN"):
        headers["Authorization"] = f"Bearer {env['ATOCORE_API_TOKEN']}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {proc.stdout.read().decode()}")
            try:
                if httpx.get(f"{url}/health", headers=headers, timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 60 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()
