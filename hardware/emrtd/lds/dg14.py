"""DG14: security options (ICAO 9303-10 section 4.7.14; 9303-11 section 9.2): ``6E { SecurityInfos }``.

Holds the chip-authentication public key(s) and protocol choices (ChipAuthenticationPublicKeyInfo,
ChipAuthenticationInfo), and for ECDSA active authentication its ActiveAuthenticationInfo. The
SecurityInfos parsing itself is shared with EF.CardAccess / EF.CardSecurity in ``security_infos``.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from hardware.emrtd.lds import security_infos as _si
from hardware.emrtd.lds._util import unwrap

TAG_DG14 = 0x6E


@dataclass(frozen=True)
class Dg14:
    """Parsed DG14; ``raw`` is the file as read."""

    security_infos: _si.SecurityInfos
    raw: bytes = field(repr=False)

    @property
    def chip_authentication_infos(self) -> list[_si.ChipAuthenticationInfo]:
        """ChipAuthenticationInfo entries (protocol, version, key id)."""
        return self.security_infos.chip_authentication_infos

    @property
    def chip_authentication_public_keys(self) -> list[_si.ChipAuthenticationPublicKeyInfo]:
        """ChipAuthenticationPublicKeyInfo entries (SubjectPublicKeyInfo DER, key id)."""
        return self.security_infos.chip_authentication_public_keys

    @property
    def active_authentication_info(self) -> _si.ActiveAuthenticationInfo | None:
        """The ActiveAuthenticationInfo (ECDSA AA signature algorithm), if present."""
        return self.security_infos.active_authentication_info


def parse_dg14(raw: bytes) -> Dg14:
    """Parse DG14 (``LdsError`` when malformed)."""
    outer = unwrap(raw, TAG_DG14, "DG14")
    infos = _si.parse_security_infos(outer.value)
    return Dg14(_si.SecurityInfos(infos.infos, outer.raw), outer.raw)


def encode_dg14(infos: Sequence[_si.SecurityInfo]) -> bytes:
    """Build DG14 from SecurityInfo objects (DER SET OF, sorted)."""
    return _si.encode_dg14(tuple(infos))


def encode_dg14_chip_authentication(public_key_info_der: bytes, protocol_oid: str | None = None,
                                    key_id: int | None = None) -> bytes:
    """DG14 announcing one chip-authentication key: ChipAuthenticationPublicKeyInfo plus
    ChipAuthenticationInfo (default protocol: id-CA-ECDH-AES-CBC-CMAC-128 for EC keys,
    id-CA-DH-AES-CBC-CMAC-128 for DH keys)."""
    pk = _si.ChipAuthenticationPublicKeyInfo.make(public_key_info_der, key_id)
    if protocol_oid is None:
        family = _si.ID_CA_ECDH if pk.oid == _si.ID_PK_ECDH else _si.ID_CA_DH
        protocol_oid = family + ".2"
    return encode_dg14([pk, _si.ChipAuthenticationInfo.make(protocol_oid, 1, key_id)])
