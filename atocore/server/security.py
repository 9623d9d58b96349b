"""Bind policy, Host allow-list, bearer-token auth, request body limits, safe names.

Policy: a server bound to a loopback address may run without a token.
Binding anywhere else requires ``ATOCORE_API_TOKEN``. Whenever a token is
configured, every request must carry ``Authorization: Bearer <token>``.
Every request's ``Host`` must be an allowed name (``allowed_hosts``), so a
web page cannot reach a loopback server through DNS rebinding. Requests
run with ``remote_caller`` set: services refuse what only a local user
may ask for (a new filesystem path).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import socket

from starlette.exceptions import HTTPException

from atocore.config import remote_caller
from atocore.env import read
from atocore.errors import InvalidInput

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,127}$")


def api_token() -> str | None:
    return read("ATOCORE_API_TOKEN")


def max_body_bytes() -> int:
    return int(read("ATOCORE_MAX_BODY_BYTES"))


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and ``localhost``."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback bind without a token."""
    if not is_loopback(host) and not token:
        raise InvalidInput(
            f"binding to {host} exposes atocore beyond this machine: set ATOCORE_API_TOKEN "
            "(clients then send `Authorization: Bearer <token>`) or bind 127.0.0.1"
        )


def allowed_hosts(bind: str, configured: tuple[str, ...] = ()) -> frozenset[str]:
    """Host names (no port) a request may address the server by.

    Loopback names always; the bind address when it is a specific one; this
    machine's hostname when bound to every interface; plus
    ``ATOCORE_ALLOWED_HOSTS`` (comma-separated, ``*`` allows any).
    """
    hosts = {*LOOPBACK_NAMES, *(h.strip("[]").lower() for h in configured)}
    bind = bind.strip().strip("[]").lower()
    if bind in ("0.0.0.0", "::", ""):
        hosts.add(socket.gethostname().lower())
    else:
        hosts.add(bind)
    return frozenset(hosts)


def host_name(header: str) -> str:
    """The name part of a Host header (``[::1]:8100`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    if header.count(":") == 1:
        return header.partition(":")[0]
    return header


def safe_name(value: str, what: str = "name") -> str:
    """A project/page name safe to use in a path: no separators, no ``..``."""
    if not _SAFE_NAME.match(value) or ".." in value:
        raise InvalidInput(f"invalid {what} {value!r}")
    return value


def _error_body(status: int, code: str, message: str) -> tuple[int, bytes]:
    return status, json.dumps({"error": {"code": code, "message": message}}).encode()


async def _send_json(send, status: int, body: bytes, headers: list | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the {limit}-byte limit")


class GuardMiddleware:
    """Pure ASGI middleware: Host allow-list, bearer auth, then the body size limit."""

    def __init__(
        self, app, *, token: str | None, max_bytes: int, hosts: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.token = token
        self.max_bytes = max_bytes
        self.hosts = hosts or frozenset(LOOPBACK_NAMES)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        remote_caller.set(True)  # this task serves one request; the route inherits it
        headers = dict(scope.get("headers") or [])
        host = host_name(headers.get(b"host", b"").decode("latin-1"))
        if "*" not in self.hosts and host not in self.hosts:
            status, body = _error_body(
                421,
                "wrong_host",
                f"Host {host!r} is not an allowed name of this server "
                "(loopback names, the bind address, ATOCORE_ALLOWED_HOSTS)",
            )
            return await _send_json(send, status, body)
        if self.token is not None:
            supplied = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, value = supplied.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(
                value.strip().encode(), self.token.encode()
            ):
                status, body = _error_body(
                    401, "unauthorized", "missing or wrong bearer token (ATOCORE_API_TOKEN)"
                )
                return await _send_json(
                    send, status, body, [(b"www-authenticate", b'Bearer realm="atocore"')]
                )
        length = headers.get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_bytes
            except ValueError:
                too_big = True
            if too_big:
                status, body = _error_body(
                    413, "too_large", f"request body over the {self.max_bytes}-byte limit"
                )
                return await _send_json(send, status, body)
        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                status, body = _error_body(
                    413, "too_large", f"request body over the {self.max_bytes}-byte limit"
                )
                await _send_json(send, status, body)
