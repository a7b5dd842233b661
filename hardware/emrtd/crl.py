"""Certificate revocation lists of CSCAs (ICAO 9303-12 section 7.1.3; RFC 5280 section 5).

A CRL says something only while it is current and only when its CSCA signed it. ``revocation_status``
turns the CRLs a trust store holds for one DSC into one verdict:

- ``invalid``: a CRL signed by the CSCA lists the DSC (also when that CRL is out of date: a revocation
  is not undone by time);
- ``valid``: a current CRL (``thisUpdate <= now <= nextUpdate``) signed by the CSCA does not list it;
- ``unknown``: CRLs under the CSCA's name exist, but none is both signed by it and current (out of
  date, not yet valid, no nextUpdate, or a signature that does not verify): a person should look;
- ``not_checked``: the trust store holds no CRL under the CSCA's name at all.
"""
from __future__ import annotations

import base64
import datetime as _dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from asn1crypto import crl, x509

from hardware.emrtd import certs
from hardware.emrtd.errors import CertificateError

VALID, INVALID, UNKNOWN, NOT_CHECKED = "valid", "invalid", "unknown", "not_checked"


@dataclass(frozen=True)
class Crl:
    """A parsed CRL: issuer, dates, revoked serial numbers (with dates), and what its signature needs."""

    der: bytes = field(repr=False)
    issuer: x509.Name = field(repr=False)
    issuer_text: str
    this_update: _dt.datetime | None
    next_update: _dt.datetime | None
    revoked: dict[int, _dt.datetime | None] = field(repr=False)
    tbs_der: bytes = field(repr=False)
    signature_algorithm_der: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @cached_property
    def issuer_key(self) -> str:
        """Normalised issuer name."""
        return certs.name_key(self.issuer)

    def is_signed_by(self, key: certs.PublicKey) -> bool:
        """True when the CRL's signature verifies with ``key``."""
        alg = certs.parse_signature_algorithm(self.signature_algorithm_der)
        return certs.verify_signature(key, alg, self.signature, self.tbs_der)

    def currency(self, now: _dt.datetime) -> str | None:
        """None when current at ``now``; otherwise why not (a sentence without personal data)."""
        if self.next_update is None:
            return "it has no nextUpdate date, so it cannot be known to be current"
        if self.this_update is not None and now < self.this_update:
            return f"it is not valid before {self.this_update.date()}"
        if now > self.next_update:
            return f"it is out of date (next update was due {self.next_update.date()})"
        return None

    def signed_by_any(self, issuers: Iterable[certs.Certificate]) -> bool:
        """True when one of ``issuers`` (CSCAs under the CRL's issuer name) signed it."""
        for cert in issuers:
            try:
                if self.is_signed_by(cert.public_key()):
                    return True
            except CertificateError:
                continue  # a key of another type or an unsupported curve cannot have signed it
        return False


def parse_crl(data: bytes) -> Crl:
    """Parse a DER or PEM CRL (``CertificateError`` when malformed)."""
    data = bytes(data)
    if b"-----BEGIN X509 CRL-----" in data:
        m = re.search(rb"-----BEGIN X509 CRL-----(.+?)-----END X509 CRL-----", data, re.S)
        try:
            data = base64.b64decode(b"".join(m.group(1).split())) if m else b""
        except ValueError as exc:
            raise CertificateError("PEM CRL is not valid base64") from exc
    try:
        cl = crl.CertificateList.load(data, strict=False)
        tbs = cl["tbs_cert_list"]
        certs.name_key(cl.issuer)
        revoked: dict[int, _dt.datetime | None] = {}
        if tbs["revoked_certificates"].native:
            for entry in tbs["revoked_certificates"]:
                revoked[int(entry["user_certificate"].native)] = entry["revocation_date"].native
        return Crl(
            der=cl.dump(), issuer=cl.issuer, issuer_text=cl.issuer.human_friendly,
            this_update=tbs["this_update"].native, next_update=tbs["next_update"].native,
            revoked=revoked, tbs_der=tbs.dump(), signature_algorithm_der=cl["signature_algorithm"].dump(),
            signature=bytes(cl["signature"].native),
        )
    except Exception as exc:  # asn1crypto raises many types on malformed DER
        raise CertificateError(f"CRL cannot be parsed: {exc}") from exc


def revocation_status(dsc: certs.Certificate, crls: Iterable[Crl], cscas: Iterable[certs.Certificate],
                      now: _dt.datetime) -> tuple[str, list[str]]:
    """Revocation verdict of ``dsc`` from the CRLs under its issuer's name, and the reasons.

    :param crls: CRLs whose issuer is the DSC's issuer.
    :param cscas: trusted CSCA certificates under that name (the chaining one, its links and renewals).
    """
    crls = list(crls)
    if not crls:
        return NOT_CHECKED, [f"no CRL from {dsc.issuer_text} in the trust store: revocation not checked"]
    cscas = list(cscas)
    signed = [c for c in crls if c.signed_by_any(cscas)]
    for entry in signed:
        if dsc.serial_number in entry.revoked:
            date = entry.revoked[dsc.serial_number]
            return INVALID, [f"the DSC is revoked by its CSCA's CRL{f' since {date.date()}' if date else ''}"]
    if not signed:
        return UNKNOWN, [f"{len(crls)} CRL(s) named {dsc.issuer_text} are in the trust store but none is "
                         "signed by a trusted CSCA: revocation unknown"]
    stale = [(c, c.currency(now)) for c in signed]
    if any(why is None for _, why in stale):
        return VALID, []
    newest = max(stale, key=lambda item: item[0].this_update or _dt.datetime.min.replace(tzinfo=_dt.timezone.utc))
    return UNKNOWN, [f"the CSCA's newest CRL cannot be relied on: {newest[1]}; revocation unknown"]
