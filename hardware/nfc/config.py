"""Reader settings: which backend and which reader the kiosk uses, and how presence is watched.

A pure pydantic v2 model (``extra="forbid"``, a description on every field); the caller loads the file.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ReaderConfig(BaseModel):
    """The passport reader."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    backend: Literal["pcsc", "nfcpy"] = Field(
        default="pcsc",
        description="pcsc: any CCID/PC/SC contactless reader through pcscd (pyscard). nfcpy: PN53x and "
                    "Sony RC-S380 readers driven directly over USB or serial.",
    )
    pcsc_reader: str | None = Field(
        default=None,
        description="PC/SC reader name, or a part of it (case-insensitive); None takes the first reader "
                    "not in ignore_readers. `kiosk` lists the names.",
    )
    ignore_readers: tuple[str, ...] = Field(
        default=(),
        description="Readers never used (name parts), e.g. a built-in contact smart-card slot.",
    )
    nfcpy_path: str = Field(
        default="usb",
        description="nfcpy device path: 'usb', 'usb:054c:06c1', 'usb:001:004', 'tty:USB0:pn532', 'udp:HOST:PORT'.",
    )
    status_timeout_s: float = Field(
        default=0.5, gt=0, le=10,
        description="Longest single wait for a PC/SC status change. Events arrive as they happen; this only "
                    "bounds how long stop() takes. The chip is never polled.",
    )
    service_retry_s: float = Field(
        default=1.0, gt=0, le=60, description="Pause between attempts to reach pcscd after it went away.")
