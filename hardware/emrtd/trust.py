"""CSCA trust store: master lists, certificate files and CRLs (ICAO 9303-12 sections 7-9).

Sources: CSCA master lists (``.ml``/``.mls``: CMS SignedData, content type id-icao-cscaMasterList
2.23.136.1.1.2, content ``CscaMasterList ::= SEQUENCE { version, certList SET OF Certificate }``),
certificate files (DER or PEM, one or many), CRLs (DER or PEM) and folders of them.

A master list's signature is checked where possible: the signer certificate (in the CMS) must sign
the content, and be issued by a CSCA of the list itself or already in the store. A list whose
signature is *wrong* is refused; one that cannot be checked (signer certificate absent, algorithm
unsupported) is imported and reported as unverified.

Every CSCA certificate in the store is a trust anchor, link certificates included (ICAO 9303-12
section 5.1.1). That is also why path-length constraints between CSCA certificates (Singapore's
link certificates carry pathLenConstraint 0) never come into play: the chain is always DSC -> CSCA.

The store persists to a folder: ``csca/<sha256>.der`` and ``crl/<sha256>.crl``.
"""
from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from asn1crypto import cms, core, crl, x509

from hardware.emrtd import certs
from hardware.emrtd.errors import CertificateError, EmrtdError, LdsError, TrustStoreError
from hardware.emrtd.lds.signed_data import SignedData, parse_signed_data
from hardware.emrtd.lds.sod import hash_function

log = logging.getLogger(__name__)

OID_CSCA_MASTER_LIST = "2.23.136.1.1.2"
_MAX_FILE = 64 * 1024 * 1024


class _CscaMasterList(core.Sequence):
    _fields = [("version", core.Integer), ("cert_list", core.SetOf, {"spec": x509.Certificate})]


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


@dataclass(frozen=True)
class MasterListInfo:
    """What importing one master list gave: certificates, and whether its signature was verified."""

    certificates: tuple[certs.Certificate, ...] = field(repr=False)
    signer: str | None
    verified: bool
    reason: str
    skipped: int = 0


def verify_cms_signer(sd: SignedData, extra_certificates: Iterable[certs.Certificate] = ()) -> tuple[
        certs.Certificate | None, bool | None, str]:
    """Find the signer certificate of ``sd`` and check the CMS signature.

    Returns (signer certificate or None, True/False/None for valid/invalid/cannot tell, reason).
    """
    si = sd.signer_infos[0]
    pool = [certs.parse_certificate_der(d) for d in sd.certificates] + list(extra_certificates)
    signer = None
    for c in pool:
        if si.serial_number is not None and si.issuer_key is not None:
            if c.serial_number == si.serial_number and c.issuer_key == si.issuer_key:
                signer = c
                break
        elif si.subject_key_identifier is not None and c.subject_key_identifier == si.subject_key_identifier:
            signer = c
            break
    if signer is None:
        return None, None, "the signer's certificate is not included and not in the trust store"
    try:
        digest = hash_function(si.digest_algorithm)
    except LdsError as exc:
        return signer, None, str(exc)
    if si.signed_attrs_der is not None:
        if si.content_type is not None and si.content_type != sd.content_type:
            return signer, False, "signed content-type attribute differs from the encapsulated content type"
        if si.message_digest is None:
            return signer, False, "signed attributes lack the message digest"
        if si.message_digest != digest(sd.content):
            return signer, False, "message digest attribute does not match the signed content"
        message = si.signed_attrs_der
    else:
        message = sd.content
    try:
        alg = certs.parse_signature_algorithm(si.signature_algorithm_der, si.digest_algorithm)
        ok = certs.verify_signature(signer.public_key(), alg, si.signature, message)
    except CertificateError as exc:
        return signer, None, f"signature cannot be checked: {exc}"
    return signer, ok, "signature verifies" if ok else "signature does not verify with the signer's key"


