"""SecurityInfos: EF.CardAccess, EF.CardSecurity content and DG14 (ICAO 9303-11 section 9.2).

``SecurityInfos ::= SET OF SecurityInfo``; each ``SecurityInfo ::= SEQUENCE { protocol OID,
requiredData ANY, optionalData ANY OPTIONAL }``. Known kinds are parsed into frozen dataclasses
(PACEInfo 9.2.1, PACEDomainParameterInfo 9.2.2, ChipAuthenticationInfo 9.2.5,
ChipAuthenticationPublicKeyInfo 9.2.6, ActiveAuthenticationInfo 9.2.7, TerminalAuthenticationInfo);
anything else is kept as ``UnknownSecurityInfo``. Every object keeps its raw DER. Parsing raises
only ``LdsError``; builders produce DER (SET OF sorted, as DER requires).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from asn1crypto import core

from hardware.emrtd import tlv
from hardware.emrtd.crypto import CipherAlg
from hardware.emrtd.errors import LdsError, TlvError

# OIDs (BSI TR-03110 / ICAO 9303-11 section 9.2 and Appendix)
BSI_DE = "0.4.0.127.0.7"
ID_PK = BSI_DE + ".2.2.1"
ID_PK_DH = ID_PK + ".1"
ID_PK_ECDH = ID_PK + ".2"
ID_TA = BSI_DE + ".2.2.2"
ID_CA = BSI_DE + ".2.2.3"
ID_CA_DH = ID_CA + ".1"
ID_CA_ECDH = ID_CA + ".2"
ID_PACE = BSI_DE + ".2.2.4"
ID_PACE_DH_GM = ID_PACE + ".1"
ID_PACE_ECDH_GM = ID_PACE + ".2"
ID_PACE_DH_IM = ID_PACE + ".3"
ID_PACE_ECDH_IM = ID_PACE + ".4"
ID_PACE_ECDH_CAM = ID_PACE + ".6"
ID_AA = "2.23.136.1.1.5"
ID_SECURITY_OBJECT = BSI_DE + ".3.2.1"
ECDSA_PLAIN = BSI_DE + ".1.1.4.1"
ECDSA_PLAIN_HASHES = {ECDSA_PLAIN + ".1": "sha1", ECDSA_PLAIN + ".2": "sha224", ECDSA_PLAIN + ".3": "sha256",
                      ECDSA_PLAIN + ".4": "sha384", ECDSA_PLAIN + ".5": "sha512"}
# X9.62 ecdsa-with-SHAx, sometimes used in ActiveAuthenticationInfo
ECDSA_X962_HASHES = {"1.2.840.10045.4.1": "sha1", "1.2.840.10045.4.3.1": "sha224",
                     "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384",
                     "1.2.840.10045.4.3.4": "sha512"}

_CIPHER_SUFFIX = {1: (CipherAlg.DES3, 128), 2: (CipherAlg.AES, 128), 3: (CipherAlg.AES, 192),
                  4: (CipherAlg.AES, 256)}
_MAPPINGS = {ID_PACE_DH_GM: ("DH", "GM"), ID_PACE_ECDH_GM: ("ECDH", "GM"), ID_PACE_DH_IM: ("DH", "IM"),
             ID_PACE_ECDH_IM: ("ECDH", "IM"), ID_PACE_ECDH_CAM: ("ECDH", "CAM")}


def cipher_of(oid: str) -> tuple[CipherAlg, int]:
    """Cipher and key size from the last arc of a PACE or CA protocol OID (1=3DES, 2-4=AES-128/192/256)."""
    last = int(oid.rsplit(".", 1)[1])
    if last not in _CIPHER_SUFFIX:
        raise LdsError(f"protocol {oid} names no known cipher")
    return _CIPHER_SUFFIX[last]


def _oid_der(dotted: str) -> bytes:
    return bytes(core.ObjectIdentifier(dotted).dump())


def _int_der(value: int) -> bytes:
    return bytes(core.Integer(value).dump())


def _seq(*parts: bytes) -> bytes:
    return tlv.encode(0x30, b"".join(parts))


def _as_int(item: tlv.Tlv, what: str) -> int:
    if item.tag != 0x02 or not item.value:
        raise LdsError(f"{what} is not an INTEGER")
    return int.from_bytes(item.value, "big", signed=True)


def _as_oid(item: tlv.Tlv, what: str) -> str:
    if item.tag != 0x06:
        raise LdsError(f"{what} is not an OBJECT IDENTIFIER")
    try:
        return str(core.ObjectIdentifier.load(item.raw).dotted)
    except ValueError as exc:
        raise LdsError(f"{what} is a malformed OBJECT IDENTIFIER") from exc


@dataclass(frozen=True)
class PaceInfo:
    """PACEInfo: protocol OID, version (2) and optional standardized/proprietary parameter ID."""

    oid: str
    version: int
    parameter_id: int | None
    raw: bytes

    @classmethod
    def make(cls, oid: str, parameter_id: int | None, version: int = 2) -> PaceInfo:
        """Build one (DER in ``raw``)."""
        parts = [_oid_der(oid), _int_der(version)] + ([_int_der(parameter_id)] if parameter_id is not None else [])
        return cls(oid, version, parameter_id, _seq(*parts))

    @property
    def key_agreement(self) -> str:
        """``"ECDH"`` or ``"DH"``."""
        return _MAPPINGS[self.oid.rsplit(".", 1)[0]][0]

    @property
    def mapping(self) -> str:
        """``"GM"`` (generic), ``"IM"`` (integrated) or ``"CAM"`` (chip authentication mapping)."""
        return _MAPPINGS[self.oid.rsplit(".", 1)[0]][1]

    @property
    def cipher(self) -> tuple[CipherAlg, int]:
        """Cipher and key size."""
        return cipher_of(self.oid)

    @property
    def oid_der_value(self) -> bytes:
        """The OID's content octets (for tag 80 of MSE:Set AT and tag 06 of public keys)."""
        return _oid_der(self.oid)[2:]


