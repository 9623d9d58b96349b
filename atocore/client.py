"""Remote mode: the HTTP client the CLI, hooks and MCP use against a server.

``--url`` (or ``ATOCORE_URL``) makes read and capture commands talk to an
``atocore serve`` instead of the local database. Server errors come back
as the same domain errors the local services raise (so exit codes match);
a server that cannot be reached raises :class:`ServerUnavailable`.
Hooks wrap calls in :func:`fail_open`; admin commands never go remote.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

from atocore.config import get_settings
from atocore.errors import AtocoreError, ConflictError, InvalidInput, NotFound, OperationFailed


class ServerUnavailable(OperationFailed):
    """The server could not be reached (refused, DNS, timeout)."""

    code = "unavailable"


_BY_STATUS: dict[int, type[AtocoreError]] = {
    400: InvalidInput,
    404: NotFound,
    409: ConflictError,
    413: InvalidInput,
    422: InvalidInput,
}


def segment(value: str) -> str:
    """Quote one path segment (``/`` included) for a URL."""
    return quote(value, safe="")


class RemoteClient:
    """A thin JSON client for one server."""

    def __init__(self, url: str, *, timeout: float = 30.0, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.token = token

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> Any:
        import httpx

        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        try:
            response = httpx.request(
                method,
                f"{self.url}{path}",
                json=json,
                params=clean or None,
                headers=headers,
                timeout=self.timeout,
            )
        except httpx.TimeoutException as exc:
            raise ServerUnavailable(
                f"atocore server at {self.url} timed out after {self.timeout:g}s "
                "(ATOCORE_TIMEOUT_SECONDS)"
            ) from exc
        except httpx.HTTPError as exc:
            raise ServerUnavailable(f"cannot reach atocore server at {self.url}: {exc}") from exc
        if response.status_code >= 400:
            raise _error_from(response)
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self.request("POST", path, json=body if body is not None else {}, params=params)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)


def _error_from(response: Any) -> AtocoreError:
    try:
        error = response.json().get("error", {})
        message = error.get("message") or response.text
    except (ValueError, AttributeError):
        message = response.text or response.reason_phrase
    if response.status_code == 401:
        return OperationFailed(f"server refused the request: {message} (set ATOCORE_API_TOKEN)")
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = InvalidInput if response.status_code < 500 else OperationFailed
        message = f"server error {response.status_code}: {message}"
    return cls(message)


def remote() -> RemoteClient | None:
    """A client when a server URL is configured (``--url``/``ATOCORE_URL``), else None."""
    settings = get_settings()
    if not settings.url:
        return None
    token = os.environ.get("ATOCORE_API_TOKEN", "").strip() or None
    return RemoteClient(settings.url, timeout=settings.timeout_seconds, token=token)


def fail_open(call, *args: Any, **kwargs: Any) -> Any:
    """Run ``call``; an unreachable server becomes an ``unavailable`` envelope."""
    try:
        return call(*args, **kwargs)
    except ServerUnavailable as exc:
        return {"status": "unavailable", "error": exc.message}


def fetch(method: str, path: str, body: Any = None, **params: Any) -> Any:
    """One request to the configured server (remote mode of a CLI command).

    Not fail-open: an unreachable server is an error (exit 1) for a person at
    a terminal; only hooks swallow it.
    """
    client = remote()
    if client is None:  # pragma: no cover - callers check remote() first
        raise OperationFailed("no server configured (--url / ATOCORE_URL)")
    return client.request(method, path, json=body, params=params)
