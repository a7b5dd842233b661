"""A chip record anyone can re-check offline: what the chip proved, kept so that a third party holding
only the record and the issuers' public certificates can re-run every chip verdict.

Kept (``build_chip_record``): EF.SOD (with the document signer certificate inside), EF.COM, DG14,
DG15, EF.CardSecurity when PACE-CAM used it, the hash of every data group read (DG1 and DG2 are not
copied: their hashes are, and EF.SOD signs those hashes), the active-authentication challenge and the
chip's signature over it, the PACE-CAM data (the chip's mapping key and its chip authentication
data), and the read-time verdicts with the SHA-256 fingerprints of the DSC and the CSCA that decided.

Re-checked (``verify_chip_record``), each verdict named by its part: EF.SOD's signature and chain to
the given trust material and its CRLs; EF.CardSecurity likewise; every data group kept or hashed
against EF.SOD; the AA signature against DG15's key and the recorded challenge; PACE-CAM's
``PK_Map,IC = CA_IC * PK_IC`` against EF.CardSecurity's key. EF.COM is not signed by the issuer: it is
kept for context and says so.

Personal data: the record identifies one document. DG15's public key and EF.SOD (which holds the
hashes of DG1 and DG2) are unique to it, and a DG1 hash can be confirmed by anyone who knows the
holder's MRZ. It carries no name, no document number in clear, no image. It must be stored and
retained like the session's other personal evidence.
"""
from __future__ import annotations

import base64
import binascii
import datetime as _dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hardware.emrtd import passive_auth
from hardware.emrtd.active_auth import verify_active_authentication
from hardware.emrtd.certs import load_certificate
from hardware.emrtd.domain_params import DomainParameterError, EcDomain, named_curve_domain, public_key_from_spki
from hardware.emrtd.errors import EmrtdError
from hardware.emrtd.lds.security_infos import parse_card_security
from hardware.emrtd.lds.sod import hash_function, parse_sod
from hardware.emrtd.trust import TrustStore

FORMAT = "idkiosk-chip-record/1"
MAX_RECORD_BYTES = 64 * 1024  # a record without images; larger input is refused before parsing
PARTS = ("EF.COM", "EF.SOD", "DG14", "DG15", "EF.CardSecurity")


class ChipRecordError(EmrtdError):
    """The record cannot be read at all (not JSON, wrong format, too large): fix the file or the command."""


@dataclass(frozen=True)
class Verdict:
    """One re-checked part: ``ok`` and a sentence a person can act on."""

    part: str
    ok: bool
    words: str


def _b64(data: bytes | None) -> str | None:
    return base64.b64encode(data).decode("ascii") if data is not None else None


def _fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def build_chip_record(result: Any, trust: TrustStore | None = None) -> dict[str, Any]:
    """The record of a finished ``EmrtdReader`` read (``ChipReadResult``); JSON-ready, no images.

    With ``trust`` (the store that decided), the fingerprints of the DSC and its CSCA are kept too, and
    where that CSCA and the CRLs that judged it came from (``decided_by``).
    """
    parts = {"EF.COM": result.files.get(0x011E), "EF.SOD": result.files.get(0x011D),
             "DG14": result.files.get(0x010E), "DG15": result.files.get(0x010F),
             "EF.CardSecurity": getattr(result, "card_security", None)}
    hash_name = result.sod.hash_algorithm if result.sod is not None else "sha256"
    record = build_file_record(parts, result.data_groups(), result.passive_authentication, trust,
                               access_method=result.access_method, hash_name=hash_name)
    record["pace_mapping"] = getattr(result, "pace_mapping", None)
    aa = result.active_authentication
    if aa is not None:
        record["active_authentication"] = {"challenge": aa.challenge.hex(), "signature": aa.signature.hex(),
                                           "algorithm": aa.algorithm, "passed": aa.passed}
    cam = getattr(result, "pace_cam", None)
    if cam is not None:
        record["pace_cam"] = {"domain": cam.domain_name, "chip_mapping_key": cam.chip_mapping_key.hex(),
                              "chip_authentication_data": cam.chip_authentication_data.hex()}
    return record