@dataclass(frozen=True)
class PaceDomainParameterInfo:
    """PACEDomainParameterInfo: explicit domain parameters (AlgorithmIdentifier DER) for a parameter ID."""

    oid: str
    algorithm_identifier: bytes
    parameter_id: int | None
    raw: bytes

    @classmethod
    def make(cls, oid: str, algorithm_identifier: bytes, parameter_id: int | None = None) -> PaceDomainParameterInfo:
        """Build one (``oid`` is id-PACE-ECDH-GM, id-PACE-DH-GM, ...; ``algorithm_identifier`` DER)."""
        parts = [_oid_der(oid), bytes(algorithm_identifier)] + (
            [_int_der(parameter_id)] if parameter_id is not None else [])
        return cls(oid, bytes(algorithm_identifier), parameter_id, _seq(*parts))


@dataclass(frozen=True)
class ChipAuthenticationInfo:
    """ChipAuthenticationInfo: CA protocol OID (cipher), version, optional key ID."""

    oid: str
    version: int
    key_id: int | None
    raw: bytes

    @classmethod
    def make(cls, oid: str, version: int = 1, key_id: int | None = None) -> ChipAuthenticationInfo:
        """Build one."""
        parts = [_oid_der(oid), _int_der(version)] + ([_int_der(key_id)] if key_id is not None else [])
        return cls(oid, version, key_id, _seq(*parts))

    @property
    def key_agreement(self) -> str:
        """``"ECDH"`` or ``"DH"``."""
        return "ECDH" if self.oid.startswith(ID_CA_ECDH + ".") else "DH"

    @property
    def cipher(self) -> tuple[CipherAlg, int]:
        """Cipher and key size."""
        return cipher_of(self.oid)


