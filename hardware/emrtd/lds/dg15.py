"""DG15: active authentication public key (ICAO 9303-10 section 4.7.15; 9303-11 section 6.1).

``6F { SubjectPublicKeyInfo }``: an RSA key (ISO/IEC 9796-2 signatures) or an EC key (ECDSA).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from asn1crypto import keys

from hardware.emrtd import tlv
from hardware.emrtd.errors import LdsError
from hardware.emrtd.lds._util import unwrap

TAG_DG15 = 0x6F


@dataclass(frozen=True)
class Dg15:
    """Parsed DG15: ``algorithm`` is ``rsa`` or ``ec``; ``public_key_info`` the DER SubjectPublicKeyInfo."""

    algorithm: str
    key_size: int
    public_key_info: bytes = field(repr=False)
    raw: bytes = field(repr=False)


def parse_dg15(raw: bytes) -> Dg15:
    """Parse DG15 (the key itself is loaded by the active-authentication code)."""
    outer = unwrap(raw, TAG_DG15, "DG15")
    spki_der = outer.value
    try:
        info = keys.PublicKeyInfo.load(spki_der, strict=True)
        algorithm = info.algorithm
        if algorithm == "rsa":
            size = int(info["public_key"].parsed["modulus"].native).bit_length()
        elif algorithm == "ec":
            point = info["public_key"].native
            size = (len(point) - 1) // 2 * 8
        else:
            raise LdsError(f"DG15 key algorithm {algorithm} is not RSA or EC")
    except LdsError:
        raise
    except Exception as exc:  # asn1crypto raises many types on malformed DER
        raise LdsError(f"DG15 does not hold a valid SubjectPublicKeyInfo: {exc}") from exc
    return Dg15(algorithm, size, spki_der, outer.raw)


def encode_dg15(public_key_info_der: bytes) -> bytes:
    """Build DG15 around a DER SubjectPublicKeyInfo."""
    return tlv.encode(TAG_DG15, public_key_info_der)
