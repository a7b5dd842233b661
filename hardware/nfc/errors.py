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
