"""CMS SignedData (RFC 5652 section 5) as ICAO 9303 uses it: EF.SOD, EF.CardSecurity, master lists.

ICAO 9303-10 section 4.6.2 and 9303-12 section 9: one signer, signed attributes with content type
and message digest (signing time optional), the signer certificate usually included.
Parsing extracts everything eagerly into frozen values and raises only ``LdsError``.
"""
from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field

from asn1crypto import algos, cms, core, x509

from hardware.emrtd.certs import name_key
from hardware.emrtd.errors import LdsError


@dataclass(frozen=True)
class SignerInfo:
    """One CMS SignerInfo, reduced to what verification needs.

    ``signed_attrs_der`` is the signed attributes re-tagged as a SET (``31``): the exact bytes the
    signature covers (RFC 5652 section 5.4). ``signature_algorithm_der`` is the DER AlgorithmIdentifier.
    """

    issuer: x509.Name | None = field(repr=False)
    issuer_key: str | None = field(repr=False)
    serial_number: int | None
    subject_key_identifier: bytes | None
    digest_algorithm: str
    signature_algorithm: str
    signature_algorithm_der: bytes = field(repr=False)
    signature: bytes = field(repr=False)
    signed_attrs_der: bytes | None = field(repr=False)
    content_type: str | None
    message_digest: bytes | None = field(repr=False)
    signing_time: _dt.datetime | None


@dataclass(frozen=True)
class SignedData:
    """A parsed CMS SignedData: encapsulated content, certificates (DER), CRLs (DER), signer infos."""

    content_type: str
    content: bytes = field(repr=False)
    certificates: tuple[bytes, ...] = field(repr=False)
    crls: tuple[bytes, ...] = field(repr=False)
    signer_infos: tuple[SignerInfo, ...]
    raw: bytes = field(repr=False)


def _attr(attrs: cms.CMSAttributes, name: str) -> object:
    for a in attrs:
        if a["type"].native == name or a["type"].dotted == name:
            values = a["values"]
            if len(values) != 1:
                raise LdsError(f"signed attribute {name} must have exactly one value")
            return values[0]
    return None


def _signer_info(si: cms.SignerInfo) -> SignerInfo:
    sid = si["sid"]
    issuer = issuer_key = serial = ski = None
    if sid.name == "issuer_and_serial_number":
        issuer = sid.chosen["issuer"]
        issuer_key = name_key(issuer)
        serial = int(sid.chosen["serial_number"].native)
    else:
        ski = bytes(sid.chosen.native)
    attrs_der = content_type = digest = signing_time = None
    attrs = si["signed_attrs"]
    if attrs.contents is not None and len(attrs) > 0:
        original = attrs.dump()
        # [0] IMPLICIT -> universal SET (0x31) for hashing; the length octets stay the same.
        attrs_der = b"\x31" + original[1:]
        ct = _attr(attrs, "content_type")
        content_type = ct.dotted if ct is not None else None  # type: ignore[attr-defined]
        md = _attr(attrs, "message_digest")
        digest = bytes(md.native) if md is not None else None  # type: ignore[attr-defined]
        st = _attr(attrs, "signing_time")
        signing_time = st.native if st is not None else None  # type: ignore[attr-defined]
        if signing_time is not None and not isinstance(signing_time, _dt.datetime):
            raise LdsError("signing-time attribute is not a time")
        if signing_time is not None and signing_time.tzinfo is None:
            # GeneralizedTime without 'Z' (invalid DER; RFC 5652 section 11.3 wants UTC): a naive time
            # cannot be compared with certificate validity.
            raise LdsError("signing-time attribute has no time zone (DER requires UTC, ending in 'Z')")
    sig_alg = si["signature_algorithm"]
    return SignerInfo(
        issuer=issuer,
        issuer_key=issuer_key,
        serial_number=serial,
        subject_key_identifier=ski,
        digest_algorithm=str(si["digest_algorithm"]["algorithm"].native),
        signature_algorithm=str(sig_alg["algorithm"].native),
        signature_algorithm_der=sig_alg.dump(),
        signature=bytes(si["signature"].native),
        signed_attrs_der=attrs_der,
        content_type=content_type,
        message_digest=digest,
        signing_time=signing_time,
    )


def parse_signed_data(der: bytes, name: str = "CMS SignedData") -> SignedData:
    """Parse a DER ContentInfo holding SignedData. ``name`` goes into error messages."""
    der = bytes(der)
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise LdsError(f"{name} is not CMS SignedData")
        sd = info["content"]
        eci = sd["encap_content_info"]
        content_type = eci["content_type"].dotted
        content_obj = eci["content"]
        if content_obj.contents is None:
            raise LdsError(f"{name} has no encapsulated content")
        if isinstance(content_obj, core.ParsableOctetString):
            content = bytes(content_obj.__bytes__())
        else:
            content = bytes(content_obj.native)
        certs: list[bytes] = []
        if sd["certificates"].native is not None:
            for choice in sd["certificates"]:
                if choice.name == "certificate":
                    certs.append(choice.chosen.dump())
        crls: list[bytes] = []
        if sd["crls"].native is not None:
            for choice in sd["crls"]:
                crls.append(choice.chosen.dump())
        signers = tuple(_signer_info(si) for si in sd["signer_infos"])
        # Touch trailing fields so that lazy-parse errors surface here, not later.
        _ = [si.native for si in sd["signer_infos"]]
    except LdsError:
        raise
    except Exception as exc:  # asn1crypto raises ValueError, TypeError, KeyError... on bad DER
        raise LdsError(f"{name} is not valid CMS SignedData: {exc}") from exc
    if not signers:
        raise LdsError(f"{name} has no signer")
    return SignedData(content_type, content, tuple(certs), tuple(crls), signers, der)


def _sorted_set(items: list[bytes]) -> bytes:
    body = b"".join(sorted(items))  # DER: SET OF elements in ascending order of their encodings
    return b"\x31" + _der_len(len(body)) + body


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def build_signed_data(
    content_type: str,
    content: bytes,
    certificate_der: bytes,
    digest_algorithm: str,
    signature_algorithm: str,
    sign: Callable[[bytes], bytes],
    digest: Callable[[bytes], bytes],
    signing_time: _dt.datetime | None = None,
) -> bytes:
    """Build a DER ContentInfo(SignedData) with signed attributes, signed by ``sign(signed_attrs)``.

    ``content_type`` is a dotted OID; ``digest_algorithm`` (``sha256``) and ``signature_algorithm``
    (``sha256_ecdsa``, ``sha256_rsa``...) are asn1crypto names; ``digest`` hashes the content.
    """
    cert = x509.Certificate.load(certificate_der)
    attrs = [
        cms.CMSAttribute({"type": "content_type", "values": [content_type]}).dump(),
        cms.CMSAttribute({"type": "message_digest", "values": [digest(content)]}).dump(),
    ]
    if signing_time is not None:
        attrs.append(cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": signing_time})]}).dump())
    attrs_set = _sorted_set(attrs)
    signature = sign(attrs_set)
    signed_attrs = cms.CMSAttributes.load(attrs_set)
    signer = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber(
            {"issuer": cert.issuer, "serial_number": cert.serial_number})}),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": digest_algorithm}),
        "signed_attrs": signed_attrs,
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": signature_algorithm}),
        "signature": signature,
    })
    sd = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": digest_algorithm})],
        "encap_content_info": cms.EncapsulatedContentInfo({
            "content_type": content_type, "content": core.ParsableOctetString(content)}),
        "certificates": [cms.CertificateChoices(name="certificate", value=cert)],
        "signer_infos": [signer],
    })
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": sd}).dump())
