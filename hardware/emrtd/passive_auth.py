"""Passive authentication (ICAO 9303-11 section 5.1; 9303-12 for the PKI; RFC 5652 for CMS).

One verdict per step, each with its reasons:

- ``signature``: the EF.SOD signer info verifies with the document signer certificate (DSC): the
  content-type and message-digest signed attributes match the LDS security object, and the
  signature over the signed attributes verifies.
- ``chain``: the DSC is signed by a CSCA in the trust store, judged at the time the SOD was signed
  (its signing-time attribute, else the DSC's validity start). An expired passport still proves
  its chip genuine; expiry is reported separately for the decision policy.
- ``revocation``: CRLs from the DSC's issuer, signed by a trusted CSCA of that name:
  ``invalid`` (listed, on any such CRL), ``valid`` (a current one does not list it), ``unknown``
  (CRLs of that issuer exist but none is signed and current: out of date, forged...), ``not_checked``
  (no CRL of that issuer in the store). See ``hardware.emrtd.crl``.
- ``hashes``: each data group present hashes to the value in the SOD; a data group present but
  not listed in the SOD is a mismatch.
- ``expiry``: the document (DG1) and the certificates at ``today``; not part of ``passed``.

``passed`` = signature and chain valid, the DSC not revoked, and every present hash matching (and
EF.CardSecurity, when given, signed and chained too). A revocation that is ``unknown`` or
``not_checked`` does not fail it: the decision policy weighs those. Corrupt input gives a failed verdict with a reason, never a crash.
"""
from __future__ import annotations

import datetime as _dt
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from hardware.emrtd import certs, crl
from hardware.emrtd.errors import CertificateError, EmrtdError, LdsError
from hardware.emrtd.lds.dg1 import parse_dg1
from hardware.emrtd.lds.signed_data import SignedData, parse_signed_data
from hardware.emrtd.lds.sod import Sod, hash_function, parse_sod
from hardware.emrtd.trust import TrustStore, verify_cms_signer

log = logging.getLogger(__name__)

VALID, INVALID, UNKNOWN, NOT_CHECKED = "valid", "invalid", "unknown", crl.NOT_CHECKED
MATCH, MISMATCH = "match", "mismatch"
OID_SECURITY_OBJECT = "0.4.0.127.0.7.3.2.1"  # EF.CardSecurity content (BSI TR-03110-3)


@dataclass(frozen=True)
class PassiveAuthReport:
    """The outcome of passive authentication; ``to_dict`` gives the JSON form of ``kiosk passport verify``.

    ``signature``, ``chain`` and ``card_security`` are ``valid``/``invalid``/``unknown``
    (``card_security`` None when EF.CardSecurity was not given); ``revocation`` is one of those or
    ``not_checked`` (no CRL of the DSC's issuer, or no CSCA to judge one by); ``hashes`` maps ``DGn`` to
    ``match``/``mismatch``; ``expiry`` holds ``date`` and ``document``/``dsc``/``csca`` states
    (``valid``, ``expired``, ``not_yet_valid``, ``unknown``) with their dates.
    """

    passed: bool
    signature: str
    chain: str
    revocation: str
    hashes: dict[str, str]
    expiry: dict[str, Any]
    reasons: tuple[str, ...]
    hash_algorithm: str | None = None
    signing_time: _dt.datetime | None = None
    chain_time: _dt.datetime | None = None
    dsc_subject: str | None = None
    csca_subject: str | None = None
    card_security: str | None = None
    deviations: tuple[str, ...] = ()
    deviations: tuple[str, ...] = ()  # deviation-type OIDs an issuer's deviation list names for this document

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: passed, signature, chain, revocation, hashes, expiry, reasons, and details."""
        return {
            "passed": self.passed, "signature": self.signature, "chain": self.chain,
            "revocation": self.revocation, "hashes": dict(self.hashes), "expiry": dict(self.expiry),
            "reasons": list(self.reasons), "hash_algorithm": self.hash_algorithm,
            "signing_time": self.signing_time.isoformat() if self.signing_time else None,
            "chain_time": self.chain_time.isoformat() if self.chain_time else None,
            "dsc_subject": self.dsc_subject, "csca_subject": self.csca_subject,
            "card_security": self.card_security, "deviations": list(self.deviations),
        }


@dataclass
class _Draft:
    """The report while it is being built."""

    passed: bool = False
    signature: str = UNKNOWN
    chain: str = UNKNOWN
    revocation: str = NOT_CHECKED
    hashes: dict[str, str] = field(default_factory=dict)
    expiry: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    hash_algorithm: str | None = None
    signing_time: _dt.datetime | None = None
    chain_time: _dt.datetime | None = None
    dsc_subject: str | None = None
    csca_subject: str | None = None
    card_security: str | None = None
    deviations: tuple[str, ...] = ()

    def freeze(self) -> PassiveAuthReport:
        """The finished, immutable report."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["reasons"] = tuple(self.reasons)
        return PassiveAuthReport(**values)


