"""The gate every request passes before a router sees it (a plain ASGI middleware, in this order):

1. a request id (the client's ``X-Request-ID`` when it is a short token, else a new one), echoed on every answer;
2. the API key (``X-API-Key``, looked up by its hash), its revocation, and the rate limit: per key, and per
   client address for requests without a valid key, so bad requests count too;
3. the scope the path needs;
4. the body: refused before a byte is read where no body belongs (the public paths, which anyone can
   reach without a key, and GET, HEAD, OPTIONS, DELETE); elsewhere the limit is enforced while the body
   streams in: a declared ``Content-Length`` over the limit is refused before a byte is kept, and a body
   that grows past it stops being kept at the limit (the rest is read and dropped, up to a cap, so the
   client can read the 413). The whole body must arrive within ``body_timeout_s`` (408 otherwise), so a
   client trickling bytes cannot hold a connection and its buffer.

Rate limiting uses ``limits`` (the engine behind slowapi) with its moving-window strategy in memory: one
server process owns its counters.
"""
from __future__ import annotations

import asyncio
import logging
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from kiosk.api.errors import ApiError, error_body

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# The capture page's files are public: the page holds a single-use session token, never a key.
PUBLIC_PATHS = frozenset({"/health", "/openapi.json", "/capture", "/capture/capture.js", "/capture/capture.css"})
_RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Path prefix -> scope group. "/v1/info" and unknown /v1 paths need a valid key of any scope.
SCOPES: tuple[tuple[str, str], ...] = (
    ("/v1/quality", "compare"), ("/v1/compare", "compare"), ("/v1/challenges", "liveness"), ("/v1/liveness", "liveness"),
    ("/v1/verify", "verify"), ("/v1/identities", "facebank"), ("/v1/identify", "facebank"),
    ("/v1/sessions", "sessions"), ("/v1/remote-sessions", "verify"),
)
ALL_SCOPES: tuple[str, ...] = ("compare", "liveness", "verify", "facebank", "sessions", "images", "admin",
                                "upload_accept")
# ``all`` grants every operation but not ``admin`` (other keys' and the kiosk's own data) nor ``upload_accept``
# (the key's uploaded sessions, which ran no colour flash, may end ACCEPT without a person: REMOTE_NO_FLASH
# waived): those must be named, so an existing ``--scope all`` key gains neither.
_NOT_IN_ALL = frozenset({"admin", "upload_accept"})
_BODYLESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def scope_for(path: str) -> str | None:
    """The scope group a path needs (``None``: any valid key)."""
    for prefix, group in SCOPES:
        if path == prefix or path.startswith(prefix + "/"):
            return group
    return None


def has_scope(scopes: tuple[str, ...], needed: str) -> bool:
    """Whether a key's scopes grant ``needed`` (``all`` grants every group but ``admin``)."""
    return needed in scopes or ("all" in scopes and needed not in _NOT_IN_ALL)


