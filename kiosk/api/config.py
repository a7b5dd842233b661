"""``[api]`` settings of ``kiosk serve`` (TOML, unknown keys refused)."""
from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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

    def check_bind(self) -> None:
        """Refuse a non-loopback address without TLS (fail closed: biometrics never cross a network in clear)."""
        if self.host not in ("127.0.0.1", "::1", "localhost") and not (self.tls_cert and self.tls_key):
            raise BadInputError(f"refusing to listen on {self.host} without TLS: set tls_cert and tls_key in the "
                                "[api] section of the configuration (only 127.0.0.1 may be served in clear)")
        for name in ("tls_cert", "tls_key"):
            value = getattr(self, name)
            if value and not Path(value).is_file():
                raise BadInputError(f"[api] {name} {value} is not a file")


def load_api_config(path: Path | None) -> ApiConfig:
    """The ``[api]`` table of a TOML file (defaults when ``path`` is None)."""
    if path is None:
        return ApiConfig()
    try:
        doc = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        return ApiConfig(**doc.get("api", {}))
    except OSError as exc:
        raise BadInputError(f"cannot read the configuration {path}: {exc.strerror}") from exc
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise BadInputError(f"the configuration {path} is invalid: {exc}") from exc
