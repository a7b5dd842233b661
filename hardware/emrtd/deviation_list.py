"""ICAO deviation lists (Doc 9303-12 section 10, OID 2.23.136.1.1.7): documents with known, published faults.

An issuer signs a list of deviations (a DG hash computed wrongly, an SOD signature made wrongly, a wrong
MRZ check digit...) with a Deviation List Signer issued by its CSCA. A genuine document that shows a listed
fault is not a forgery, but the fault hides whatever else might be wrong: such a case goes to a person
(``Reason.CHIP_KNOWN_DEVIATION``) instead of being rejected. A list is accepted only when its CMS signature
verifies and its signer is issued by a CSCA already trusted.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

from asn1crypto import algos, cms, core, x509

from hardware.emrtd import certs
from hardware.emrtd.errors import CertificateError, LdsError, TrustStoreError
from hardware.emrtd.lds.signed_data import parse_signed_data

OID_DEVIATION_LIST = "2.23.136.1.1.7"
# Deviation types (9303-12 10.2) by the names an operator reads.
DEVIATION_NAMES = {
    "2.23.136.1.1.7.1.1": "DS signature", "2.23.136.1.1.7.1.2": "DS certificate encoding",
    "2.23.136.1.1.7.1.3": "CSCA certificate encoding", "2.23.136.1.1.7.1.4": "AA key compromised",
    "2.23.136.1.1.7.2.1": "data group malformed", "2.23.136.1.1.7.2.2": "data group hash wrong",
    "2.23.136.1.1.7.2.3": "SOD signature wrong", "2.23.136.1.1.7.2.4": "EF.COM inconsistent",
    "2.23.136.1.1.7.3.1": "MRZ wrong data", "2.23.136.1.1.7.3.2": "MRZ wrong check digit",
    "2.23.136.1.1.7.4": "chip", "2.23.136.1.1.7.5": "national use",
}
PASSIVE_AUTH_TYPES = frozenset({"2.23.136.1.1.7.1.1", "2.23.136.1.1.7.1.2", "2.23.136.1.1.7.2.1",
                                "2.23.136.1.1.7.2.2", "2.23.136.1.1.7.2.3"})
MRZ_TYPES = frozenset({"2.23.136.1.1.7.3.1", "2.23.136.1.1.7.3.2"})


class _IssuancePeriod(core.Sequence):  # type: ignore[misc]
    _fields = [("first", core.GeneralizedTime), ("last", core.GeneralizedTime)]


class _SignerIdentifier(core.Choice):  # type: ignore[misc]
    _alternatives = [("issuer_and_serial_number", cms.IssuerAndSerialNumber, {"implicit": 1}),
                     ("subject_key_identifier", core.OctetString, {"implicit": 2}),
                     ("certificate_digest", core.OctetString, {"implicit": 3})]


class _Documents(core.Sequence):  # type: ignore[misc]
    _fields = [("document_type", core.PrintableString, {"implicit": 0, "optional": True}),
               ("dsc", _SignerIdentifier, {"optional": True}),
               ("issuing_date", _IssuancePeriod, {"implicit": 4, "optional": True}),
               ("document_numbers", core.SetOf, {"implicit": 5, "optional": True, "spec": core.PrintableString})]


class _Description(core.Sequence):  # type: ignore[misc]
    _fields = [("description", core.PrintableString, {"optional": True}),
               ("deviation_type", core.ObjectIdentifier),
               ("parameters", core.Any, {"explicit": 0, "optional": True}),
               ("national_use", core.Any, {"explicit": 1, "optional": True})]


class _Deviation(core.Sequence):  # type: ignore[misc]
    _fields = [("documents", _Documents), ("descriptions", core.SetOf, {"spec": _Description})]


class _DeviationList(core.Sequence):  # type: ignore[misc]
    _fields = [("version", core.Integer), ("digest_algorithm", algos.DigestAlgorithm, {"optional": True}),
               ("deviations", core.SetOf, {"spec": _Deviation})]


@dataclass(frozen=True)
class Deviation:
    """Which documents (every criterion given must hold) have which faults (deviation type OIDs)."""

    types: tuple[str, ...]
    document_type: str | None = None
    dsc_issuer_serial: tuple[str, int] | None = None
    dsc_key_identifier: bytes | None = field(default=None, repr=False)
    dsc_digest: bytes | None = field(default=None, repr=False)
    issued: tuple[_dt.datetime, _dt.datetime] | None = None
    document_numbers: frozenset[str] | None = field(default=None, repr=False)

    def names(self) -> list[str]:
        """The deviation types in words."""
        return [DEVIATION_NAMES.get(t, t) for t in self.types]

    def applies(self, *, dsc: certs.Certificate | None, document_type: str | None, document_number: str | None,
                signed_at: _dt.datetime | None) -> bool:
        """Whether a document with these properties is one this deviation names."""
        checks: list[bool] = []
        if self.document_type is not None:
            checks.append(document_type is not None and document_type.rstrip("<")[:2] == self.document_type.rstrip("<"))
        if self.dsc_issuer_serial is not None:
            checks.append(dsc is not None and (dsc.issuer_key, dsc.serial_number) == self.dsc_issuer_serial)
        if self.dsc_key_identifier is not None:
            checks.append(dsc is not None and dsc.subject_key_identifier == self.dsc_key_identifier)
        if self.dsc_digest is not None:
            checks.append(dsc is not None and self.dsc_digest in (hashlib.sha256(dsc.der).digest(),
                                                                  hashlib.sha1(dsc.der).digest()))
        if self.issued is not None:
            checks.append(signed_at is not None and self.issued[0] <= signed_at <= self.issued[1])
        if self.document_numbers is not None:
            checks.append(document_number is not None and document_number in self.document_numbers)
        return bool(checks) and all(checks)  # a deviation naming no document applies to none


@dataclass(frozen=True)
class DeviationList:
    """A verified deviation list: its signer and its deviations."""

    signer: str
    deviations: tuple[Deviation, ...]
    der: bytes = field(repr=False)


def _deviation(item: Any) -> Deviation:
    docs = item["documents"]
    issuer_serial = key_id = digest = None
    if docs["dsc"].native is not None:
        chosen = docs["dsc"]
        if chosen.name == "issuer_and_serial_number":
            name = x509.Name.load(chosen.chosen["issuer"].dump())
            issuer_serial = (certs.name_key(name), int(chosen.chosen["serial_number"].native))
        elif chosen.name == "subject_key_identifier":
            key_id = bytes(chosen.chosen.native)
        else:
            digest = bytes(chosen.chosen.native)
    period = docs["issuing_date"]
    issued = (period["first"].native, period["last"].native) if period.native is not None else None
    numbers = docs["document_numbers"]
    return Deviation(
        types=tuple(d["deviation_type"].dotted for d in item["descriptions"]),
        document_type=docs["document_type"].native, dsc_issuer_serial=issuer_serial, dsc_key_identifier=key_id,
        dsc_digest=digest, issued=issued,
        document_numbers=frozenset(str(n) for n in numbers.native) if numbers.native is not None else None)


def load_deviation_list(data: bytes, trusted_signer: Any) -> DeviationList:
    """Verify and parse a deviation list; ``trusted_signer(cert) -> str | None`` says who vouches for its
    signer (``TrustStore``). Raises ``TrustStoreError`` with the reason when it is refused."""
    from hardware.emrtd.trust import verify_cms_signer

    try:
        sd = parse_signed_data(data, "deviation list")
    except LdsError as exc:
        raise TrustStoreError(str(exc)) from exc
    if sd.content_type != OID_DEVIATION_LIST:
        raise TrustStoreError(f"CMS file is not a deviation list (content type {OID_DEVIATION_LIST})")
    try:
        signer, ok, reason = verify_cms_signer(sd)
    except CertificateError as exc:
        raise TrustStoreError(f"deviation list signer certificate is unusable: {exc}") from exc
    if ok is not True or signer is None:
        raise TrustStoreError(f"deviation list refused: {reason}")
    if trusted_signer(signer) is None:
        raise TrustStoreError(f"deviation list refused: its signer ({signer.subject_text}) is not issued by a "
                              "CSCA in the trust store")
    try:
        parsed = _DeviationList.load(sd.content)
        deviations = tuple(_deviation(item) for item in parsed["deviations"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise TrustStoreError(f"deviation list content is malformed: {exc}") from exc
    return DeviationList(signer.subject_text, deviations, bytes(data))