class Gate:
    """Request id, API key, rate limit, scope and body limit (see the module docstring)."""

    def __init__(self, app: Any, authenticate: Callable[[str], Any], rate_per_minute: int,
                 max_body_bytes: int, body_timeout_s: float = 60.0) -> None:
        self.app = app
        self._body_timeout = body_timeout_s
        self._authenticate = authenticate
        self._limit = RateLimitItemPerMinute(rate_per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._max_body = max_body_bytes
        # An over-limit body is read and dropped (never kept) up to this much, so the client, still sending,
        # can read the 413; beyond it the connection is simply closed.
        self._drain_cap = 4 * max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = rid

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            public = scope["path"] in PUBLIC_PATHS
            if public or scope["method"] in _BODYLESS_METHODS:
                _refuse_any_body(scope)  # before the key: a public path must not take a body from anyone
            if not public:
                state["api_key"] = await self._authorise(scope)
            receive = await self._bounded_body(scope, receive)
        except ApiError as err:
            await _reply(err, rid, scope, receive, send_with_id)
            return
        await self.app(scope, receive, send_with_id)

    def _hit(self, ident: str) -> None:
        if not self._limiter.hit(self._limit, ident):
            reset, _left = self._limiter.get_window_stats(self._limit, ident)
            wait = max(1, math.ceil(reset - time.time()))
            raise ApiError(429, "rate_limited", f"too many requests: at most {self._limit.amount} a minute; "
                           f"try again in {wait} s", headers={"Retry-After": str(wait)})

    async def _authorise(self, scope: Scope) -> Any:
        from storage.api_keys import ApiKeyError
        from storage.errors import StorageError

        key = _header(scope, b"x-api-key")
        client = scope.get("client") or ("unknown", 0)
        address = f"addr:{client[0]}"
        if not key:
            self._hit(address)
            raise ApiError(401, "missing_api_key", "send an API key in the X-API-Key header "
                           "(create one with 'kiosk apikey create')")
        try:
            info = await run_in_threadpool(self._authenticate, key)
        except ApiKeyError as exc:
            self._hit(address)
            raise ApiError(401, exc.code, str(exc)) from exc
        except StorageError as exc:
            log.error("API key lookup failed: %s", exc)
            raise ApiError(503, "storage_unavailable", "the key store is unavailable; try again",
                           headers={"Retry-After": "1"}) from exc
        self._hit(f"key:{info.key_id}")
        needed = scope_for(scope["path"])
        if needed is not None and not has_scope(info.scopes, needed):
            raise ApiError(403, "scope_denied", f"this API key lacks the '{needed}' scope")
        return info

    async def _bounded_body(self, scope: Scope, receive: Receive) -> Receive:
        if scope["method"] in _BODYLESS_METHODS or scope["path"] in PUBLIC_PATHS:
            return receive  # no body there (refused above)
        try:
            async with asyncio.timeout(self._body_timeout):
                return await self._read_body(scope, receive)
        except TimeoutError:
            raise ApiError(408, "body_timeout", f"the request body did not arrive whole within "
                           f"{self._body_timeout:g} s; send it faster or in smaller requests") from None

    async def _read_body(self, scope: Scope, receive: Receive) -> Receive:
        declared = _header(scope, b"content-length")
        too_big = ApiError(413, "body_too_large", f"the request body is over the limit of {self._max_body:,} bytes")
        if declared is not None:
            try:
                declared_size = int(declared)
            except ValueError:
                raise ApiError(400, "bad_content_length", "the Content-Length header is not a number") from None
            if declared_size > self._max_body:
                await _discard(receive, self._drain_cap)
                raise too_big
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return receive
            body = message.get("body", b"")
            total += len(body)
            if total > self._max_body:  # nothing more is kept: the rest is read and dropped, then 413
                chunks.clear()
                if message.get("more_body", False):
                    await _discard(receive, self._drain_cap)
                raise too_big
            chunks.append(body)
            if not message.get("more_body", False):
                break
        data = b"".join(chunks)
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        return replay


def _refuse_any_body(scope: Scope) -> None:
    """400 ``body_not_allowed`` when the request announces a body (a non-zero ``Content-Length`` or a
    ``Transfer-Encoding``), decided from the headers alone: not one byte of it is read."""
    if _announces_body(scope):
        raise ApiError(400, "body_not_allowed", f"{scope['method']} {scope['path']} takes no request body; "
                       "send the request without one")


async def _discard(receive: Receive, cap: int) -> None:
    """Read and drop the rest of a request body, at most ``cap`` bytes."""
    seen = 0
    while seen <= cap:
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            return
        seen += len(message.get("body", b""))


def _announces_body(scope: Scope) -> bool:
    """Whether the request's headers announce a body (a non-zero ``Content-Length`` or a ``Transfer-Encoding``)."""
    length = _header(scope, b"content-length")
    return _header(scope, b"transfer-encoding") is not None or (length is not None and length.strip() != "0")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _request_id(scope: Scope) -> str:
    given = _header(scope, b"x-request-id")
    return given if given and _RID.match(given) else uuid.uuid4().hex


async def _reply(err: ApiError, rid: str, scope: Scope, receive: Receive, send: Send) -> None:
    headers = dict(err.headers or {})
    if _announces_body(scope):
        # The gate answers before the app has read the body, so it may not have been read whole: close rather
        # than let the client go on sending into a connection nobody reads (or trickle it forever).
        headers["Connection"] = "close"
    response = JSONResponse(error_body(err.code, err.message, rid, err.extra), err.status_code, headers=headers)
    await response(scope, receive, send)
