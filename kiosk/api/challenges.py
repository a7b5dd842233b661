"""Server-driven challenges for remote clients: random steps and nose targets, a nonce, an expiry; single use.

The registry lives in the server's memory (one process serves the API): a restart voids every open
challenge, which only costs the client a new one. A challenge is consumed by the first upload that
names it, whatever that upload holds, so no recording can be tried twice against it.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from inference.challenge import ChallengeConfig, ChallengeStep, draw_steps

from kiosk.api.errors import ApiError


@dataclass(frozen=True)
class Challenge:
    """One issued challenge."""

    challenge_id: str
    nonce: str
    steps: tuple[ChallengeStep, ...]
    issued_at: float  # time.time()
    expires_at: float
    key_id: str


class ChallengeRegistry:
    """Issues challenges and hands each out exactly once (thread-safe)."""

    def __init__(self, config: ChallengeConfig, ttl_s: float, max_open: int = 10_000) -> None:
        self.config = config
        self.ttl_s = ttl_s
        self._max_open = max_open
        self._open: dict[str, Challenge] = {}
        self._used: dict[str, float] = {}  # id -> when it was consumed or expired (to say "reused", not "unknown")
        self._lock = threading.Lock()

    def issue(self, key_id: str, ttl_s: float | None = None) -> Challenge:
        """A fresh random challenge bound to the API key that asked for it (``ttl_s`` at most the limit)."""
        now = time.time()
        ttl = min(ttl_s, self.ttl_s) if ttl_s is not None else self.ttl_s
        ch = Challenge(secrets.token_hex(16), secrets.token_urlsafe(16), draw_steps(self.config), now, now + ttl,
                       key_id)
        with self._lock:
            self._sweep(now)
            if len(self._open) >= self._max_open:
                raise ApiError(503, "busy", "too many open challenges; try again shortly", headers={"Retry-After": "5"})
            self._open[ch.challenge_id] = ch
        return ch

    def consume(self, challenge_id: str, key_id: str, nonce: str | None) -> Challenge:
        """Take a challenge for an upload: 404 unknown, 409 ``challenge_used``, 410 ``challenge_expired``,
        403 ``challenge_foreign`` (another key's), 409 ``challenge_mismatch`` (wrong nonce)."""
        now = time.time()
        with self._lock:
            self._sweep(now)
            ch = self._open.get(challenge_id)
            if ch is None:
                if challenge_id in self._used:
                    raise ApiError(409, "challenge_used", "this challenge was already used or has expired; "
                                   "request a new one")
                raise ApiError(404, "challenge_not_found", "no such challenge (request one with POST /v1/challenges)")
            if ch.key_id != key_id:
                raise ApiError(403, "challenge_foreign", "this challenge was issued to another API key")
            del self._open[challenge_id]
            self._used[challenge_id] = now
        if now > ch.expires_at:
            raise ApiError(410, "challenge_expired", f"the challenge expired {now - ch.expires_at:.0f} s ago; "
                           "request a new one")
        if nonce is not None and not secrets.compare_digest(nonce, ch.nonce):
            raise ApiError(409, "challenge_mismatch", "the nonce does not belong to this challenge: the recording "
                           "was made for another one")
        return ch

    def _sweep(self, now: float) -> None:
        # Expired challenges move to the "used" list (kept for a while so a late upload hears "expired/used").
        for cid in [c for c, ch in self._open.items() if ch.expires_at < now - self.ttl_s]:
            del self._open[cid]
            self._used[cid] = now
        for cid in [c for c, t in self._used.items() if t < now - 3600]:
            del self._used[cid]
