"""CSCA trust store: master lists, certificate files and CRLs (ICAO 9303-12 sections 7-9).

Sources: CSCA master lists (``.ml``/``.mls``: CMS SignedData, content type id-icao-cscaMasterList
2.23.136.1.1.2, content ``CscaMasterList ::= SEQUENCE { version, certList SET OF Certificate }``),
certificate files (DER or PEM, one or many), CRLs (DER or PEM) and folders of them.

A master list is imported only when its signature verifies with its signer certificate AND that
signer is trusted before the list is read: it is issued by (and verifies under) a CSCA already in
the store, or it is, or is issued by, an explicitly configured master-list signer certificate
(``add_master_list_signer``; ``kiosk trust import --ml-signer``). A CSCA carried inside the list
itself never vouches for the list: anyone can sign a list that contains their own CSCA. Any other
list (signature wrong, not checkable, or signer not trusted) is refused with the reason.

CRLs are checked on import where their CSCA is known (a CRL whose signature does not verify under
the trusted CSCA of its issuer name is refused) and reported when out of date; at each use the
signature and currency are checked again (``hardware.emrtd.crl.revocation_status``).

Within one folder import, certificate files are taken first, then master lists, then CRLs, so a
folder holding a country's CSCA certificate beside its master list and CRL imports in one go.

Every CSCA certificate in the store is a trust anchor, link certificates included (ICAO 9303-12
section 5.1.1). That is also why path-length constraints between CSCA certificates (Singapore's
link certificates carry pathLenConstraint 0) never come into play: the chain is always DSC -> CSCA.

The store persists to a folder: ``csca/<sha256>.der``, ``crl/<sha256>.crl`` and
``ml_signer/<sha256>.der`` (configured master-list signers), folders 0700 and files 0600.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import cms, core, x509

from hardware.emrtd import certs
from hardware.emrtd.crl import Crl, parse_crl
from hardware.emrtd.errors import CertificateError, EmrtdError, LdsError, TrustStoreError
from hardware.emrtd.lds.signed_data import SignedData, parse_signed_data
from hardware.emrtd.lds.sod import hash_function

log = logging.getLogger(__name__)

OID_CSCA_MASTER_LIST = "2.23.136.1.1.2"
_MAX_FILE = 64 * 1024 * 1024
ML_SIGNER_FOLDER = "ml_signer"
CRL_CLOCK_SKEW = _dt.timedelta(hours=12)  # a CRL issued "later today" elsewhere is not from the future
_IMPORT_ORDER = {"certificate": 0, "other": 0, "master_list": 1, "ldif": 1, "crl": 2}


class _CscaMasterList(core.Sequence):
    _fields = [("version", core.Integer), ("cert_list", core.SetOf, {"spec": x509.Certificate})]


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
        self._ml_signers: dict[bytes, certs.Certificate] = {}
        # sha256 hex of a certificate or CRL -> where it came from and when (informational: trust is decided
        # by the files themselves, never by this)
        self._sources: dict[str, dict[str, str]] = {}
        self._deviation_lists: dict[bytes, Any] = {}  # sha256 -> deviation_list.DeviationList

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

    @property
    def master_list_signers(self) -> list[certs.Certificate]:
        """Explicitly configured master-list signer certificates (not CSCAs: they vouch for lists only)."""
        return list(self._ml_signers.values())

    def add_master_list_signer(self, cert: certs.Certificate) -> bool:
        """Trust ``cert`` to vouch for master lists it signed, or whose signer it issued; False if known."""
        key = hashlib.sha256(cert.der).digest()
        if key in self._ml_signers:
            return False
        self._ml_signers[key] = cert
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

    def cscas_named(self, issuer_key: str) -> list[certs.Certificate]:
        """Trusted CSCA certificates whose subject is ``issuer_key`` (normalised name)."""
        return list(self._by_subject.get(issuer_key, []))

    def check_crl(self, entry: Crl, now: _dt.datetime | None = None) -> str:
        """How ``entry`` stands against this store at ``now``; raises ``TrustStoreError`` if it is forged.

        A CRL whose issuer has trusted CSCAs must verify under one of them. Without any, it is kept and
        checked at each use. Returns a short status for the import summary.
        """
        now = now or _dt.datetime.now(_dt.timezone.utc)
        issuers = self.cscas_named(entry.issuer_key)
        if issuers and not entry.signed_by_any(issuers):
            raise TrustStoreError(f"CRL of {entry.issuer_text} refused: its signature does not verify under "
                                  f"any of the {len(issuers)} trusted CSCA certificate(s) of that name")
        signed = "signature verified" if issuers else "signature not checked yet (no trusted CSCA of that name)"
        why = entry.currency(now)
        return f"{signed}; " + ("current" if why is None else f"NOT current: {why}")

    def refresh_crl(self, name: str, data: bytes, now: _dt.datetime | None = None) -> str:
        """Take a CRL delivered for a refresh (offline sites get them on media), stricter than an import:
        it must verify under a trusted CSCA, must not be dated in the future, and must be newer than every
        CRL of that issuer already held (an older one is a replay, not a refresh). Raises
        ``TrustStoreError`` with the reason; returns a one-line summary."""
        now = now or _dt.datetime.now(_dt.timezone.utc)
        try:
            entry = parse_crl(data)
        except CertificateError as exc:
            raise TrustStoreError(f"{name} is not a CRL: {exc}") from exc
        issuers = self.cscas_named(entry.issuer_key)
        if not issuers:
            raise TrustStoreError(f"{name}: no trusted CSCA named {entry.issuer_text}, so the CRL cannot be checked")
        if not entry.signed_by_any(issuers):
            raise TrustStoreError(f"{name}: its signature does not verify under the trusted CSCA(s) of {entry.issuer_text}")
        if entry.this_update is None or entry.this_update > now + CRL_CLOCK_SKEW:
            raise TrustStoreError(f"{name}: dated in the future ({entry.this_update}); check this kiosk's clock")
        held = [c.this_update for c in self.crls_for(entry.issuer_key) if c.this_update is not None]
        if any(h >= entry.this_update for h in held) and hashlib.sha256(entry.der).digest() not in self._crls:
            raise TrustStoreError(f"{name}: issued {entry.this_update.date()}, not newer than the CRL of "
                                  f"{entry.issuer_text} already held ({max(held).date()}): not a refresh")
        new = self.add_crl(entry)
        self._note_source(entry.der, f"CRL refresh {name}")
        why = entry.currency(now)
        state = "current" if why is None else f"NOT current: {why}"
        return f"{name}: CRL of {entry.issuer_text} issued {entry.this_update.date()}, " + (
            f"{state}" if new else "already held")

    def _trusted_signer(self, signer: certs.Certificate, extra: Iterable[certs.Certificate]) -> str | None:
        """Which trusted certificate vouches for a master-list signer, or None."""
        configured = self.master_list_signers + list(extra)
        if any(c.der == signer.der for c in configured):
            return "a configured master-list signer"
        for anchor in self.cscas_named(signer.issuer_key) + configured:
            if anchor.subject_key == signer.issuer_key and _signed_by(signer, anchor):
                kind = "trusted CSCA" if anchor.der in {c.der for c in self.certificates} else "configured signer"
                return f"{kind} {anchor.subject_text}"
        return None

    def add_master_list(self, data: bytes, *, signers: Iterable[certs.Certificate] = ()) -> MasterListInfo:
        """Import a CSCA master list whose signer is trusted; raises ``TrustStoreError`` (with why) otherwise.

        :param signers: extra master-list signer certificates trusted for this import only.
        """
        signers = list(signers)
        try:
            sd = parse_signed_data(data, "master list")
        except LdsError as exc:
            raise TrustStoreError(str(exc)) from exc
        if sd.content_type != OID_CSCA_MASTER_LIST:
            raise TrustStoreError("CMS file is not a CSCA master list (content type 2.23.136.1.1.2)")
        try:
            signer, ok, reason = verify_cms_signer(sd, self.master_list_signers + signers)
        except CertificateError as exc:
            raise TrustStoreError(f"master list signer certificate is unusable: {exc}") from exc
        if ok is not True or signer is None:
            raise TrustStoreError(f"master list refused: {reason}")
        vouched = self._trusted_signer(signer, signers)
        if vouched is None:
            raise TrustStoreError(
                f"master list refused: its signer ({signer.subject_text}) is not issued by a CSCA already in "
                f"the trust store nor a configured master-list signer; import the CSCA certificate of "
                f"{signer.issuer_text}, obtained and checked out of band, first (or name the signer with "
                f"--ml-signer)")
        listed, skipped = self._master_list_certificates(sd.content)
        for c in listed:
            self.add_certificate(c)
        log.info("master list: %d CSCA certificates (%d unparsable skipped), signer vouched for by %s",
                 len(listed), skipped, vouched)
        return MasterListInfo(tuple(listed), signer.subject_text, True,
                              f"signature verifies; signer issued by {vouched}", skipped)

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
        data = _read(path)
        return self._add_data(path.name, data, _sniff(data))

    def _add_crl_checked(self, name: str, entry: Crl) -> str:
        status = self.check_crl(entry)
        self.add_crl(entry)
        return f"{name}: CRL of {entry.issuer_text}, {status}"

    @property
    def deviation_lists(self) -> list[Any]:
        """Verified ICAO deviation lists (``deviation_list.DeviationList``)."""
        return list(self._deviation_lists.values())

    def add_deviation_list(self, data: bytes) -> Any:
        """Import a deviation list whose signer a trusted CSCA issued; raises ``TrustStoreError`` otherwise."""
        from hardware.emrtd.deviation_list import load_deviation_list

        def vouch(signer: certs.Certificate) -> str | None:
            return next((c.subject_text for c in self.cscas_named(signer.issuer_key) if _signed_by(signer, c)), None)

        dl = load_deviation_list(data, vouch)
        self._deviation_lists.setdefault(hashlib.sha256(dl.der).digest(), dl)
        return dl

    def source_of(self, der: bytes) -> dict[str, str] | None:
        """Where a certificate or CRL came from (``{"source": ..., "imported": ...}``), if recorded."""
        return self._sources.get(hashlib.sha256(der).hexdigest())

    def _note_source(self, der: bytes, source: str) -> None:
        today = _dt.datetime.now(_dt.timezone.utc).date().isoformat()
        self._sources.setdefault(hashlib.sha256(der).hexdigest(), {"source": source, "imported": today})

    def _add_ldif(self, name: str, data: bytes) -> str:
        """Master lists and CRLs out of an ICAO PKD LDIF file, each under the same rules as a file of its own."""
        from hardware.emrtd.pkd_ldif import read_pkd_ldif

        objects = read_pkd_ldif(data)
        lists = crls = dscs = refused = 0
        reasons: list[str] = []
        for obj in sorted(objects, key=lambda o: o.kind != "master_list"):  # lists first: they bring CSCAs
            try:
                if obj.kind == "master_list":
                    info = self.add_master_list(obj.der)
                    lists += 1
                    for c in info.certificates:
                        self._note_source(c.der, f"master list in LDIF {name} ({obj.dn}; "
                                                 f"list sha256 {hashlib.sha256(obj.der).hexdigest()})")
                elif obj.kind == "crl":
                    entry = parse_crl(obj.der)
                    self._note_source(entry.der, f"CRL in LDIF {name} ({obj.dn})")
                    self._add_crl_checked(name, entry)
                    crls += 1
                else:
                    dscs += 1
            except EmrtdError as exc:
                refused += 1
                reasons.append(f"{obj.dn}: {exc}")
        if not objects:
            raise TrustStoreError(f"{name} is an LDIF file with no master list, CRL or certificate in it")
        line = (f"{name}: LDIF, {lists} master list(s), {crls} CRL(s) imported; {dscs} document signer "
                f"certificate(s) not imported (EF.SOD carries its own)")
        return line + (f"; {refused} refused: {'; '.join(reasons[:3])}" if refused else "")

    def _add_data(self, name: str, data: bytes, kind: str) -> str:
        if kind == "ldif":
            return self._add_ldif(name, data)
        if kind == "master_list" and _content_type(data) == OID_DEVIATION_LIST:
            dl = self.add_deviation_list(data)
            self._note_source(dl.der, f"deviation list {name}")
            return f"{name}: deviation list signed by {dl.signer}, {len(dl.deviations)} deviation(s)"
        if kind == "master_list":
            info = self.add_master_list(data)
            for c in info.certificates:
                # The list's own fingerprint names the exact version that vouched for each CSCA.
                self._note_source(c.der, f"master list {name} (signed by {info.signer}; "
                                         f"list sha256 {hashlib.sha256(data).hexdigest()})")
            return f"{name}: master list, {len(info.certificates)} CSCA certificates, {info.reason}"
        if kind == "crl":
            entry = parse_crl(data)
            self._note_source(entry.der, f"CRL file {name}")
            return self._add_crl_checked(name, entry)
        try:
            loaded = certs.load_certificates(data)
        except CertificateError as cert_exc:
            try:
                entry = parse_crl(data)
            except CertificateError:
                raise TrustStoreError(f"{name} is not a certificate, CRL or master list: {cert_exc}") from cert_exc
            self._note_source(entry.der, f"CRL file {name}")
            return self._add_crl_checked(name, entry)
        added = sum(self.add_certificate(c) for c in loaded)
        for c in loaded:
            self._note_source(c.der, f"certificate file {name}")
        return f"{name}: {len(loaded)} certificate(s), {added} new"

    def add_path(self, path: str | Path) -> list[str]:
        """Import a file or every file under a folder; returns summary lines (unusable files noted)."""
        root = Path(path)
        if not root.exists():
            raise TrustStoreError(f"{root} does not exist")
        if root.is_file():
            return [self.add_file(root)]
        return self._add_folder(root)

    def _add_folder(self, root: Path, skip: str | None = None) -> list[str]:
        lines = []
        found: list[tuple[int, Path, bytes, str]] = []
        for p in sorted(q for q in root.rglob("*") if q.is_file()):
            if skip is not None and p.relative_to(root).parts[0] == skip:
                continue
            if p.parent == root and p.name in (SOURCES_FILE, f".{SOURCES_FILE}.tmp"):
                continue  # the store's own provenance notes, not trust material
            try:
                data = _read(p)
            except EmrtdError as exc:
                lines.append(f"{p.name}: skipped ({exc})")
                continue
            kind = _sniff(data)
            found.append((_IMPORT_ORDER[kind], p, data, kind))
        # Certificates first: a CSCA beside its master list or CRL must be trusted before they are read.
        for _, p, data, kind in sorted(found, key=lambda item: item[:2]):
            try:
                lines.append(self._add_data(p.name, data, kind))
            except EmrtdError as exc:
                lines.append(f"{p.name}: skipped ({exc})")
        return lines

    def save(self, folder: str | Path) -> None:
        """Write the store to ``folder`` (``csca/``, ``crl/``, ``ml_signer/``); existing files are kept.

        Folders are made 0700 and files 0600: the store decides what the kiosk trusts, so only the
        kiosk's account may change it (and, at 0600, read it).
        """
        base = Path(folder)
        groups = (("csca", ".der", {k: c.der for k, c in self._certs.items()}),
                  ("crl", ".crl", {k: c.der for k, c in self._crls.items()}),
                  ("deviation", ".dl", {k: d.der for k, d in self._deviation_lists.items()}),
                  (ML_SIGNER_FOLDER, ".der", {k: c.der for k, c in self._ml_signers.items()}))
        try:
            _private_dir(base)
            for sub, suffix, items in groups:
                if not items and not (base / sub).exists():
                    continue
                _private_dir(base / sub)
                for key, der in items.items():
                    _write_private(base / sub / f"{key.hex()}{suffix}", der)
            _save_sources(base, self._sources)
        except OSError as exc:
            raise TrustStoreError(f"cannot write the trust store to {base}: {exc.strerror}") from exc

    @classmethod
    def load(cls, folder: str | Path) -> TrustStore:
        """Read a store written by ``save`` (an absent folder gives an empty store)."""
        store = cls()
        base = Path(folder)
        if not base.exists():
            return store
        signers = base / ML_SIGNER_FOLDER
        if signers.is_dir():
            for p in sorted(q for q in signers.iterdir() if q.is_file()):
                try:
                    for cert in certs.load_certificates(_read(p)):
                        store.add_master_list_signer(cert)
                except EmrtdError as exc:
                    raise TrustStoreError(f"master-list signer {p.name} is unusable: {exc}") from exc
        store._add_folder(base, skip=ML_SIGNER_FOLDER)
        store._sources = _load_sources(base)  # the stored files' own names say nothing of where they came from
        return store

    @classmethod
    def from_paths(cls, paths: Iterable[str | Path]) -> TrustStore:
        """A store from certificate files, master lists, CRLs and folders."""
        store = cls()
        for p in paths:
            store.add_path(p)
        return store


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > _MAX_FILE:
            raise TrustStoreError(f"{path.name} is larger than {_MAX_FILE // 2**20} MB")
        return path.read_bytes()
    except OSError as exc:
        raise TrustStoreError(f"cannot read {path}: {exc.strerror}") from exc


def _private_dir(path: Path) -> None:
    """Make ``path`` and each missing parent 0700 (``mkdir(parents=True)`` gives parents 0777 - umask)."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for p in reversed(missing):
        p.mkdir(mode=0o700, exist_ok=True)
    os.chmod(path, 0o700)


