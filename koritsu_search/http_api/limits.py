"""What the API refuses before routing: anything but GET, HEAD and a CORS preflight; request bodies; overlong URLs."""

from __future__ import annotations

import json

from ..web.guard import SECURITY_HEADERS, ASGIApp, Receive, Scope, Send

MAX_TARGET_BYTES = 24576  # path and query string: a question of the longest kind (2000 characters) percent-encoded fits
ALLOWED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadOnlyLimits:
    """ASGI middleware: the API is read-only and its questions are short."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = _refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, message = refusal
        body = json.dumps({"error": {"status": status, "message": message}}).encode()
        extra = [(b"allow", b"GET, HEAD")] if status == 405 else []
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                *extra, *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": body})


def _refusal(scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
    if scope.get("method", "GET") not in ALLOWED_METHODS:
        return 405, "this API is read-only: use GET"
    if headers.get("content-length", "0").strip() not in ("", "0") or "transfer-encoding" in headers:
        return 413, "requests have no body: pass the parameters in the query string"
    target = len(scope.get("raw_path", b"")) + len(scope.get("query_string", b""))
    if target > MAX_TARGET_BYTES:
        return 414, f"the URL is too long (at most {MAX_TARGET_BYTES} bytes of path and query)"
    return None
