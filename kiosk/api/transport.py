"""The HTTP transport of ``kiosk serve``: uvicorn's settings, and a header-time limit uvicorn lacks.

uvicorn's h11 protocol closes an idle keep-alive connection, but once a client has sent one byte of a
request it waits for the rest of the headers forever: a few hundred connections each dribbling a header
byte now and then hold the server's sockets (slowloris). :func:`guarded_h11` returns the h11 protocol with
a timer: a connection whose request line and headers are not complete ``header_timeout_s`` after it opened
(or after the previous answer, once its next request starts) is closed. Body time is the gate's
(``kiosk.api.gate``): the app reads every body there.

Proxy headers (``X-Forwarded-For``, ``X-Forwarded-Proto``) are believed only from ``[api]
trusted_proxies``; uvicorn's own default trusts them from 127.0.0.1, which would let any local client pick
the address the rate limit counts.
"""
from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from kiosk.api.config import ApiConfig


class _HeaderTimeoutH11(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose headers take longer than ``header_timeout_s``."""

    header_timeout_s = 10.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._header_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # IDLE: the request line and headers are not complete yet (a new connection, or the next request
        # on a kept-alive one). Anything else: the headers are in; the body is timed by the gate.
        if self.conn.their_state is h11.IDLE:
            self._arm_header_timer()
        else:
            self._disarm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        if self._header_timer is None and not self.transport.is_closing():
            self._header_timer = self.loop.call_later(self.header_timeout_s, self._header_timeout)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        # The timer runs only while the headers are incomplete (armed on IDLE, disarmed once they are in);
        # checked again in case the last bytes arrived in the same loop turn.
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()


def guarded_h11(header_timeout_s: float) -> type[H11Protocol]:
    """The h11 protocol class with this header-time limit (uvicorn instantiates the class it is given)."""
    return type("HeaderTimeoutH11", (_HeaderTimeoutH11,), {"header_timeout_s": float(header_timeout_s)})


def uvicorn_settings(config: ApiConfig) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` from ``[api]``: TLS, proxy trust, timeouts, h11 limits."""
    trusted = list(config.trusted_proxies)
    return {
        "http": guarded_h11(config.header_timeout_s),
        "proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None,
        "timeout_keep_alive": 30, "h11_max_incomplete_event_size": 16 * 1024,  # request line + headers
        "ssl_certfile": config.tls_cert, "ssl_keyfile": config.tls_key,
        "log_level": "warning", "access_log": False, "backlog": 2048, "limit_concurrency": None,
        "server_header": False,
        # The streamed capture (kiosk.api.remote): one message is one JPEG frame or a small JSON report.
        "ws": "websockets-sansio", "ws_max_size": config.remote_max_message_bytes, "ws_per_message_deflate": False,
    }