@dataclass(frozen=True)
class ChipAuthenticationPublicKeyInfo:
    """ChipAuthenticationPublicKeyInfo: id-PK-DH/ECDH, SubjectPublicKeyInfo DER, optional key ID."""

    oid: str
    public_key_info: bytes
    key_id: int | None
    raw: bytes

    @classmethod
    def make(cls, spki_der: bytes, key_id: int | None = None) -> ChipAuthenticationPublicKeyInfo:
        """Build one; the protocol (DH or ECDH) follows the SPKI's algorithm."""
        from hardware.emrtd.domain_params import public_key_from_spki

        oid = ID_PK_ECDH if public_key_from_spki(spki_der).domain.kind == "ECDH" else ID_PK_DH
        parts = [_oid_der(oid), bytes(spki_der)] + ([_int_der(key_id)] if key_id is not None else [])
        return cls(oid, bytes(spki_der), key_id, _seq(*parts))


@dataclass(frozen=True)
class ActiveAuthenticationInfo:
    """ActiveAuthenticationInfo: version and the ECDSA signature algorithm OID for AA."""

    oid: str
    version: int
    signature_algorithm: str
    raw: bytes

    @classmethod
    def make(cls, signature_algorithm: str, version: int = 1) -> ActiveAuthenticationInfo:
        """Build one."""
        raw = _seq(_oid_der(ID_AA), _int_der(version), _oid_der(signature_algorithm))
        return cls(ID_AA, version, signature_algorithm, raw)

    @property
    def hash_name(self) -> str | None:
        """``sha256`` etc. for the ECDSA signature algorithm, or None if unknown."""
        return ECDSA_PLAIN_HASHES.get(self.signature_algorithm) or ECDSA_X962_HASHES.get(self.signature_algorithm)


@dataclass(frozen=True)
class TerminalAuthenticationInfo:
    """TerminalAuthenticationInfo (EAC; recorded, not performed by the kiosk)."""

    oid: str
    version: int
    raw: bytes


@dataclass(frozen=True)
class UnknownSecurityInfo:
    """A SecurityInfo this code does not interpret, kept raw."""

    oid: str
    raw: bytes


SecurityInfo = Union[PaceInfo, PaceDomainParameterInfo, ChipAuthenticationInfo, ChipAuthenticationPublicKeyInfo,
                     ActiveAuthenticationInfo, TerminalAuthenticationInfo, UnknownSecurityInfo]


@dataclass(frozen=True)
class SecurityInfos:
    """A parsed SET OF SecurityInfo; ``raw`` is the bytes it was parsed from (file or content)."""

    infos: tuple[SecurityInfo, ...]
    raw: bytes

    def _of(self, kind: type) -> list[Any]:
        return [i for i in self.infos if isinstance(i, kind)]

    @property
    def pace_infos(self) -> list[PaceInfo]:
        """PACEInfo entries in file order."""
        return self._of(PaceInfo)

    @property
    def pace_domain_parameters(self) -> list[PaceDomainParameterInfo]:
        """PACEDomainParameterInfo entries."""
        return self._of(PaceDomainParameterInfo)

    @property
    def chip_authentication_infos(self) -> list[ChipAuthenticationInfo]:
        """ChipAuthenticationInfo entries."""
        return self._of(ChipAuthenticationInfo)

    @property
    def chip_authentication_public_keys(self) -> list[ChipAuthenticationPublicKeyInfo]:
        """ChipAuthenticationPublicKeyInfo entries."""
        return self._of(ChipAuthenticationPublicKeyInfo)

    @property
    def active_authentication_info(self) -> ActiveAuthenticationInfo | None:
        """The ActiveAuthenticationInfo, if any."""
        found = self._of(ActiveAuthenticationInfo)
        return found[0] if found else None


def _optional_int(items: list[tlv.Tlv], index: int, what: str) -> int | None:
    return _as_int(items[index], what) if len(items) > index else None


