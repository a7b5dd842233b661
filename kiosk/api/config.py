"""``[api]`` settings of ``kiosk serve`` (TOML, unknown keys refused).

``kiosk serve --config FILE`` reads the whole file with the kiosk's own loader
(``kiosk.workflow.config.load_config``), so ``[policy]`` and ``[liveness]`` mean the same for the API as for
``kiosk run`` with that file; :func:`load_serve_config` returns both halves.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kiosk.errors import BadInputError


class ApiConfig(BaseModel):
    """Where the API listens and the limits it enforces."""

    model_config = ConfigDict(extra="forbid")

    host: str = Field("127.0.0.1", description="Address to bind. Anything but loopback needs tls_cert and tls_key.")
    port: int = Field(8321, ge=0, le=65535, description="TCP port (0: any free port).")
    tls_cert: str | None = Field(None, description="PEM certificate file (required off loopback).")
    tls_key: str | None = Field(None, description="PEM private key file (required off loopback).")
    rate_per_minute: int = Field(60, ge=1, description="Requests a minute per API key (bad requests count too); "
                                 "requests without a valid key are limited per client address.")
    max_body_bytes: int = Field(32 * 2**20, ge=1024, description="Largest request body, enforced while it streams in.")
    max_image_bytes: int = Field(10 * 2**20, ge=1024, description="Largest single image.")
    max_image_pixels: int = Field(25_000_000, ge=1, description="Largest width x height of an image, read from its "
                                  "header before anything is decoded.")
    max_frames: int = Field(900, ge=1, description="Most frames in one challenge upload (30 s at 30 frames/s).")
    workers: int = Field(2, ge=1, le=16, description="Model workers (one face engine each; this machine has 2 cores).")
    queue: int = Field(4, ge=0, description="Requests that may wait for a worker; beyond that: 503 with Retry-After.")
    timeout_s: float = Field(60.0, gt=0, description="Longest a request waits for its model work before a 503.")
    challenge_ttl_s: float = Field(120.0, gt=0, description="Seconds a challenge stays usable after it is issued.")
    challenge_length: int = Field(4, ge=1, le=10, description="Actions in a remote challenge.")
    top_k_max: int = Field(20, ge=1, description="Largest top_k of /v1/identify.")
    trusted_proxies: tuple[str, ...] = Field((), description="Addresses or networks (CIDR) of reverse proxies "
                                             "whose X-Forwarded-For / X-Forwarded-Proto are believed. Empty (the "
                                             "default): the headers are ignored and the rate limit counts the "
                                             "connecting address.")
    header_timeout_s: float = Field(10.0, gt=0, description="A connection whose request line and headers are "
                                    "not complete this long after its first byte (or after it opened) is closed.")
    body_timeout_s: float = Field(60.0, gt=0, description="Longest time a request body may take to arrive "
                                  "whole; beyond it: 408 and the connection is closed (32 MiB in 60 s is 4.5 "
                                  "Mbit/s).")
    # The streamed capture's WebSocket (kiosk.api.remote.limits): the HTTP gate never sees it.
    remote_connections_per_address: int = Field(4, ge=1, description="Capture streams open at once from one "
                                                 "client address; beyond it the connection is closed (1013).")
    remote_connections_max: int = Field(64, ge=1, description="Capture streams open at once on the server.")
    remote_connects_per_minute: int = Field(30, ge=1, description="New capture-stream connections a minute from one "
                                            "client address (valid token or not).")
    remote_max_message_bytes: int = Field(2**20, ge=16 * 1024, description="Largest single WebSocket message (one "
                                          "JPEG frame); a larger one closes the stream (1009).")
    remote_max_fps: int = Field(30, ge=1, description="Messages a second one stream may send (over a 2 s window); "
                                "the page sends 12 frames a second.")
    remote_max_session_bytes: int = Field(64 * 2**20, ge=2**20, description="Bytes one stream may send in all.")

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or network (CIDR)") from None
        return value

    def check_bind(self) -> None:
        """Refuse a non-loopback address without TLS (fail closed: biometrics never cross a network in clear)."""
        if self.host not in ("127.0.0.1", "::1", "localhost") and not (self.tls_cert and self.tls_key):
            raise BadInputError(f"refusing to listen on {self.host} without TLS: set tls_cert and tls_key in the "
                                "[api] section of the configuration (only 127.0.0.1 may be served in clear)")
        for name in ("tls_cert", "tls_key"):
            value = getattr(self, name)
            if value and not Path(value).is_file():
                raise BadInputError(f"[api] {name} {value} is not a file")


@dataclass(frozen=True)
class ServeConfig:
    """What ``kiosk serve`` takes from its configuration file."""

    api: ApiConfig
    kiosk: Any  # kiosk.workflow.config.KioskConfig: [policy], [liveness] (and [storage], read by storage)


def load_serve_config(path: Path | None) -> ServeConfig:
    """The ``[api]`` table and the kiosk configuration of a TOML file (defaults when ``path`` is None).

    The file goes through the kiosk's loader, so a ``[policy]`` or ``[liveness]`` typo is refused exactly as
    ``kiosk run`` refuses it, and the API decides with the same thresholds and passive-liveness model.
    """
    from kiosk.workflow.config import load_config

    kiosk = load_config(Path(path) if path is not None else None)
    try:
        api = ApiConfig(**kiosk.api)
    except (ValidationError, TypeError) as exc:
        raise BadInputError(f"the [api] table of {path} is invalid: {exc}") from exc
    return ServeConfig(api, kiosk)

