"""EF.SOD: the document security object (ICAO 9303-10 section 4.6.2).

``77 { ContentInfo(SignedData) }`` whose encapsulated content (id-icao-mrtd-security-ldsSecurityObject
2.23.136.1.1.1; some issuers use id-data) is::

    LDSSecurityObject ::= SEQUENCE {
        version LDSSecurityObjectVersion,          -- 0, or 1 with ldsVersionInfo
        hashAlgorithm DigestAlgorithmIdentifier,
        dataGroupHashValues SEQUENCE SIZE (2..ub-DataGroups) OF DataGroupHash,
        ldsVersionInfo LDSVersionInfo OPTIONAL }

Parsing raises only ``LdsError``; verification is in ``hardware.emrtd.passive_auth``.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from asn1crypto import algos, core

from hardware.emrtd import tlv
from hardware.emrtd.errors import LdsError
from hardware.emrtd.lds._util import unwrap
from hardware.emrtd.lds.files import TAG_SOD
from hardware.emrtd.lds.signed_data import SignedData, SignerInfo, build_signed_data, parse_signed_data

OID_LDS_SECURITY_OBJECT = "2.23.136.1.1.1"
OID_DATA = "1.2.840.113549.1.7.1"


class _DataGroupHash(core.Sequence):
    _fields = [("data_group_number", core.Integer), ("data_group_hash_value", core.OctetString)]


class _DataGroupHashes(core.SequenceOf):
    _child_spec = _DataGroupHash


class _LdsVersionInfo(core.Sequence):
    _fields = [("lds_version", core.PrintableString), ("unicode_version", core.PrintableString)]


class _LdsSecurityObject(core.Sequence):
    _fields = [
        ("version", core.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", _DataGroupHashes),
        ("lds_version_info", _LdsVersionInfo, {"optional": True}),
    ]


def _hasher(name: str) -> Callable[[bytes], bytes]:
    def digest(data: bytes) -> bytes:
        return hashlib.new(name, data).digest()

    return digest


HASHES: dict[str, Callable[[bytes], bytes]] = {
    name: _hasher(name) for name in ("sha1", "sha224", "sha256", "sha384", "sha512")
}


def hash_function(name: str) -> Callable[[bytes], bytes]:
    """The hash function for an asn1crypto digest name (``sha256``), or ``LdsError``."""
    if name not in HASHES:
        raise LdsError(f"hash algorithm {name} is not supported (SHA-1/224/256/384/512 are)")
    return HASHES[name]


@dataclass(frozen=True)
class Sod:
    """Parsed EF.SOD. ``dg_hashes`` maps data-group numbers to the hash the issuer signed."""

    version: int
    hash_algorithm: str
    dg_hashes: dict[int, bytes] = field(repr=False)
    lds_version: str | None
    unicode_version: str | None
    signed_data: SignedData = field(repr=False)
    raw: bytes = field(repr=False)

    @property
    def signer_info(self) -> SignerInfo:
        """The (single) signer info."""
        return self.signed_data.signer_infos[0]

    @property
    def certificates(self) -> tuple[bytes, ...]:
        """DER certificates carried in the SOD (normally the document signer certificate)."""
        return self.signed_data.certificates

    @property
    def signing_time(self) -> _dt.datetime | None:
        """The signing-time signed attribute, if the issuer included one."""
        return self.signer_info.signing_time


def parse_sod(raw: bytes) -> Sod:
    """Parse EF.SOD (tag 77) or a bare ContentInfo."""
    raw = bytes(raw)
    if raw[:1] == b"\x77":
        outer = unwrap(raw, TAG_SOD, "EF.SOD")
        der, raw = outer.value, outer.raw
    else:
        der = raw
    sd = parse_signed_data(der, "EF.SOD")
    if sd.content_type not in (OID_LDS_SECURITY_OBJECT, OID_DATA):
        raise LdsError(f"EF.SOD content type {sd.content_type} is not an LDS security object")
    try:
        lso = _LdsSecurityObject.load(sd.content)
        native = lso.native
        hashes: dict[int, bytes] = {}
        for item in native["data_group_hash_values"]:
            number = int(item["data_group_number"])
            if not 1 <= number <= 16:
                raise LdsError(f"EF.SOD lists data group {number}; ICAO 9303 defines DG1-DG16")
            if number in hashes:
                raise LdsError(f"EF.SOD lists data group {number} twice")
            hashes[number] = bytes(item["data_group_hash_value"])
        hash_alg = str(native["hash_algorithm"]["algorithm"])
        version_info = native.get("lds_version_info")
    except LdsError:
        raise
    except Exception as exc:  # asn1crypto's errors on malformed DER are of many types
        raise LdsError(f"EF.SOD does not hold a valid LDSSecurityObject: {exc}") from exc
    return Sod(
        version=int(native["version"]),
        hash_algorithm=hash_alg,
        dg_hashes=hashes,
        lds_version=version_info["lds_version"] if version_info else None,
        unicode_version=version_info["unicode_version"] if version_info else None,
        signed_data=sd,
        raw=raw,
    )


def encode_lds_security_object(dg_hashes: Mapping[int, bytes], hash_algorithm: str = "sha256") -> bytes:
    """DER LDSSecurityObject (version 0) for the given data-group hashes."""
    lso = _LdsSecurityObject({
        "version": 0,
        "hash_algorithm": {"algorithm": hash_algorithm},
        "data_group_hash_values": [
            {"data_group_number": n, "data_group_hash_value": h} for n, h in sorted(dg_hashes.items())
        ],
    })
    return bytes(lso.dump())


def encode_sod(
    data_groups: Mapping[int, bytes],
    *,
    certificate_der: bytes,
    sign: Callable[[bytes], bytes],
    signature_algorithm: str,
    hash_algorithm: str = "sha256",
    signing_time: _dt.datetime | None = None,
) -> bytes:
    """Build EF.SOD over the raw ``data_groups`` ({number: file bytes}).

    ``sign(message) -> signature`` signs with the document signer's key using ``signature_algorithm``
    (asn1crypto name: ``sha256_ecdsa``, ``sha256_rsa``, ...).
    """
    h = hash_function(hash_algorithm)
    content = encode_lds_security_object({n: h(bytes(d)) for n, d in data_groups.items()}, hash_algorithm)
    der = build_signed_data(OID_LDS_SECURITY_OBJECT, content, certificate_der, hash_algorithm,
                            signature_algorithm, sign, h, signing_time)
    return tlv.encode(TAG_SOD, der)
