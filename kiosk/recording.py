"""Record a decided session in the decision log (storage), with its encrypted evidence.

The kiosk hands storage verdicts and scores in clear (``chip``, ``checks``) and everything personal
(names, birth date, images, templates) for encryption; the document number only ever becomes a keyed
hash inside storage.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import Any

from storage import (DecisionInput, IdentityFields, ImageEvidence, SessionRecord, Storage, TemplateEvidence,
                     open_storage)
from storage.records import CHIP_RECORD_KIND, CHIP_RECORD_MEDIA_TYPE

from kiosk.evidence import AttemptEvidence, Evidence
from kiosk.policy import Decision, PolicyConfig

POLICY_VERSION = "1"
SESSION_CHIP_RECORD_FORMAT = "idkiosk-session-chip-record/1"
KIOSK_ID_DEFAULT = "kiosk-cli"


def config_hash(policy: PolicyConfig, extra: dict[str, Any] | None = None) -> str:
    """sha256 of the configuration in force (policy plus whatever else decided), for the audit trail."""
    blob = json.dumps({"policy": policy.model_dump(mode="json"), **(extra or {})}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def model_versions() -> dict[str, str]:
    """Model ids with the sha256 of their source file, plus the runtime versions."""
    from models.manifest import load_manifest

    out = {m.id: m.sha256[:16] for m in load_manifest().models}
    for dist in ("onnxruntime-openvino", "idkiosk"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def identity_from_dg1(dg1: Any) -> IdentityFields | None:
    """Personal fields from DG1 for the review screen (stored encrypted)."""
    if dg1 is None:
        return None
    m = dg1.mrz
    return IdentityFields(surname=m.primary_identifier, given_names=m.secondary_identifier, birth_date=m.birth_date,
                          sex=m.sex, nationality=m.nationality, expiry_date=m.expiry_date,
                          document_type=m.document_code)


def attempt_evidence(st: Storage, kiosk_id: str, dg1: Any) -> AttemptEvidence:
    """The attempt limits in force for this kiosk and, when the chip was read, this document: derived by storage
    from the authenticated chain and the sealed sessions (``IntegrityError`` when those were tampered with)."""
    m = dg1.mrz if dg1 is not None else None
    statuses = st.attempts.for_session(kiosk_id, m.issuing_state if m else None, m.document_number if m else None)
    return AttemptEvidence(locked=any(s.locked for s in statuses),
                           failures_in_window=max(s.failures_in_window for s in statuses))


def session_chip_record(chip_record: dict[str, Any], policy: PolicyConfig,
                        versions: dict[str, str] | None = None) -> bytes:
    """The chip record as a session keeps it (canonical JSON bytes): the record of the read
    (``hardware.emrtd.chip_record``, with the fingerprints and provenance of the CSCA and CRLs that decided)
    plus the policy version, the configuration hash and the model digests in force."""
    doc = {"format": SESSION_CHIP_RECORD_FORMAT, "chip_record": chip_record, "policy_version": POLICY_VERSION,
           "config_hash": config_hash(policy), "model_versions": versions if versions is not None else model_versions()}
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def record(data_dir: Path, *, mode: str, started_at: dt.datetime, evidence: Evidence, decision: Decision,
           policy: PolicyConfig, checks: dict[str, Any] | None = None, chip_report: dict[str, Any] | None = None,
           images: Sequence[ImageEvidence] = (), templates: Sequence[TemplateEvidence] = (),
           dg1: Any = None, kiosk_id: str = KIOSK_ID_DEFAULT, chip_record: dict[str, Any] | None = None) -> str:
    """Write one decided session durably; returns its session id. ``chip_record``: what the chip proved
    (``hardware.emrtd.chip_record.build_chip_record``), kept sealed with the session (:func:`record_to`)."""
    st = open_storage(Path(data_dir))
    try:
        st.startup(config_hash(policy))
        return record_to(st, mode=mode, started_at=started_at, evidence=evidence, decision=decision, policy=policy,
                         checks=checks, chip_report=chip_report, images=images, templates=templates, dg1=dg1,
                         kiosk_id=kiosk_id, chip_record=chip_record)
    finally:
        st.close()


def record_to(st: Storage, *, mode: str, started_at: dt.datetime, evidence: Evidence, decision: Decision,
              policy: PolicyConfig, checks: dict[str, Any] | None = None, chip_report: dict[str, Any] | None = None,
              images: Sequence[ImageEvidence] = (), templates: Sequence[TemplateEvidence] = (),
              dg1: Any = None, kiosk_id: str = KIOSK_ID_DEFAULT, chip_record: dict[str, Any] | None = None) -> str:
    """:func:`record` into an open storage (a long-running service keeps one open).

    A ``chip_record`` is stored as evidence of kind ``chip_record`` (AES-GCM like the images, bound to its
    session) and announced with its SHA-256 in the session's ``decision`` audit event."""
    m = dg1.mrz if dg1 is not None else None
    versions = model_versions()
    if chip_record is not None:
        images = [*images, ImageEvidence(CHIP_RECORD_KIND, session_chip_record(chip_record, policy, versions),
                                         CHIP_RECORD_MEDIA_TYPE)]
    rec = SessionRecord(
        kiosk_id=kiosk_id, mode=mode, started_at=started_at, ended_at=dt.datetime.now(dt.timezone.utc),
        decision=DecisionInput(decision.outcome.value.lower(), tuple(decision.reasons), POLICY_VERSION),  # type: ignore[arg-type]
        issuing_state=m.issuing_state if m else None, document_number=m.document_number if m else None,
        identity=identity_from_dg1(dg1),
        chip={**(asdict(evidence.chip) if evidence.chip else {}), **(chip_report or {})},
        checks={"evidence": evidence.to_dict(), "findings": decision.to_dict()["findings"], **(checks or {})},
        model_versions=versions, config_hash=config_hash(policy),
        images=list(images), templates=list(templates),
    )
    return st.decisions.record_session(rec).session_id
