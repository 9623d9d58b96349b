"""Remote mode: the HTTP client under :class:`atocore.api.remote.RemoteOperations`.

``--url`` (or ``ATOCORE_URL``) makes every operation run on an ``atocore
serve`` instead of the local database. Server errors come back
as the same domain errors the local services raise (so exit codes match);
a server that cannot be reached raises :class:`ServerUnavailable` (code
``unavailable`` in ``--json`` error output). Hooks catch everything and exit 0;
admin commands never go remote.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from atocore.config import Settings
from atocore.env import read
from atocore.errors import (
    AtocoreError,
    ConflictError,
    Forbidden,
    InvalidInput,
    NotFound,
    OperationFailed,
)


class ServerUnavailable(OperationFailed):
    """The server could not be reached (refused, DNS, timeout)."""

    code = "unavailable"


_BY_STATUS: dict[int, type[AtocoreError]] = {
    400: InvalidInput,
    403: Forbidden,
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
        """One JSON request; stdlib only, so a hook process starts fast."""
        import json as jsonlib
        import urllib.error
        import urllib.request
        from urllib.parse import urlencode

        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        clean = {
            k: ("true" if v else "false") if isinstance(v, bool) else v
            for k, v in (params or {}).items()
            if v is not None and v != ""
        }
        url = f"{self.url}{path}" + (f"?{urlencode(clean)}" if clean else "")
        data = None
        if json is not None:
            data = jsonlib.dumps(json).encode("utf-8")
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                return _decode(response.status, response.headers, response.read())
        except urllib.error.HTTPError as exc:
            raise _error_from(exc.code, exc.headers, exc.read()) from None
        except TimeoutError as exc:
            raise ServerUnavailable(
                f"atocore server at {self.url} timed out after {self.timeout:g}s "
                "(ATOCORE_TIMEOUT_SECONDS)"
            ) from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise ServerUnavailable(
                    f"atocore server at {self.url} timed out after {self.timeout:g}s "
                    "(ATOCORE_TIMEOUT_SECONDS)"
                ) from exc
            raise ServerUnavailable(f"cannot reach atocore server at {self.url}: {reason}") from exc

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, body: Any = None, **params: Any) -> Any:
        return self.request("POST", path, json=body if body is not None else {}, params=params)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, json=body)


def _decode(status: int, headers: Any, body: bytes) -> Any:
    import json as jsonlib

    if not body:
        return None
    if (headers.get("content-type") or "").startswith("application/json"):
        return jsonlib.loads(body or b"null")
    return body.decode("utf-8", errors="replace")


def _error_from(status: int, headers: Any, body: bytes) -> AtocoreError:
    try:
        data = _decode(status, headers, body)
        message = data.get("error", {}).get("message") if isinstance(data, dict) else None
        message = message or str(data)
    except ValueError:
        message = body.decode("utf-8", errors="replace")
    if status == 401:
        return OperationFailed(f"server refused the request: {message} (set ATOCORE_API_TOKEN)")
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = InvalidInput if status < 500 else OperationFailed
        message = f"server error {status}: {message}"
    return cls(message)


def client_for(settings: Settings) -> RemoteClient:
    """The client for the server the settings name."""
    if not settings.url:
        raise OperationFailed("no server configured (--url / ATOCORE_URL)")
    token = read("ATOCORE_API_TOKEN")
    return RemoteClient(settings.url, timeout=settings.timeout_seconds, token=token)