def build_file_record(parts: Mapping[str, bytes | None], data_groups: Mapping[int, bytes], pa: Any,
                      trust: TrustStore | None, *, access_method: str | None, hash_name: str | None = None
                      ) -> dict[str, Any]:
    """The record of chip files without a chip (e.g. EF.SOD, DG1 and DG2 uploaded to the API): the parts,
    the hash of every data group, the passive-authentication report ``pa`` and what decided it. No chip
    or active authentication can be in it: files alone do not prove a chip."""
    sod_raw = parts.get("EF.SOD")
    if hash_name is None:
        try:
            hash_name = parse_sod(sod_raw).hash_algorithm if sod_raw is not None else "sha256"
        except EmrtdError:
            hash_name = "sha256"  # an unparsable SOD fails passive authentication, which says why
    h = hash_function(hash_name)
    record: dict[str, Any] = {
        "format": FORMAT,
        "access_method": access_method,
        "pace_mapping": None,
        "parts": {name: _b64(raw) for name, raw in parts.items() if raw is not None and name in PARTS},
        "data_group_hashes": {"algorithm": hash_name,
                              "values": {f"DG{n}": h(raw).hex() for n, raw in sorted(data_groups.items())}},
        "active_authentication": None, "pace_cam": None, "read_time_verdicts": None, "decided_by": None,
    }
    if pa is not None:
        record["read_time_verdicts"] = pa.to_dict()
        if sod_raw is not None:
            try:
                record["read_time_verdicts"].update(dsc_and_csca_fingerprints(sod_raw, trust or TrustStore()))
                record["decided_by"] = decided_by(sod_raw, trust or TrustStore())
            except EmrtdError:
                pass  # an unparsable SOD already failed passive authentication, which says why
    return record


def decided_by(sod_raw: bytes, store: TrustStore) -> dict[str, Any]:
    """Where the trust that judged EF.SOD came from: the CSCA's fingerprint and provenance (the master list,
    LDIF or file it was imported from, and when), and each CRL of that CSCA with its fingerprint, dates and
    provenance. Certificates and CRLs are public; nothing here is personal."""
    sod = parse_sod(sod_raw)
    if not sod.certificates:
        return {"csca": [], "crls": []}
    dsc = load_certificate(sod.certificates[0])
    cscas = [{"sha256": _fingerprint(c.der), "source": store.source_of(c.der)} for c in store.issuers_of(dsc)]
    crls = []
    for c in store.issuers_of(dsc)[:1]:
        for crl in store.crls_for(c.subject_key):
            crls.append({"sha256": _fingerprint(crl.der), "issuer": crl.issuer_text,
                         "this_update": crl.this_update.isoformat() if crl.this_update else None,
                         "next_update": crl.next_update.isoformat() if crl.next_update else None,
                         "source": store.source_of(crl.der)})
    return {"csca": cscas, "crls": crls}


def _decode_parts(record: Mapping[str, Any], out: list[Verdict]) -> dict[str, bytes]:
    parts: dict[str, bytes] = {}
    raw_parts = record.get("parts")
    if not isinstance(raw_parts, dict):
        raise ChipRecordError("the record has no 'parts' object")
    for name, text in raw_parts.items():
        if name not in PARTS:
            out.append(Verdict(name, False, f"{name}: not a part this format knows"))
            continue
        try:
            parts[name] = base64.b64decode(str(text), validate=True)
        except (binascii.Error, ValueError):
            out.append(Verdict(name, False, f"{name}: not valid base64 (the file was altered or damaged)"))
    return parts


def _hex(value: Any, part: str) -> bytes:
    try:
        return bytes.fromhex(str(value))
    except ValueError as exc:
        raise ChipRecordError(f"{part}: not hexadecimal") from exc


def envelope_faults(signed_data_der: bytes) -> list[str]:
    """RFC 5652 rules on the parts of a CMS SignedData the issuer's signature does not cover: the
    SignedData version (3 for ICAO 9303-10), each SignerInfo's version (1 with issuerAndSerialNumber,
    3 with subjectKeyIdentifier), and digestAlgorithms holding each signer's digest algorithm with
    absent or NULL parameters. A genuine document meets them; an edited record need not."""
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(bytes(signed_data_der))
        sd = info["content"]
        faults = []
        if sd["version"].native not in ("v3", 3):
            faults.append(f"SignedData version is {sd['version'].native}, not v3")
        listed = []
        for alg in sd["digest_algorithms"]:
            params = alg["parameters"]
            if params.native is not None and params.__class__.__name__ not in ("Null", "Void"):
                faults.append("a digest algorithm carries parameters other than NULL")
            listed.append(alg["algorithm"].dotted)
        for si in sd["signer_infos"]:
            want = "v1" if si["sid"].name == "issuer_and_serial_number" else "v3"
            if si["version"].native != want:
                faults.append(f"SignerInfo version is {si['version'].native}, not {want} for its signer identifier")
            if si["digest_algorithm"]["algorithm"].dotted not in listed:
                faults.append("the signer's digest algorithm is not among the SignedData's digest algorithms")
        return faults
    except (ValueError, TypeError, KeyError) as exc:
        return [f"not a CMS SignedData ({exc})"]