@dataclass
class _SignerCheck:
    signature: str = UNKNOWN
    chain: str = UNKNOWN
    revocation: str = NOT_CHECKED
    dsc: certs.Certificate | None = None
    csca: certs.Certificate | None = None
    when: _dt.datetime | None = None
    reasons: list[str] = field(default_factory=list)


def _check_signer(sd: SignedData, store: TrustStore, what: str, now: _dt.datetime) -> _SignerCheck:
    out = _SignerCheck()
    si = sd.signer_infos[0]
    stored = []
    if si.issuer_key is not None and si.serial_number is not None:
        found = store.find_certificate(si.issuer_key, si.serial_number)
        stored = [found] if found else []
    try:
        dsc, ok, reason = verify_cms_signer(sd, stored)
    except CertificateError as exc:
        out.signature = INVALID
        out.reasons.append(f"{what}: document signer certificate unusable: {exc}")
        return out
    out.dsc = dsc
    out.signature = {True: VALID, False: INVALID, None: UNKNOWN}[ok]
    if not ok:
        out.reasons.append(f"{what} signature: {reason}")
    if dsc is None:
        out.chain = INVALID
        out.reasons.append(f"{what}: no document signer certificate, so no chain to a CSCA")
        return out
    # Chain time: the signing-time attribute, else the DSC's validity start (ICAO 9303-12 section 7.1.1
    # shortens DSC private-key usage to the first months of its validity).
    out.when = si.signing_time or dsc.not_before
    if si.signing_time is None:
        out.reasons.append(f"{what} has no signing time; chain judged at the DSC's validity start")
    _check_chain(out, store, what)
    if out.csca is not None:
        _check_revocation(out, store, now)
    return out


def _check_chain(out: _SignerCheck, store: TrustStore, what: str) -> None:
    dsc, when = out.dsc, out.when
    assert dsc is not None and when is not None
    if not dsc.valid_at(when):
        out.chain = INVALID
        out.reasons.append(
            f"{what} was signed at {when.date()} outside the DSC's validity {dsc.not_before.date()}..{dsc.not_after.date()}")
        return
    candidates = store.issuers_of(dsc)
    if not candidates:
        out.chain = INVALID
        out.reasons.append(f"no CSCA in the trust store for the DSC issuer ({dsc.issuer_text})")
        return
    verifying: list[certs.Certificate] = []
    errors = []
    for cand in candidates:
        try:
            key = cand.public_key()
            if dsc.is_signed_by(key):
                verifying.append(cand)
        except CertificateError as exc:
            errors.append(str(exc))
    if not verifying:
        out.chain = UNKNOWN if errors and len(errors) == len(candidates) else INVALID
        detail = f" ({errors[0]})" if errors else ""
        out.reasons.append(f"the DSC signature does not verify under any of {len(candidates)} CSCA certificate(s) "
                           f"named {dsc.issuer_text}{detail}")
        return
    # Any certificate for the verifying key (root or link) valid at signing time will do.
    keys = {c.public_key_info_der for c in verifying}
    same_key = [c for c in store.certificates if c.public_key_info_der in keys]
    in_time = [c for c in same_key if c.valid_at(when)]
    out.csca = (in_time or verifying)[0]
    if not in_time:
        out.chain = INVALID
        out.reasons.append(f"the CSCA was not valid at the signing time {when.date()}")
        return
    out.chain = VALID


