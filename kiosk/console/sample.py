"""Recorded sessions for the console's benchmark, tests and screenshots, made with the storage API.

The ``chip`` and ``checks`` fields have the layout ``kiosk.workflow.controller`` records (``evidence``,
``findings``, ``face_session``, ``challenge_steps``), so the case view reads them as it reads a real
session's. Values are plausible, not measured: these are fixtures, never evidence.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np

from storage.records import DecisionInput, IdentityFields, ImageEvidence, SessionRecord, TemplateEvidence

REASONS_BY_OUTCOME = {
    "accept": (),
    "review": ("FACE_MATCH_BORDERLINE",),
    "reject": ("LIVENESS_CHALLENGE_FAILED", "PAD_SUSPECTED_PRINT"),
}


def chip_report(expired: bool = False) -> dict[str, Any]:
    """A chip read that passed PA, CA and AA (as ``kiosk.chip_evidence`` reports it)."""
    return {"read_ok": True, "signature": "valid", "chain": "valid", "revocation": "not_checked", "hashes_ok": True,
            "passive_auth_passed": True, "chip_authentication": "passed", "active_authentication": "passed",
            "mrz_matches_dg1": True, "document_expired": expired, "portrait_present": True, "access_method": "PACE"}


def face_checks(match_score: float, challenge_ok: bool = True, reasons: Sequence[str] = (),
                assisted_by: str | None = None) -> dict[str, Any]:
    """``checks`` as the kiosk records them for one session."""
    actions = ["turn_left", "look_up", "nose_to_target"]
    steps = []
    t = 0.2
    for k, action in enumerate(actions):
        ok = challenge_ok or k == 0
        steps.append({"action": action, "target": [0.62, 0.4] if action == "nose_to_target" else None, "passed": ok,
                      "started_t": t if ok or k == 1 else None, "completed_t": t + 1.1 if ok else None,
                      "peak": 21.5 if ok else None, "frames_held": 3 if ok else 0, "frame_indices": [], "measure": ""})
        t += 1.3
    challenge = {"passed": challenge_ok, "reason": None if challenge_ok else "STEP_TIMEOUT",
                 "detail": "" if challenge_ok else "step 2 (look_up) not done in 5.0 s", "steps": steps,
                 "frames_observed": 160}
    findings = [{"code": r, "severity": "review" if r == "FACE_MATCH_BORDERLINE" else "reject",
                 "detail": f"match score {match_score:.3f} between 0.293 and 0.337" if r == "FACE_MATCH_BORDERLINE" else ""}
                for r in reasons]
    checks: dict[str, Any] = {
        "evidence": {"face": {"face_found": True, "max_faces_seen": 1, "quality_passed": True,
                              "challenge_passed": challenge_ok, "planar_motion": not challenge_ok,
                              "match_score": match_score},
                     "chip": None, "attempts": {"locked": False, "failures_in_window": 0}, "duplicate": {"best_score": None}},
        "findings": findings,
        "face_session": {
            "quality": {"context": "live", "passed": True, "score": 0.93, "hints": [], "skipped": [],
                        "measures": [{"name": n, "value": v, "passed": True} for n, v in
                                     (("sharpness", 0.81), ("exposure", 0.55), ("inter_eye_px", 92.0), ("yaw_deg", 3.1))]},
            "challenge": challenge,
            "planarity": {"planar": not challenge_ok, "score": 0.041 if challenge_ok else 0.006, "threshold": 0.02,
                          "unexplained": 0.73, "unexplained_threshold": 0.45, "frames_used": 29},
            "passive": {"score": 0.12, "threshold": 0.2, "is_attack": False, "method": "antispoof_only",
                        "note": "no fusion model configured: FaceAntiSpoofing score alone"},
            "match": {"score": match_score, "model": "sface"}, "frames": 165, "best_frame_index": 152},
        "challenge_steps": [{"action": a, "target": None} for a in actions],
        "camera": {"allowed": None, "code": "not_checked", "source": "SyntheticCamera"},
    }
    if assisted_by:
        checks["assisted_by"] = assisted_by
    return checks


def sample_record(outcome: str, decided: dt.datetime, *, kiosk_id: str = "kiosk-01", mode: str = "kiosk",
                  document: str = "C01X00T47", state: str = "D", match_score: float | None = None,
                  reasons: Sequence[str] | None = None, images: Sequence[ImageEvidence] = (),
                  template: np.ndarray | None = None, assisted_by: str | None = None,
                  identity: IdentityFields | None = None) -> SessionRecord:
    """One recorded session; ``decided`` is when it ended (storage stamps the decision with its clock)."""
    reasons = tuple(REASONS_BY_OUTCOME[outcome] if reasons is None else reasons)
    score = match_score if match_score is not None else {"accept": 0.61, "review": 0.31, "reject": 0.22}[outcome]
    challenge_ok = "LIVENESS_CHALLENGE_FAILED" not in reasons
    return SessionRecord(
        kiosk_id=kiosk_id, mode=mode, started_at=decided - dt.timedelta(seconds=48), ended_at=decided,
        decision=DecisionInput(outcome, reasons, "1"),  # type: ignore[arg-type]
        issuing_state=state, document_number=document,
        identity=identity or IdentityFields("MUSTERMANN", "ERIKA", "640812", "F", "D", "310101", "P"),
        chip=chip_report(), checks=face_checks(score, challenge_ok, reasons, assisted_by),
        model_versions={"sface": "2021dec"}, config_hash="sample",
        images=list(images), templates=[TemplateEvidence("live", template)] if template is not None else [])
