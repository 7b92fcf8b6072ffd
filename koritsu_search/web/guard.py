"""What the web server refuses and what it always sends: a Host allow-list, same-origin writes, no uploads, security headers."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
# The app has no upload component: nobody may store files on the server.
BLOCKED_PREFIXES = ("/gradio_api/upload", "/upload")
SAFE_METHODS = frozenset({"GET", "HEAD"})
# Gradio runs the app's event scripts with new Function() and styles components inline.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; media-src 'self' blob:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """The Host names the server answers to: loopback names, the bound address unless it is a
    wildcard (then this machine's names and addresses), and any given; lower-case, without ports."""
    names = set(LOOPBACK_NAMES)
    try:
        wildcard = ipaddress.ip_address(bind).is_unspecified
    except ValueError:
        wildcard = False
    if wildcard:
        names.update({socket.gethostname(), socket.getfqdn()})
        try:
            names.update(socket.gethostbyname_ex(socket.gethostname())[2])
        except OSError:
            pass
    else:
        names.add(bind)
    names.update(extra)
    return frozenset(h for n in names if (h := host_name(n)))


def host_name(host_header: str) -> str:
    """The name in a Host header or an origin's netloc, without port or IPv6 brackets; "" when malformed."""
    value = host_header.strip().lower()
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        return name if rest == "" or (rest.startswith(":") and rest[1:].isdigit()) else ""
    if value.count(":") == 1:
        name, port = value.split(":")
        return name if port.isdigit() else ""
    return value


class RequestGuard:
    """ASGI middleware: refuses requests the app never needs and adds the security headers to every response."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str], origins: frozenset[str] = frozenset()) -> None:
        self.app = app
        self.hosts = hosts
        self.origins = origins  # origins allowed cross-origin requests (the API's --cors-origin)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            await _refuse(scope, send, *refusal)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in SECURITY_HEADERS if k not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if host_name(host) not in self.hosts:
            return 421, f"unknown host {host!r}: this server answers only to {', '.join(sorted(self.hosts))}"
        path = scope.get("path", "")
        # Gradio also parses files out of other multipart requests (e.g. process_recording).
        if any(path == p or path.startswith(p + "/") for p in BLOCKED_PREFIXES) \
                or headers.get("content-type", "").lower().startswith("multipart/"):
            return 403, "uploads are not accepted"
        origin = headers.get("origin")
        if scope["type"] == "http" and scope.get("method", "GET") not in SAFE_METHODS and origin is not None \
                and urlsplit(origin).netloc.lower() != host.lower() and origin not in self.origins:
            return 403, "cross-origin requests are not accepted"
        return None


async def _refuse(scope: Scope, send: Send, status: int, reason: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = reason.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode()), *SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})