class TrustStore:
    """CSCA certificates (trust anchors) and CRLs, looked up by issuer name or key identifier."""

    def __init__(self) -> None:
        self._certs: dict[bytes, certs.Certificate] = {}
        self._by_subject: dict[str, list[certs.Certificate]] = {}
        self._by_ski: dict[bytes, list[certs.Certificate]] = {}
        self._crls: dict[bytes, Crl] = {}

    def __len__(self) -> int:
        return len(self._certs)

    @property
    def certificates(self) -> list[certs.Certificate]:
        """All trust anchors."""
        return list(self._certs.values())

    @property
    def crls(self) -> list[Crl]:
        """All CRLs."""
        return list(self._crls.values())

    def add_certificate(self, cert: certs.Certificate) -> bool:
        """Add a trust anchor; False when it was already there."""
        key = hashlib.sha256(cert.der).digest()
        if key in self._certs:
            return False
        self._certs[key] = cert
        self._by_subject.setdefault(cert.subject_key, []).append(cert)
        if cert.subject_key_identifier:
            self._by_ski.setdefault(cert.subject_key_identifier, []).append(cert)
        return True

    def add_crl(self, entry: Crl) -> bool:
        """Add a CRL; False when it was already there."""
        key = hashlib.sha256(entry.der).digest()
        if key in self._crls:
            return False
        self._crls[key] = entry
        return True

    def issuers_of(self, cert: certs.Certificate) -> list[certs.Certificate]:
        """Anchors whose subject is ``cert``'s issuer, or whose key identifier is its authority key id."""
        found = list(self._by_subject.get(cert.issuer_key, []))
        if cert.authority_key_identifier:
            for c in self._by_ski.get(cert.authority_key_identifier, []):
                if c not in found:
                    found.append(c)
        return found

    def crls_for(self, issuer_key: str) -> list[Crl]:
        """CRLs issued under the (normalised) issuer name."""
        return [c for c in self._crls.values() if c.issuer_key == issuer_key]

    def find_certificate(self, issuer_key: str, serial_number: int) -> certs.Certificate | None:
        """A stored certificate by issuer and serial (for SODs that leave their DSC out)."""
        for c in self._certs.values():
            if c.issuer_key == issuer_key and c.serial_number == serial_number:
                return c
        return None

    def add_master_list(self, data: bytes) -> MasterListInfo:
        """Import a CSCA master list; raises ``TrustStoreError`` if its signature is wrong."""
        try:
            sd = parse_signed_data(data, "master list")
        except LdsError as exc:
            raise TrustStoreError(str(exc)) from exc
        if sd.content_type != OID_CSCA_MASTER_LIST:
            raise TrustStoreError("CMS file is not a CSCA master list (content type 2.23.136.1.1.2)")
        try:
            signer, ok, reason = verify_cms_signer(sd)
        except CertificateError as exc:
            raise TrustStoreError(f"master list signer certificate is unusable: {exc}") from exc
        if ok is False:
            raise TrustStoreError(f"master list refused: {reason}")
        listed, skipped = self._master_list_certificates(sd.content)
        verified = False
        if ok and signer is not None:
            issuers = [c for c in listed + self.certificates if c.subject_key == signer.issuer_key]
            verified = any(_signed_by(signer, c) for c in issuers)
            reason = ("signature and signer certificate verify" if verified
                      else "signature verifies but the signer certificate's CSCA was not found or does not verify")
        for c in listed:
            self.add_certificate(c)
        log.info("master list: %d CSCA certificates (%d unparsable skipped), signature verified: %s",
                 len(listed), skipped, verified)
        return MasterListInfo(tuple(listed), signer.subject_text if signer else None, verified, reason, skipped)

    @staticmethod
    def _master_list_certificates(content: bytes) -> tuple[list[certs.Certificate], int]:
        try:
            ml = _CscaMasterList.load(content)
            raw_certs = [c.dump() for c in ml["cert_list"]]
        except Exception as exc:  # asn1crypto raises many types on malformed DER
            raise TrustStoreError(f"master list content is malformed: {exc}") from exc
        out, skipped = [], 0
        for der in raw_certs:
            try:
                out.append(certs.parse_certificate_der(der))
            except CertificateError:
                skipped += 1  # one bad entry (it happens in real lists) must not sink the whole list
        return out, skipped

    def add_file(self, path: Path) -> str:
        """Import one file of any supported kind; returns a one-line summary."""
        try:
            if path.stat().st_size > _MAX_FILE:
                raise TrustStoreError(f"{path.name} is larger than {_MAX_FILE // 2**20} MB")
            data = path.read_bytes()
        except OSError as exc:
            raise TrustStoreError(f"cannot read {path}: {exc.strerror}") from exc
        kind = _sniff(data)
        if kind == "master_list":
            info = self.add_master_list(data)
            state = "verified" if info.verified else f"NOT verified ({info.reason})"
            return f"{path.name}: master list, {len(info.certificates)} CSCA certificates, signature {state}"
        if kind == "crl":
            self.add_crl(parse_crl(data))
            return f"{path.name}: CRL"
        try:
            loaded = certs.load_certificates(data)
        except CertificateError as cert_exc:
            try:
                self.add_crl(parse_crl(data))
            except CertificateError:
                raise TrustStoreError(
                    f"{path.name} is not a certificate, CRL or master list: {cert_exc}") from cert_exc
            return f"{path.name}: CRL"
        added = sum(self.add_certificate(c) for c in loaded)
        return f"{path.name}: {len(loaded)} certificate(s), {added} new"

    def add_path(self, path: str | Path) -> list[str]:
        """Import a file or every file under a folder; returns summary lines (unusable files noted)."""
        root = Path(path)
        if not root.exists():
            raise TrustStoreError(f"{root} does not exist")
        if root.is_file():
            return [self.add_file(root)]
        lines = []
        for p in sorted(q for q in root.rglob("*") if q.is_file()):
            try:
                lines.append(self.add_file(p))
            except EmrtdError as exc:
                lines.append(f"{p.name}: skipped ({exc})")
        return lines

    def save(self, folder: str | Path) -> None:
        """Write the store to ``folder`` (``csca/*.der``, ``crl/*.crl``); existing files are kept."""
        base = Path(folder)
        try:
            (base / "csca").mkdir(parents=True, exist_ok=True)
            (base / "crl").mkdir(parents=True, exist_ok=True)
            for key, cert in self._certs.items():
                target = base / "csca" / f"{key.hex()}.der"
                if not target.exists():
                    target.write_bytes(cert.der)
            for key, entry in self._crls.items():
                target = base / "crl" / f"{key.hex()}.crl"
                if not target.exists():
                    target.write_bytes(entry.der)
        except OSError as exc:
            raise TrustStoreError(f"cannot write the trust store to {base}: {exc.strerror}") from exc

    @classmethod
    def load(cls, folder: str | Path) -> TrustStore:
        """Read a store written by ``save`` (an absent folder gives an empty store)."""
        store = cls()
        base = Path(folder)
        if base.exists():
            store.add_path(base)
        return store

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path]) -> TrustStore:
        """A store from certificate files, master lists, CRLs and folders."""
        store = cls()
        for p in paths:
            store.add_path(p)
        return store


def _signed_by(cert: certs.Certificate, issuer: certs.Certificate) -> bool:
    try:
        return cert.is_signed_by(issuer.public_key())
    except CertificateError:
        return False


def _sniff(data: bytes) -> str:
    if b"-----BEGIN X509 CRL-----" in data:
        return "crl"
    if b"-----BEGIN" in data:
        return "certificate"
    try:
        info = cms.ContentInfo.load(data)
        if info["content_type"].native == "signed_data":
            return "master_list"
    except Exception:  # noqa: BLE001 - sniffing: anything unparsable is simply "not this kind"
        pass
    return "other"
