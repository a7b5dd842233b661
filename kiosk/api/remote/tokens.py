"""Single-use, short-lived remote-session tokens.

The integrator's back end creates a session with its API key (``POST /v1/remote-sessions``) and hands the
token to the customer's browser: the key never reaches the browser. A token opens one stream, once; it is
kept as its SHA-256 only, in the server's memory (one process serves the API; a restart voids open tokens,
which costs the integrator a new one).
"""
from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from kiosk.api.errors import ApiError


@dataclass(frozen=True)
class RemoteSpec:
    """What a token stands for: the key that made it and the reference portrait to match."""

    session_ref: str  # a random id for the audit trail (not the token)
    key: Any  # storage.api_keys.ApiKeyInfo
    portrait: Any  # kiosk.api.images.DecodedImage
    portrait_kind: str
    issued_at: float
    expires_at: float


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


class RemoteTokens:
    """Issues tokens and hands each one's session out exactly once (thread-safe)."""

    def __init__(self, ttl_s: float = 120.0, max_open: int = 1000) -> None:
        self.ttl_s = ttl_s
        self._max_open = max_open
        self._open: dict[str, RemoteSpec] = {}
        self._used: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, key: Any, portrait: Any, portrait_kind: str, ttl_s: float | None = None) -> tuple[str, RemoteSpec]:
        """A new token (returned once, in clear) and its session."""
        now = time.time()
        ttl = min(ttl_s, self.ttl_s) if ttl_s is not None else self.ttl_s
        token = secrets.token_urlsafe(32)
        spec = RemoteSpec(secrets.token_hex(16), key, portrait, portrait_kind, now, now + ttl)
        with self._lock:
            self._sweep(now)
            if len(self._open) >= self._max_open:
                raise ApiError(503, "busy", "too many open remote sessions; try again shortly",
                               headers={"Retry-After": "5"})
            self._open[_digest(token)] = spec
        return token, spec

    def claim(self, token: str) -> RemoteSpec:
        """Take a token's session: 404 ``token_unknown``, 409 ``token_used``, 410 ``token_expired``."""
        now = time.time()
        digest = _digest(token)
        with self._lock:
            self._sweep(now)
            spec = self._open.pop(digest, None)
            if spec is None:
                if digest in self._used:
                    raise ApiError(409, "token_used", "this session token was already used or has expired; "
                                   "ask the service you came from to start a new session")
                raise ApiError(404, "token_unknown", "no such session token")
            self._used[digest] = now
        if now > spec.expires_at:
            raise ApiError(410, "token_expired", "this session token has expired; ask the service you came from to "
                           "start a new session")
        return spec

    def _sweep(self, now: float) -> None:
        for d in [d for d, s in self._open.items() if s.expires_at < now]:
            del self._open[d]
            self._used[d] = now
        for d in [d for d, t in self._used.items() if t < now - 3600]:
            del self._used[d]
