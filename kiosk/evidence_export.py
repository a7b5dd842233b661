"""``kiosk evidence export``: one session's chip record as a self-contained file anyone can re-check.

The file (format ``idkiosk-chip-evidence/1``, JSON, one part per line) holds:

* ``record``: the chip record exactly as the session kept it (``kiosk.recording.session_chip_record``:
  EF.SOD with its DSC, EF.COM, DG14, DG15, EF.CardSecurity, the data-group hashes, the active-authentication
  challenge and signature, the PACE-CAM data, the read-time verdicts, the fingerprints and provenance of the
  CSCA and CRLs that decided, the policy version, configuration hash and model digests);
* ``part_digests``: SHA-256 of each part of it, so a changed byte names its part even where no issuer
  signature covers it (read-time verdicts, provenance, model digests);
* ``announced``: the ``decision`` event that announced the record (its fields as stored, the public chain
  hash before it and its own, ``storage.central.chain``): a verifier with the kiosk's chain or the central
  copy places it at that sequence number;
* ``sealed``: the session's identity fields (names, birth date...) sealed to the back-office key the kiosk
  records (HPKE, ``storage.sealing``): opened only at the back office (``kiosk evidence open-sealed``);
* ``signature``: Ed25519 by the kiosk's head-signing key over all of the above (``storage.head_signing``),
  with the public key and its fingerprint.

The export is audited (``case_exported``, format ``chip_evidence``) and refused when the session's rows,
its record or the audit chain fail their checks (``IntegrityError``): a forged record is never signed.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

from storage.audit import AuditKind
from storage.errors import IntegrityError
from storage.store import Storage

EXPORT_FORMAT = "idkiosk-chip-evidence/1"
MAX_EXPORT_BYTES = 256 * 1024  # a file without images is far smaller (measured: docs/chip-evidence.md)


def canonical(value: Any) -> bytes:
    """The canonical JSON bytes the digests and the signature cover (sorted keys, no spaces, ASCII)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def part_digests(record: dict[str, Any]) -> dict[str, str]:
    """SHA-256 of each part of a session's chip record, named as the verdicts name them."""
    out: dict[str, str] = {}
    chip = record.get("chip_record") if isinstance(record.get("chip_record"), dict) else {}
    for name, value in record.items():
        if name != "chip_record":  # the session's own fields: "session format" is not the chip record's "format"
            out[f"session {name}"] = hashlib.sha256(canonical(value)).hexdigest()
    for name, value in chip.items():
        if name == "parts" and isinstance(value, dict):
            for part, text in value.items():
                out[part] = hashlib.sha256(canonical(text)).hexdigest()
        else:
            out[name] = hashlib.sha256(canonical(value)).hexdigest()
    return out


def _sealed_identity(st: Storage, session_id: str, kiosk_id: str) -> dict[str, Any]:
    from storage.sealed_evidence import seal_identity_for_central
    from storage.sealing import BackofficeKeyMissingError

    try:
        sealed = seal_identity_for_central(st, session_id, kiosk_id=kiosk_id)
    except BackofficeKeyMissingError:
        return {}
    if sealed is None:
        return {}
    return {"identity": {"key_id": sealed.key_id, "kind": sealed.kind, "evidence_id": sealed.evidence_id,
                         "media_type": sealed.media_type, "blob": base64.b64encode(sealed.blob).decode("ascii")}}


def evidence_body(stored: Any, sealed: dict[str, Any], exported_at: dt.datetime) -> dict[str, Any]:
    """The unsigned document of a stored record (``storage.evidence_position.StoredChipRecord``) placed in a chain."""
    record = json.loads(stored.data)
    if canonical(record) != stored.data:  # the digest in the chain is over these bytes: they must re-form exactly
        raise IntegrityError("images", stored.record_id, "blob", "the stored chip record is not in canonical form")
    p = stored.position
    return {"format": EXPORT_FORMAT, "kiosk_id": stored.kiosk_id, "session_id": stored.session_id,
            "record_id": stored.record_id, "record": record, "part_digests": part_digests(record),
            "announced": {"seq": p.seq, "prev_hash": p.prev_hash, "hash": p.hash, "event": p.event},
            "sealed": sealed, "exported_at": exported_at.astimezone(dt.timezone.utc).isoformat()}


def build_evidence(st: Storage, session_id: str, actor: str, *, audit: bool = True) -> dict[str, Any]:
    """The signed evidence document of ``session_id`` (see the module docstring); ``audit=False`` for a check
    that shows it on a screen and writes no file (the reads are audited all the same)."""
    from storage.evidence_position import load_chip_record
    from storage.head_signing import sign_evidence

    stored = load_chip_record(st, session_id, actor)
    body = evidence_body(stored, _sealed_identity(st, session_id, stored.kiosk_id), st.clock.now())
    key_id, public_b64, signature = sign_evidence(st.keys.keys, canonical(body))
    if audit:
        st.audit.record(AuditKind.CASE_EXPORTED, actor, {"format": "chip_evidence", "record_id": stored.record_id,
                                                         "announced_seq": stored.position.seq}, session_id=session_id)
    return {**body, "signature": {"algorithm": "Ed25519", "key_id": key_id, "public_key": public_b64,
                                  "value": signature}}


def evidence_text(doc: dict[str, Any]) -> str:
    """The file's text: one part per line (indent 1), so a damaged byte is found by its line and named."""
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=True) + "\n"


def write_evidence(doc: dict[str, Any], path: Path) -> int:
    """Write the evidence file (0600, atomically: it holds personal data); returns its size in bytes."""
    from storage._fs import atomic_write

    data = evidence_text(doc).encode("ascii")
    atomic_write(Path(path), data, mode=0o600)
    return len(data)