def _write_private(target: Path, data: bytes) -> None:
    """Write ``data`` to a new file created 0600 (an existing file is left as it is: same hash, same bytes)."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


SOURCES_FILE = "provenance.json"
OID_DEVIATION_LIST = "2.23.136.1.1.7"


def _content_type(data: bytes) -> str | None:
    try:
        return str(cms.ContentInfo.load(data)["content"]["encap_content_info"]["content_type"].dotted)
    except Exception:  # noqa: BLE001 - sniffing: anything unparsable is "not this kind"
        return None


def _load_sources(base: Path) -> dict[str, dict[str, str]]:
    """The provenance file, or nothing when absent or unreadable (it is informational only)."""
    path = base / SOURCES_FILE
    try:
        data = json.loads(_read(path).decode("utf-8")) if path.is_file() else {}
    except (TrustStoreError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        log.warning("trust store provenance unreadable (%s); listing without it", type(exc).__name__)
        return {}
    if not isinstance(data, dict):
        return {}
    return {str(k): {"source": str(v.get("source", "")), "imported": str(v.get("imported", ""))}
            for k, v in data.items() if isinstance(v, dict)}


def _save_sources(base: Path, sources: dict[str, dict[str, str]]) -> None:
    """Merge ``sources`` into the provenance file (earlier entries win), written 0600 via a temporary file."""
    merged = {**sources, **_load_sources(base)}
    tmp = base / f".{SOURCES_FILE}.tmp"
    tmp.unlink(missing_ok=True)
    _write_private(tmp, json.dumps(merged, indent=1, sort_keys=True).encode("utf-8"))
    os.replace(tmp, base / SOURCES_FILE)


def _signed_by(cert: certs.Certificate, issuer: certs.Certificate) -> bool:
    try:
        return cert.is_signed_by(issuer.public_key())
    except CertificateError:
        return False


def _sniff(data: bytes) -> str:
    from hardware.emrtd.pkd_ldif import looks_like_ldif

    if looks_like_ldif(data):
        return "ldif"
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
    try:
        certs.load_certificates(data)
        return "certificate"
    except CertificateError:
        pass
    try:
        parse_crl(data)
        return "crl"  # a DER CRL: ordered after the certificates that may have signed it
    except CertificateError:
        return "other"
