"""Access keys for BAC and PACE: from the MRZ or from the CAN (ICAO 9303-11 sections 4.3 and 9.7.3).

The MRZ key uses ``MRZ_information`` = document number + check digit + date of birth + check digit
+ date of expiry + check digit (Part 11 section 9.7.2); check digits are computed here
(ICAO 9303-3 section 4.9) so the caller types only the three fields. The CAN is used as-is.
``repr`` never shows the key material.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import IntEnum

from hardware.emrtd.errors import MrzError

_WEIGHTS = (7, 3, 1)
_MRZ_CHARS = re.compile(r"^[A-Z0-9<]+$")
_DATE = re.compile(r"^[0-9]{6}$")


class PasswordType(IntEnum):
    """PACE password reference (Part 11 section 9.2, MSE:Set AT tag 83)."""

    MRZ = 1
    CAN = 2


def check_digit(data: str) -> str:
    """ICAO 9303-3 check digit of ``data`` (``<`` = 0, A-Z = 10-35, weights 7 3 1)."""
    total = 0
    for i, ch in enumerate(data):
        if ch == "<":
            v = 0
        elif "0" <= ch <= "9":
            v = ord(ch) - 48
        elif "A" <= ch <= "Z":
            v = ord(ch) - 55
        else:
            raise MrzError("MRZ field contains a character outside A-Z, 0-9 and '<'")
        total += v * _WEIGHTS[i % 3]
    return str(total % 10)


def mrz_information(document_number: str, date_of_birth: str, date_of_expiry: str) -> bytes:
    """``MRZ_information`` for key derivation; raises ``MrzError`` for malformed fields.

    :param document_number: as printed in the MRZ (``<`` fillers allowed; padded to 9 characters).
    :param date_of_birth: YYMMDD.
    :param date_of_expiry: YYMMDD.
    """
    doc = document_number.strip().upper().replace(" ", "<")
    if not doc or not _MRZ_CHARS.match(doc):
        raise MrzError("document number must be letters, digits or '<'")
    doc = doc.ljust(9, "<")
    for name, value in (("date of birth", date_of_birth), ("date of expiry", date_of_expiry)):
        if not _DATE.match(value):
            raise MrzError(f"{name} must be six digits YYMMDD")
    text = (doc + check_digit(doc) + date_of_birth + check_digit(date_of_birth)
            + date_of_expiry + check_digit(date_of_expiry))
    return text.encode("ascii")


@dataclass(frozen=True)
class AccessKey:
    """A BAC/PACE password: MRZ information or CAN. Build it with ``from_mrz`` or ``from_can``."""

    kind: PasswordType
    secret: bytes = field(repr=False)

    @classmethod
    def from_mrz(cls, document_number: str, date_of_birth: str, date_of_expiry: str) -> AccessKey:
        """Key from the three MRZ fields (check digits computed)."""
        return cls(PasswordType.MRZ, mrz_information(document_number, date_of_birth, date_of_expiry))

    @classmethod
    def from_can(cls, can: str) -> AccessKey:
        """Key from the card access number (6 digits on ID cards; any digits accepted)."""
        can = can.strip()
        if not can.isdigit() or not 1 <= len(can) <= 12:
            raise MrzError("CAN must be digits (normally six)")
        return cls(PasswordType.CAN, can.encode("ascii"))

    def bac_seed(self) -> bytes:
        """BAC K_seed = SHA-1(MRZ_information)[:16] (Part 11 section 9.7.2); MRZ keys only."""
        if self.kind is not PasswordType.MRZ:
            raise MrzError("BAC needs the MRZ; a CAN works only with PACE")
        return hashlib.sha1(self.secret).digest()[:16]

    def pace_secret(self) -> bytes:
        """PACE password bytes before ``KDF_pi``: SHA-1(MRZ_information) or the CAN (section 9.7.3)."""
        if self.kind is PasswordType.MRZ:
            return hashlib.sha1(self.secret).digest()
        return self.secret