def _check_revocation(out: _SignerCheck, store: TrustStore, now: _dt.datetime) -> None:
    dsc, csca = out.dsc, out.csca
    assert dsc is not None and csca is not None
    # Any trusted CSCA under the issuer's name may have signed the CRL (a renewed key, a link certificate).
    cscas = [csca] + [c for c in store.cscas_named(dsc.issuer_key) if c.der != csca.der]
    out.revocation, reasons = crl.revocation_status(dsc, store.crls_for(dsc.issuer_key), cscas, now)
    if out.revocation != VALID:
        out.reasons.extend(reasons)


def _expiry(report: _Draft, check: _SignerCheck, data_groups: Mapping[int, bytes],
            today: _dt.date) -> None:
    now = _dt.datetime(today.year, today.month, today.day, tzinfo=_dt.timezone.utc)
    expiry: dict[str, Any] = {"date": today.isoformat(), "document": UNKNOWN}
    if 1 in data_groups:
        try:
            exp = parse_dg1(data_groups[1]).mrz.expiry_date_as_date()
            if exp is not None:
                expiry["document_expires"] = exp.isoformat()
                expiry["document"] = VALID if exp >= today else "expired"
        except EmrtdError as exc:
            report.reasons.append(f"DG1 cannot be read for the expiry date: {exc}")
    for name, cert in (("dsc", check.dsc), ("csca", check.csca)):
        if cert is None:
            expiry[name] = UNKNOWN
            continue
        expiry[f"{name}_expires"] = cert.not_after.date().isoformat()
        expiry[name] = (VALID if cert.valid_at(now) else "expired" if now > cert.not_after else "not_yet_valid")
    report.expiry = expiry


def _hashes(report: _Draft, sod: Sod, data_groups: Mapping[int, bytes]) -> bool:
    try:
        h = hash_function(sod.hash_algorithm)
    except LdsError as exc:
        report.reasons.append(str(exc))
        for n in data_groups:
            report.hashes[f"DG{n}"] = MISMATCH
        return False
    ok = True
    for n in sorted(data_groups):
        expected = sod.dg_hashes.get(n)
        if expected is None:
            report.hashes[f"DG{n}"] = MISMATCH
            report.reasons.append(f"DG{n} is present but not listed in EF.SOD")
            ok = False
        elif hmac.compare_digest(h(bytes(data_groups[n])), expected):
            report.hashes[f"DG{n}"] = MATCH
        else:
            report.hashes[f"DG{n}"] = MISMATCH
            report.reasons.append(f"DG{n} does not hash to the value signed in EF.SOD")
            ok = False
    return ok


def _verify_card_security(data: bytes, store: TrustStore, now: _dt.datetime) -> tuple[str, list[str]]:
    try:
        sd = parse_signed_data(data, "EF.CardSecurity")
    except LdsError as exc:
        return INVALID, [str(exc)]
    if sd.content_type != OID_SECURITY_OBJECT:
        return INVALID, ["EF.CardSecurity does not hold a SecurityInfos object"]
    check = _check_signer(sd, store, "EF.CardSecurity", now)
    ok = check.signature == VALID and check.chain == VALID and check.revocation != INVALID
    return (VALID if ok else INVALID), check.reasons