def _check_sod(parts: dict[str, bytes], store: TrustStore, now: _dt.datetime, out: list[Verdict]) -> Any:
    sod_raw = parts.get("EF.SOD")
    if sod_raw is None:
        out.append(Verdict("EF.SOD", False, "EF.SOD: missing, nothing the chip read can be authenticated"))
        return None
    try:
        sod = parse_sod(sod_raw)
    except EmrtdError as exc:
        out.append(Verdict("EF.SOD", False, f"EF.SOD: cannot be parsed ({exc})"))
        return None
    faults = envelope_faults(sod.signed_data.raw)
    if faults:
        out.append(Verdict("EF.SOD", False, f"EF.SOD: its CMS envelope breaks RFC 5652 ({'; '.join(faults)})"))
        return None
    kept = {n: parts[f"DG{n}"] for n in (14, 15) if f"DG{n}" in parts}
    report = passive_auth.verify(sod, kept, store, now=now, card_security=parts.get("EF.CardSecurity"))
    sod_ok = report.signature == "valid" and report.chain == "valid" and report.revocation != "invalid"
    why = "; ".join(dict.fromkeys(r for r in report.reasons if "CardSecurity" not in r)) or "see the trust material"
    out.append(Verdict("EF.SOD", sod_ok,
                       f"EF.SOD: signature {report.signature}, chain to a trusted CSCA {report.chain}, "
                       f"revocation {report.revocation}" + (f" (CSCA {report.csca_subject})" if sod_ok else f": {why}")))
    for n in sorted(kept):
        ok = report.hashes.get(f"DG{n}") == "match"
        out.append(Verdict(f"DG{n}", ok, f"DG{n}: " + ("hashes to the value EF.SOD signs" if ok
                                                     else "does not hash to the value EF.SOD signs")))
    if "EF.CardSecurity" in parts:
        faults = envelope_faults(parts["EF.CardSecurity"])
        ok = report.card_security == "valid" and not faults
        out.append(Verdict("EF.CardSecurity", ok, "EF.CardSecurity: " + (
            "signed by a document signer under a trusted CSCA" if ok else
            f"its CMS envelope breaks RFC 5652 ({'; '.join(faults)})" if faults else
            "not signed by a trusted document signer")))
    return sod


def _check_hashes(record: Mapping[str, Any], sod: Any, out: list[Verdict]) -> None:
    hashes = record.get("data_group_hashes") or {}
    values = hashes.get("values") or {}
    if sod is not None and hashes.get("algorithm") != sod.hash_algorithm:
        out.append(Verdict("data_group_hashes", False, "data group hashes: algorithm differs from EF.SOD's"))
        return
    for name, value in sorted(values.items()):
        try:
            n = int(str(name).removeprefix("DG"))
            ok = sod is not None and sod.dg_hashes.get(n) == _hex(value, name)
        except (ValueError, ChipRecordError):
            ok = False
        out.append(Verdict(f"hash of {name}", ok, f"hash of {name}: " + (
            "equals the value EF.SOD signs" if ok else "differs from the value EF.SOD signs (or EF.SOD failed)")))


def _passed(out: list[Verdict], *parts: str) -> bool:
    """Whether every named part has a verdict and all of them passed."""
    found = {v.part: v.ok for v in out}
    return all(found.get(p, False) for p in parts)


