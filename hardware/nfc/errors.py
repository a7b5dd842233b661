"""Typed errors of the reader layer (PC/SC and nfcpy transports).

A card leaving the field mid-read raises ``hardware.emrtd.errors.CardRemovedError`` (the chip layer's
own error) so the e-passport reader handles removal the same way whatever the transport. Everything
else about readers is a ``ReaderError``. Messages are written for the person at the kiosk or the
operator and never carry chip data.
"""
from __future__ import annotations

from hardware.errors import HardwareError


class ReaderError(HardwareError):
    """A card reader could not be used (absent, busy, driver or daemon failure)."""


class NoReaderError(ReaderError):
    """No usable reader: none attached, the named one is absent, or the PC/SC service is not running."""


class NoCardError(ReaderError):
    """The reader is present but no card (passport) is in its field."""


class ReaderTimeoutError(ReaderError):
    """A reader operation did not finish in time (the reader thread is stuck or the card went silent)."""


class TransportError(ReaderError):
    """The reader reported a communication failure that is not a card removal."""


class DocumentRemovedError(ReaderError):
    """The passport left (or was swapped on) the reader while its chip was being read.

    The read cannot be trusted and must be repeated: the workflow tells the person to keep the
    passport on the reader and starts the read again. ``reader`` names the reader.
    """

    user_message = "Keep the passport on the reader until the reading is finished."

    def __init__(self, reader: str, message: str | None = None) -> None:
        self.reader = reader
        super().__init__(message or f"the passport left the reader during the chip read: {self.user_message}")