def _parse_info(item: tlv.Tlv) -> SecurityInfo:
    if item.tag != 0x30:
        raise LdsError("SecurityInfo is not a SEQUENCE")
    parts = item.children()
    if len(parts) < 2:
        raise LdsError("SecurityInfo has no required data")
    oid = _as_oid(parts[0], "SecurityInfo protocol")
    family = oid.rsplit(".", 1)[0]
    if family in _MAPPINGS and len(oid.split(".")) == 11:
        cipher_of(oid)
        return PaceInfo(oid, _as_int(parts[1], "PACEInfo version"),
                        _optional_int(parts, 2, "PACEInfo parameterId"), item.raw)
    if oid in _MAPPINGS:
        if parts[1].tag != 0x30:
            raise LdsError("PACEDomainParameterInfo domainParameter is not an AlgorithmIdentifier")
        return PaceDomainParameterInfo(oid, parts[1].raw, _optional_int(parts, 2, "parameterId"), item.raw)
    if family in (ID_CA_DH, ID_CA_ECDH):
        cipher_of(oid)
        return ChipAuthenticationInfo(oid, _as_int(parts[1], "ChipAuthenticationInfo version"),
                                      _optional_int(parts, 2, "keyId"), item.raw)
    if oid in (ID_PK_DH, ID_PK_ECDH):
        if parts[1].tag != 0x30:
            raise LdsError("ChipAuthenticationPublicKeyInfo key is not a SubjectPublicKeyInfo")
        return ChipAuthenticationPublicKeyInfo(oid, parts[1].raw, _optional_int(parts, 2, "keyId"), item.raw)
    if oid == ID_AA:
        if len(parts) < 3:
            raise LdsError("ActiveAuthenticationInfo has no signature algorithm")
        return ActiveAuthenticationInfo(oid, _as_int(parts[1], "AA version"),
                                        _as_oid(parts[2], "AA signature algorithm"), item.raw)
    if oid == ID_TA or oid.startswith(ID_TA + "."):
        return TerminalAuthenticationInfo(oid, _as_int(parts[1], "TA version"), item.raw)
    return UnknownSecurityInfo(oid, item.raw)


def parse_security_infos(raw: bytes) -> SecurityInfos:
    """Parse a DER ``SET OF SecurityInfo`` (the whole of EF.CardAccess)."""
    try:
        outer = tlv.decode_single(bytes(raw), 0x31)
        infos = tuple(_parse_info(child) for child in outer.children())
    except TlvError as exc:
        raise LdsError(f"SecurityInfos are malformed: {exc}") from exc
    if not infos:
        raise LdsError("SecurityInfos hold no SecurityInfo")
    return SecurityInfos(infos, bytes(raw))


def parse_card_access(raw: bytes) -> SecurityInfos:
    """EF.CardAccess (read in the clear before PACE)."""
    return parse_security_infos(raw)


def parse_dg14(raw: bytes) -> SecurityInfos:
    """DG14: tag 6E wrapping SecurityInfos; ``raw`` of the result is the whole file."""
    try:
        inner = tlv.decode_single(bytes(raw), 0x6E).value
    except TlvError as exc:
        raise LdsError(f"DG14 is malformed: {exc}") from exc
    infos = parse_security_infos(inner)
    return SecurityInfos(infos.infos, bytes(raw))


def parse_card_security(raw: bytes) -> SecurityInfos:
    """The SecurityInfos inside EF.CardSecurity (CMS SignedData, id-SecurityObject); no signature check."""
    # The content is taken as the raw octets: asn1crypto's own ``parsed`` guesses a type and fails
    # on some encoders' SET OF (the virtual chip's, found by PACE-CAM).
    from hardware.emrtd.lds.signed_data import parse_signed_data

    return parse_security_infos(parse_signed_data(bytes(raw), "EF.CardSecurity").content)


def encode_security_infos(infos: list[SecurityInfo] | tuple[SecurityInfo, ...]) -> bytes:
    """DER ``SET OF SecurityInfo`` (elements sorted, as DER requires)."""
    body = b"".join(sorted(i.raw for i in infos))
    return tlv.encode(0x31, body)


def encode_dg14(infos: list[SecurityInfo] | tuple[SecurityInfo, ...]) -> bytes:
    """DG14 file bytes (tag 6E)."""
    return tlv.encode(0x6E, encode_security_infos(infos))