def _known_deviations(store: TrustStore, dsc: Any, data_groups: Mapping[int, bytes], sod: Sod) -> tuple[str, ...]:
    """Deviation types that the store's deviation lists name for this document (DSC, type, number, date)."""
    if not store.deviation_lists:
        return ()
    document_type = document_number = None
    if 1 in data_groups:
        try:
            mrz = parse_dg1(data_groups[1]).mrz
            document_type, document_number = mrz.document_code, mrz.document_number
        except EmrtdError:
            pass  # an unreadable DG1 matches only deviations that do not need it
    found: list[str] = []
    for dl in store.deviation_lists:
        for dev in dl.deviations:
            if dev.applies(dsc=dsc, document_type=document_type, document_number=document_number,
                           signed_at=sod.signing_time):
                found += [t for t in dev.types if t not in found]
    return tuple(found)


def verify(
    sod: Sod | bytes | None,
    data_groups: Mapping[int, bytes],
    trust_store: TrustStore,
    today: _dt.date | None = None,
    *,
    card_security: bytes | None = None,
    now: _dt.datetime | None = None,
) -> PassiveAuthReport:
    """Passive authentication of a document's EF.SOD and data groups ({number: raw file}).

    ``sod`` may be raw EF.SOD bytes, a parsed ``Sod``, or None (missing: the verdict fails).
    ``card_security`` (raw EF.CardSecurity, PACE-CAM chips) is checked the same way when given.
    ``now`` is the instant CRLs must be current at (default: the current time, or the start of
    ``today`` when only ``today`` is given).
    """
    if now is None:
        now = (_dt.datetime.now(_dt.timezone.utc) if today is None
               else _dt.datetime(today.year, today.month, today.day, tzinfo=_dt.timezone.utc))
    today = today or now.date()
    report = _Draft()
    if card_security is not None:
        report.card_security, cs_reasons = _verify_card_security(card_security, trust_store, now)
        report.reasons.extend(cs_reasons)
    if sod is None:
        report.signature = report.chain = INVALID
        report.reasons.append("EF.SOD is missing: the data groups cannot be authenticated")
        for n in sorted(data_groups):
            report.hashes[f"DG{n}"] = MISMATCH
        report.expiry = {"date": today.isoformat(), "document": UNKNOWN}
        return report.freeze()
    if not isinstance(sod, Sod):
        try:
            sod = parse_sod(sod)
        except EmrtdError as exc:
            report.signature = report.chain = INVALID
            report.reasons.append(f"EF.SOD cannot be parsed: {exc}")
            for n in sorted(data_groups):
                report.hashes[f"DG{n}"] = MISMATCH
            report.expiry = {"date": today.isoformat(), "document": UNKNOWN}
            return report.freeze()
    report.hash_algorithm = sod.hash_algorithm
    report.signing_time = sod.signing_time
    check = _check_signer(sod.signed_data, trust_store, "EF.SOD", now)
    report.signature, report.chain, report.revocation = check.signature, check.chain, check.revocation
    report.chain_time = check.when
    report.dsc_subject = check.dsc.subject_text if check.dsc else None
    report.csca_subject = check.csca.subject_text if check.csca else None
    report.reasons.extend(check.reasons)
    hashes_ok = _hashes(report, sod, data_groups)
    report.deviations = _known_deviations(trust_store, check.dsc, data_groups, sod)
    if report.deviations:
        from hardware.emrtd.deviation_list import DEVIATION_NAMES

        report.reasons.append("the issuer's deviation list names this document: "
                              + ", ".join(DEVIATION_NAMES.get(t, t) for t in report.deviations))
    _expiry(report, check, data_groups, today)
    report.passed = (
        report.signature == VALID and report.chain == VALID and report.revocation != INVALID and hashes_ok
        and report.card_security in (None, VALID)
    )
    log.debug("passive authentication: passed=%s signature=%s chain=%s", report.passed, report.signature,
              report.chain)
    return report.freeze()
