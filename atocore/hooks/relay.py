"""The hook process's fast path to a server: forward stdin, print the answer.

A prompt hook runs before every turn, with a 50 ms budget end to end, and
importing ``urllib.request``, ``json`` and ``socket`` costs about what the
server takes to build the pack. So when ``ATOCORE_URL``
is a plain ``http://host:port`` URL the hook process imports nothing beyond
the interpreter's own start-up modules: it sends its stdin bytes unparsed to
``POST /hooks/NAME`` over the C socket module and writes the body back. The
server parses, decides and formats (:mod:`atocore.server.routes.hooks`).

Anything this path does not handle (https, credentials in the URL, a
``<private>`` span, which must be stripped before it leaves the machine)
makes :func:`relay` return None and the hook runs the full handler instead,
which talks to the same endpoint through :mod:`atocore.client`.
"""

from __future__ import annotations

from atocore.env import read
from atocore.hooks import env_flag, env_seconds, hook_timeout_s

try:  # the C module: ``socket`` itself builds enums at import
    import _socket as sock
except ImportError:  # pragma: no cover - every CPython has it
    import socket as sock  # type: ignore[no-redef]

RELAYED = ("prompt", "session-start")
# environment knobs the server cannot see, passed as query parameters
_OPTIONS = {
    "prompt": (("budget", "ATOCORE_HOOK_BUDGET"), ("mode", "ATOCORE_HOOK_MODE")),
    "session-start": (("budget", "ATOCORE_SESSION_BUDGET"),),
}


class RelayError(Exception):
    """The server could not be reached (``unavailable``, as in the CLI's JSON
    errors) or refused the request (``refused``)."""

    def __init__(self, message: str, code: str = "refused") -> None:
        super().__init__(message)
        self.code = code


def _target(url: str) -> tuple[str, int, str] | None:
    """``(host, port, path prefix)`` of a plain http URL, else None."""
    if not url.startswith("http://"):
        return None
    netloc, _, prefix = url[len("http://") :].partition("/")
    if not netloc or "@" in netloc or "?" in netloc or "#" in netloc:
        return None
    if netloc.startswith("["):  # [v6]:port
        host, _, rest = netloc[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else "80"
    else:
        host, _, port = netloc.partition(":")
        port = port or "80"
    if not host or not port.isdigit():
        return None
    prefix = prefix.rstrip("/")
    return host, int(port), f"/{prefix}" if prefix else ""


def _query(name: str) -> str:
    pairs = []
    for param, env in _OPTIONS.get(name, ()):
        value = read(env)
        if value is not None and str(value).isalnum() and str(value).isascii():
            pairs.append(f"{param}={value}")
    return "?" + "&".join(pairs) if pairs else ""


def _complete(data: bytes) -> bool:
    """Whether ``data`` holds a whole response (so a server that keeps the
    connection open despite ``Connection: close`` cannot stall the hook)."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return False
    lower = head.lower()
    if lower.startswith((b"http/1.1 204", b"http/1.0 204", b"http/1.1 304")):
        return True
    if b"\r\ntransfer-encoding: chunked" in lower:
        return body.endswith(b"0\r\n\r\n")
    marker = b"\r\ncontent-length:"
    if marker in lower:
        length = lower.split(marker, 1)[1].split(b"\r\n", 1)[0].strip()
        return length.isdigit() and len(body) >= int(length)
    return False  # no length given: the body runs to the end of the connection


def _read_response(conn: sock.socket) -> bytes:
    data = b""
    while not _complete(data):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _dechunk(body: bytes) -> bytes:
    out, rest = [], body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out.append(rest[:size])
        rest = rest[size + 2 :]
    return b"".join(out)


def _parse(response: bytes) -> tuple[int, bytes]:
    head, sep, body = response.partition(b"\r\n\r\n")
    if not sep:
        raise RelayError("malformed response from server")
    lines = head.split(b"\r\n")
    status = lines[0].split(b" ", 2)
    if len(status) < 2 or not status[1].isdigit():
        raise RelayError("malformed response from server")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(b":")
        headers[key.strip().lower()] = value.strip()
    try:
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = _dechunk(body)
        elif b"content-length" in headers:
            body = body[: int(headers[b"content-length"])]
    except ValueError as exc:
        raise RelayError("malformed response from server") from exc
    return int(status[1]), body


def relay(name: str, payload: bytes) -> bytes | None:
    """The hook's stdout bytes from the server, or None if this path does not apply.

    Raises :class:`RelayError` (server refused or unreachable); the caller
    logs it and exits 0 like every hook failure.
    """
    if name in RELAYED and env_flag("ATOCORE_CONTEXT_DISABLED"):
        return b""  # the switch is this machine's, so it is checked here
    target = _target(read("ATOCORE_URL") or "")
    if name not in RELAYED or target is None or b"<private" in payload.lower():
        return None
    host, port, prefix = target
    headers = [
        f"POST {prefix}/hooks/{name}{_query(name)} HTTP/1.1",
        f"Host: [{host}]:{port}" if ":" in host else f"Host: {host}:{port}",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
        "Connection: close",
    ]
    token = read("ATOCORE_API_TOKEN")
    if token:
        headers.append(f"Authorization: Bearer {token}")
    request = ("\r\n".join(headers) + "\r\n\r\n").encode("latin-1") + payload
    timeout = min(env_seconds("ATOCORE_TIMEOUT_SECONDS"), hook_timeout_s())
    try:
        # an ASCII host as bytes: a str host loads the idna codec (and re)
        lookup = host.encode("ascii") if host.isascii() else host
        family, kind, proto, _, address = sock.getaddrinfo(lookup, port, 0, sock.SOCK_STREAM)[0]
        conn = sock.socket(family, kind, proto)
        try:
            conn.settimeout(timeout)
            conn.connect(address)
            conn.sendall(request)
            response = _read_response(conn)
        finally:
            conn.close()
    except OSError as exc:  # refused, unresolvable, timed out
        message = f"cannot reach atocore server at {host}:{port}: {exc}"
        raise RelayError(message, "unavailable") from exc
    status, body = _parse(response)
    if status == 204:
        return b""
    if status != 200:
        raise RelayError(f"server answered {status}: {body[:300].decode('utf-8', 'replace')}")
    return body
