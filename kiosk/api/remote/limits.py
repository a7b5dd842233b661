"""Bounds on the streamed capture's WebSocket connections (``WS /v1/remote/stream``).

The HTTP gate (``kiosk.api.gate``) never sees a WebSocket, and a stream needs no API key (its single-use
token is the credential), so a hostile client could otherwise open connections, guess tokens, or flood an
open stream with messages. Here:

- **connections**: at most ``remote_connections_per_address`` open at once from one client address, at most
  ``remote_connections_max`` on the whole server, and at most ``remote_connects_per_minute`` new ones a
  minute from one address (counted before the token is looked at, so guessing tokens counts too);
- **one stream**: at most ``remote_max_fps`` messages a second (frames and reports, over a 2 s moving window
  so a network hiccup's burst is not punished) and ``remote_max_session_bytes`` in all. The size of one
  message is bounded by the transport (``ws_max_size``, ``kiosk.api.transport``), which closes with 1009.

A refusal is a JSON ``error`` message (``code``, ``message``), then a close frame whose code says why:
1013 (try again later) for capacity and connection rate, 1008 (policy violation) for a stream that broke
its bounds. Counting uses ``limits`` (the engine the gate uses), in memory: one process owns the counters.
"""
from __future__ import annotations

import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from limits import RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

TRY_LATER = 1013  # RFC 6455 registry: "Try Again Later"
POLICY = 1008  # "Policy Violation"


class StreamRefused(Exception):
    """A stream refused or ended for breaking a bound: ``code`` for the page, ``close_code`` for the socket."""

    def __init__(self, code: str, message: str, close_code: int) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close_code = close_code


@dataclass(frozen=True)
class StreamBounds:
    """The numbers, from ``[api]`` (``ApiConfig``)."""

    per_address: int = 4
    total: int = 64
    connects_per_minute: int = 30
    max_fps: int = 30
    max_session_bytes: int = 64 * 2**20

    @classmethod
    def of(cls, config: Any) -> StreamBounds:
        """The bounds an ``ApiConfig`` sets."""
        return cls(config.remote_connections_per_address, config.remote_connections_max,
                   config.remote_connects_per_minute, config.remote_max_fps, config.remote_max_session_bytes)


@dataclass
class StreamLimits:
    """Connection counts and rates of the whole server (one per app)."""

    bounds: StreamBounds = field(default_factory=StreamBounds)
    _open: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _limiter: MovingWindowRateLimiter = field(default_factory=lambda: MovingWindowRateLimiter(MemoryStorage()))

    def admit(self, address: str) -> Admission:
        """Count a new connection from ``address``, or raise ``StreamRefused`` (nothing counted then)."""
        b = self.bounds
        item = RateLimitItemPerMinute(b.connects_per_minute)
        if not self._limiter.hit(item, "connect", address):
            reset, _ = self._limiter.get_window_stats(item, "connect", address)
            wait = max(1, math.ceil(reset - time.time()))
            raise StreamRefused("rate_limited", f"too many connections from this address: at most "
                                f"{b.connects_per_minute} a minute; try again in {wait} s", TRY_LATER)
        with self._lock:
            if self._open[address] >= b.per_address:
                raise StreamRefused("too_many_streams", f"at most {b.per_address} streams may be open at once from "
                                    "one address; close one and try again", TRY_LATER)
            if sum(self._open.values()) >= b.total:
                raise StreamRefused("busy", "the server has as many streams open as it allows; try again in a "
                                    "minute", TRY_LATER)
            self._open[address] += 1
        return Admission(self, address)

    def _release(self, address: str) -> None:
        with self._lock:
            self._open[address] -= 1
            if self._open[address] <= 0:
                del self._open[address]

    def open_count(self) -> int:
        """Connections open now (all addresses)."""
        with self._lock:
            return sum(self._open.values())

    def meter(self, ident: str) -> Meter:
        """A meter for one open stream's messages."""
        return Meter(self, ident)


class Admission:
    """One admitted connection; ``release()`` (idempotent) when it closes."""

    def __init__(self, limits: StreamLimits, address: str) -> None:
        self._limits = limits
        self._address = address
        self._done = False

    def release(self) -> None:
        """Give the connection's place back."""
        if not self._done:
            self._done = True
            self._limits._release(self._address)


class Meter:
    """Counts one stream's messages and bytes; ``take`` raises ``StreamRefused`` past a bound."""

    def __init__(self, limits: StreamLimits, ident: str) -> None:
        self._limits = limits
        self._ident = ident
        self._item = RateLimitItemPerSecond(2 * limits.bounds.max_fps, 2)  # 2 s moving window
        self.bytes = 0
        self.messages = 0

    def take(self, message: dict[str, Any]) -> None:
        """Count one received ASGI ``websocket.receive`` message."""
        b = self._limits.bounds
        payload = message.get("bytes") if message.get("bytes") is not None else message.get("text")
        self.messages += 1
        self.bytes += len(payload or b"")
        if self.bytes > b.max_session_bytes:
            raise StreamRefused("session_too_large", f"this stream sent more than {b.max_session_bytes:,} bytes; "
                                "send frames of at most 640x480, 10-15 a second", POLICY)
        if not self._limits._limiter.hit(self._item, "stream", self._ident):
            raise StreamRefused("frame_rate", f"more than {b.max_fps} messages a second; send 10-15 frames a "
                                "second", POLICY)