def _check_aa(record: Mapping[str, Any], parts: dict[str, bytes], out: list[Verdict]) -> None:
    aa = record.get("active_authentication")
    if not aa:
        return
    try:
        if "DG15" not in parts:
            raise EmrtdError("DG15 (the chip's AA key) is not in the record")
        if not _passed(out, "EF.SOD", "DG15"):
            raise EmrtdError("DG15's key is not authenticated: EF.SOD or DG15 failed above")
        algorithm = verify_active_authentication(parts["DG15"], _hex(aa.get("challenge"), "AA challenge"),
                                                 _hex(aa.get("signature"), "AA signature"), dg14=parts.get("DG14"))
        out.append(Verdict("active_authentication", True,
                           f"active authentication: the chip's signature ({algorithm}) over the kiosk's challenge "
                           "verifies with DG15's key"))
    except EmrtdError as exc:
        out.append(Verdict("active_authentication", False, f"active authentication: does not verify ({exc})"))


def _check_cam(record: Mapping[str, Any], parts: dict[str, bytes], out: list[Verdict]) -> None:
    cam = record.get("pace_cam")
    if not cam:
        return
    try:
        domain = named_curve_domain(str(cam.get("domain")))
        mapping_key = domain.decode(_hex(cam.get("chip_mapping_key"), "PACE-CAM mapping key"))
        ca = int.from_bytes(_hex(cam.get("chip_authentication_data"), "PACE-CAM data"), "big")
        if not _passed(out, "EF.CardSecurity"):
            raise EmrtdError("EF.CardSecurity is missing or not authenticated (see above)")
        infos = parse_card_security(parts["EF.CardSecurity"])
        keys = [public_key_from_spki(k.public_key_info) for k in infos.chip_authentication_public_keys]
        ok = 0 < ca < domain.n and any(isinstance(k.domain, EcDomain) and k.domain.same_curve(domain)
                                       and k.element() * ca == mapping_key for k in keys)
        words = ("PACE-CAM: the chip proved it holds the private key of EF.CardSecurity's chip-authentication key"
                 if ok else "PACE-CAM: the chip authentication data does not match EF.CardSecurity's key")
    except (EmrtdError, DomainParameterError) as exc:
        ok, words = False, f"PACE-CAM: cannot be re-checked ({exc})"
    out.append(Verdict("pace_cam", ok, words))


_SHAPE = {"parts": dict, "data_group_hashes": dict, "active_authentication": (dict, type(None)),
          "pace_cam": (dict, type(None))}


def _check_shape(record: Mapping[str, Any]) -> None:
    """Refuse a record whose fields have the wrong JSON types, before any of them is used."""
    for name, kind in _SHAPE.items():
        if name in record and not isinstance(record[name], kind):
            raise ChipRecordError(f"field {name!r} has the wrong type")
    hashes = record.get("data_group_hashes") or {}
    if not isinstance(hashes.get("values", {}), dict):
        raise ChipRecordError("field 'data_group_hashes.values' has the wrong type")


def verify_chip_record(record: Mapping[str, Any], store: TrustStore, *,
                       now: _dt.datetime | None = None) -> list[Verdict]:
    """Re-check every part of a chip record against ``store``; one ``Verdict`` per part.

    ``now`` is the instant CRLs must be current at (default: now). Raises ``ChipRecordError`` only
    when the record is not a chip record at all; every other fault is a failed verdict naming its part.
    """
    if record.get("format") != FORMAT:
        raise ChipRecordError(f"not a chip record (format must be {FORMAT!r})")
    _check_shape(record)
    now = now or _dt.datetime.now(_dt.timezone.utc)
    out: list[Verdict] = []
    parts = _decode_parts(record, out)
    sod = _check_sod(parts, store, now, out)
    _check_hashes(record, sod, out)
    _check_aa(record, parts, out)
    _check_cam(record, parts, out)
    if "EF.COM" in parts:
        out.append(Verdict("EF.COM", True, "EF.COM: kept for context; the issuer does not sign it"))
    return out


def dsc_and_csca_fingerprints(sod_raw: bytes, store: TrustStore) -> dict[str, str | None]:
    """SHA-256 fingerprints of the DSC in EF.SOD and of the trusted CSCA certificates named as its issuer."""
    sod = parse_sod(sod_raw)
    if not sod.certificates:
        return {"dsc_sha256": None, "csca_sha256": None}
    dsc = load_certificate(sod.certificates[0])
    issuers = store.issuers_of(dsc)
    return {"dsc_sha256": _fingerprint(dsc.der), "csca_sha256": _fingerprint(issuers[0].der) if issuers else None}
