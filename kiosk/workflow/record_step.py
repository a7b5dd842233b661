"""The last step: decide on the session's evidence and record it, exactly as ``kiosk verify`` does.

The DG2 portrait, the best live frame and the audit frames are stored encrypted, the live template kept for
1:N search, the decision and its reasons bound into the audit chain; the camera allow-list's verdict goes
with the checks. Returns the customer's result event and the report ``kiosk run --json`` writes.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from kiosk.evidence import AccessEvidence, Evidence
from kiosk.face_session import PortraitEnrolment
from kiosk.policy import PolicyConfig, decide
from kiosk.workflow.chip_step import ChipOutcome
from kiosk.workflow.events import ResultReady
from kiosk.workflow.face_step import FaceCapture, jpeg


def prepare_store(data_dir: Path) -> None:
    """Open the decision log once before the first customer: imports the storage code (SQLAlchemy, Alembic:
    about 0.9 s, measured) and creates or upgrades the schema and keys, so the first session does not do it
    on its worker thread while the window is showing the processing screen. A store that cannot be opened
    raises here, at start-up, with the same error the session would get."""
    from storage import open_storage

    import kiosk.recording  # noqa: F401  (the record path's own imports)

    open_storage(Path(data_dir)).close()


def decide_and_record(data_dir: Path, *, kiosk_id: str, mode: str, started_at: dt.datetime,
                      assisted_by: str | None, camera: Any, policy: PolicyConfig, chip: ChipOutcome,
                      portrait: PortraitEnrolment, capture: FaceCapture,
                      access: AccessEvidence | None = None) -> tuple[ResultReady, dict[str, Any]]:
    """Finish the face session, decide (with the attempt limits of this document and kiosk), record; the result
    event and the session report. ``access``: the accessible paths the customer chose (more time, help, no
    flash, no head movement)."""
    from storage import open_storage

    from kiosk.recording import attempt_evidence, config_hash

    face = capture.session.finish(portrait)
    st = open_storage(Path(data_dir))
    try:
        st.startup(config_hash(policy))
        evidence = Evidence(face=face.evidence, chip=chip.evidence,
                            attempts=attempt_evidence(st, kiosk_id, chip.result.dg1),
                            access=access or AccessEvidence())
        decision = decide(evidence, policy)
        result, report = _record(st, kiosk_id=kiosk_id, mode=mode, started_at=started_at, assisted_by=assisted_by,
                                 camera=camera, policy=policy, chip=chip, capture=capture, face=face,
                                 evidence=evidence, decision=decision)
    finally:
        st.close()
    return result, report


def _record(st: Any, *, kiosk_id: str, mode: str, started_at: dt.datetime, assisted_by: str | None, camera: Any,
            policy: PolicyConfig, chip: ChipOutcome, capture: FaceCapture, face: Any, evidence: Evidence,
            decision: Any) -> tuple[ResultReady, dict[str, Any]]:
    """Write the decided session into the open store ``st``; the result event and the report."""
    from storage import ImageEvidence, TemplateEvidence

    from kiosk.recording import record_to

    images = []
    if chip.portrait_bytes:
        images.append(ImageEvidence("dg2", chip.portrait_bytes, chip.portrait_media_type))
    best = capture.session.best_frame()
    if best is not None:
        images.append(ImageEvidence("live", jpeg(best), "image/jpeg"))
    images += [ImageEvidence("audit_frame", b, "image/jpeg") for b in capture.audit_jpegs(face.audit_frames)]
    templates = [TemplateEvidence("live", face.live_embedding.vector)] if face.live_embedding else []
    checks: dict[str, Any] = {"face_session": face.to_dict(), "challenge_steps": [s.to_dict() for s in capture.steps]}
    if assisted_by:
        checks["assisted_by"] = assisted_by
    # The camera allow-list's decision (injection defence) is part of the evidence; a simulated camera has
    # none, and says so.
    camera_decision = getattr(camera, "decision", None)
    checks["camera"] = (camera_decision.to_evidence() if camera_decision is not None else
                        {"allowed": None, "code": "not_checked", "source": type(camera).__name__})
    session_id = record_to(st, mode=mode, started_at=started_at, evidence=evidence, decision=decision,
                           policy=policy, checks=checks, chip_report=chip.report(), images=images,
                           templates=templates, dg1=chip.result.dg1, kiosk_id=kiosk_id, chip_record=chip.chip_record)
    d = decision.to_dict()
    face_dict = face.to_dict()
    report = {
        "decision": d["decision"], "reasons": d["reasons"], "findings": d["findings"], "session_id": session_id,
        "challenge_steps": [s.to_dict() for s in capture.steps],
        "evidence": {"chip": {**(evidence.to_dict().get("chip") or {}), **chip.report()},
                     "quality": face_dict["quality"], "challenge": face_dict["challenge"],
                     "planarity": face_dict["planarity"], "passive": face_dict["passive"],
                     "flash": face_dict["flash"], "access": evidence.to_dict()["access"],
                     "match": {**face_dict["match"], "accept_threshold": policy.match_accept,
                               "review_threshold": policy.match_review}},
    }
    summary = {"reasons": list(d["reasons"]), "match_score": face.match_score,
               "match_accept": policy.match_accept, "match_review": policy.match_review,
               "challenge_passed": face.challenge.passed, "planar_motion": face.planarity.planar,
               "flash_passed": face.flash.passed if face.flash is not None else None,
               "passive_auth": chip.evidence.passive_auth_passed,
               "chip_auth": chip.evidence.chip_authentication, "active_auth": chip.evidence.active_authentication,
               "access": evidence.to_dict()["access"]}
    return ResultReady(d["decision"], tuple(d["reasons"]), session_id, summary), report
