"""Typed errors of the e-passport layer (ICAO 9303).

Every parser and protocol step raises a subclass of ``EmrtdError`` and nothing else, so callers
(and the fuzz tests) can rely on one family. Messages never contain MRZ text or chip bytes.
"""
from __future__ import annotations

from hardware.errors import HardwareError


class EmrtdError(HardwareError):
    """Base of every e-passport error."""


class TlvError(EmrtdError):
    """Malformed BER-TLV data (truncated, bad length, bad tag)."""


class LdsError(EmrtdError):
    """A logical data structure file (EF.COM, DGn, EF.SOD...) cannot be parsed."""


class MrzError(EmrtdError):
    """An MRZ is malformed or a check digit does not match."""


class ApduError(EmrtdError):
    """The chip answered with a non-success status word."""

    def __init__(self, sw: int, message: str = "") -> None:
        self.sw = sw
        super().__init__(message or f"chip returned status {sw:04X}")


class SecureMessagingError(EmrtdError):
    """A secure-messaging response failed its MAC or was malformed; the session must re-authenticate."""


class AccessControlError(EmrtdError):
    """BAC or PACE failed (wrong MRZ/CAN, unsupported parameters, chip refused)."""


class AuthenticationError(EmrtdError):
    """Chip or active authentication failed or could not be performed."""


class PassiveAuthError(EmrtdError):
    """The SOD or certificates cannot be processed at all (a failed check is a verdict, not this)."""


class CardRemovedError(EmrtdError):
    """The card left the field or the reader went away during an operation."""


class MrzCheckDigitError(MrzError):
    """An MRZ check digit does not match its field; ``field`` names the field (never its value)."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"MRZ check digit for the {field.replace('_', ' ')} does not match")


class CertificateError(PassiveAuthError):
    """A certificate, CRL or master list cannot be parsed or uses an unsupported algorithm."""


class TrustStoreError(PassiveAuthError):
    """The trust store folder or an imported trust file is unusable."""


class ChipLimitError(EmrtdError):
    """The chip broke a read limit (a file longer than allowed, too many APDUs, too long a read).

    A genuine passport never does: the chip is broken or hostile, so the read stops here. The message
    says which limit (for logs and support); ``user_message`` is what a kiosk screen shows.
    """

    user_message = "This document could not be read. Please ask a member of staff for help."
