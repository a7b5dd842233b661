"""Table-driven tests of the decision policy."""
from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.evidence import AttemptEvidence, ChipEvidence, DuplicateEvidence, Evidence, FaceEvidence
from kiosk.policy import Outcome, PolicyConfig, Reason, decide

GOOD_CHIP = ChipEvidence(read_ok=True, signature="valid", chain="valid", revocation="valid", hashes_ok=True,
                         passive_auth_passed=True, chip_authentication="passed", mrz_matches_dg1=True,
                         portrait_present=True)
GOOD_FACE = FaceEvidence(face_found=True, max_faces_seen=1, quality_passed=True, challenge_passed=True,
                         planar_motion=False, passive_score=0.1, passive_threshold=0.4, passive_calibrated=True,
                         match_score=0.6, portrait_quality_passed=True)
GOOD = Evidence(face=GOOD_FACE, chip=GOOD_CHIP)


def chip(**kw) -> Evidence:
    return replace(GOOD, chip=replace(GOOD_CHIP, **kw))


def face(**kw) -> Evidence:
    return replace(GOOD, face=replace(GOOD_FACE, **kw))


CASES = [
    ("all good", GOOD, Outcome.ACCEPT, []),
    ("face-only run, all good", replace(GOOD, chip=None), Outcome.ACCEPT, []),
    ("chip unreadable", chip(read_ok=False), Outcome.REJECT, [Reason.CHIP_NOT_READ]),
    ("forged SOD", chip(signature="invalid"), Outcome.REJECT, [Reason.CHIP_PA_FAILED]),
    ("altered DG", chip(hashes_ok=False), Outcome.REJECT, [Reason.CHIP_PA_FAILED]),
    ("unknown CSCA", chip(chain="invalid"), Outcome.REVIEW, [Reason.CHIP_CSCA_UNKNOWN]),
    ("revoked DSC", chip(revocation="invalid"), Outcome.REJECT, [Reason.CHIP_REVOKED]),
    ("CRL out of date", chip(revocation="unknown"), Outcome.REVIEW, [Reason.CHIP_REVOCATION_UNKNOWN]),
    ("no CRL configured", chip(revocation="not_checked"), Outcome.ACCEPT, []),
    ("cloned chip", chip(chip_authentication="failed"), Outcome.REJECT, [Reason.CHIP_CLONE_SUSPECTED]),
    ("no CA/AA", chip(chip_authentication="not_performed"), Outcome.REVIEW, [Reason.CHIP_AUTH_NOT_PERFORMED]),
    ("AA instead of CA", chip(chip_authentication="not_performed", active_authentication="passed"), Outcome.ACCEPT, []),
    ("DG1 differs from MRZ", chip(mrz_matches_dg1=False), Outcome.REJECT, [Reason.MRZ_MISMATCH]),
    ("expired passport", chip(document_expired=True), Outcome.REVIEW, [Reason.DOCUMENT_EXPIRED]),
    ("no DG2", chip(portrait_present=False), Outcome.REJECT, [Reason.PORTRAIT_MISSING]),
    ("no face", face(face_found=False), Outcome.REJECT, [Reason.FACE_NOT_FOUND]),
    ("two faces", face(max_faces_seen=2), Outcome.REJECT, [Reason.MULTIPLE_FACES]),
    ("poor quality", face(quality_passed=False, quality_failures=("sharpness",)), Outcome.REVIEW, [Reason.QUALITY_TOO_LOW]),
    ("challenge failed", face(challenge_passed=False, challenge_failure="timeout"), Outcome.REJECT,
     [Reason.LIVENESS_CHALLENGE_FAILED]),
    ("challenge not run", face(challenge_passed=None), Outcome.REJECT, [Reason.LIVENESS_NOT_PERFORMED]),
    ("flat motion", face(planar_motion=True), Outcome.REJECT, [Reason.PAD_SUSPECTED_PRINT]),
    ("flat motion, replay cue", face(planar_motion=True, passive_attack_hint="replay"), Outcome.REJECT,
     [Reason.PAD_SUSPECTED_REPLAY]),
    ("passive high (calibrated)", face(passive_score=0.9), Outcome.REVIEW, [Reason.PAD_PASSIVE_HIGH]),
    ("passive high, print cue", face(passive_score=0.9, passive_attack_hint="print"), Outcome.REJECT,
     [Reason.PAD_SUSPECTED_PRINT]),
    ("passive high but uncalibrated: evidence only", face(passive_score=0.99, passive_calibrated=False),
     Outcome.ACCEPT, []),
    ("mismatch", face(match_score=0.1), Outcome.REJECT, [Reason.FACE_MISMATCH]),
    ("borderline match", face(match_score=0.31), Outcome.REVIEW, [Reason.FACE_MATCH_BORDERLINE]),
    ("no match score", face(match_score=None), Outcome.REJECT, [Reason.FACE_MISMATCH]),
    ("low portrait quality, clear match", face(portrait_quality_passed=False), Outcome.ACCEPT, []),
    ("low portrait quality, borderline match", face(portrait_quality_passed=False, match_score=0.31), Outcome.REVIEW,
     [Reason.PORTRAIT_QUALITY_LOW, Reason.FACE_MATCH_BORDERLINE]),
    ("duplicate", replace(GOOD, duplicate=DuplicateEvidence(0.7)), Outcome.REVIEW, [Reason.DUPLICATE_IDENTITY]),
    ("locked", replace(GOOD, attempts=AttemptEvidence(locked=True, failures_in_window=5)), Outcome.REJECT,
     [Reason.ATTEMPT_LIMIT]),
    ("review + reject = reject", chip(document_expired=True, signature="invalid"), Outcome.REJECT,
     [Reason.CHIP_PA_FAILED, Reason.DOCUMENT_EXPIRED]),
]


@pytest.mark.parametrize("name, evidence, outcome, reasons", CASES, ids=[c[0] for c in CASES])
def test_policy_table(name: str, evidence: Evidence, outcome: Outcome, reasons: list[Reason]) -> None:
    d = decide(evidence)
    assert d.outcome is outcome, d.to_dict()
    assert d.reasons == [r.value for r in reasons]


def test_severity_is_configurable() -> None:
    cfg = PolicyConfig(severity={Reason.DOCUMENT_EXPIRED: "reject"})
    assert decide(chip(document_expired=True), cfg).outcome is Outcome.REJECT
    assert cfg.severity_of(Reason.MRZ_MISMATCH) == "reject"  # others keep their default


def test_flash_required_but_missing_rejects() -> None:
    assert decide(GOOD, PolicyConfig(require_flash=True)).reasons == [Reason.FLASH_CHALLENGE_FAILED.value]


def test_every_reason_has_a_default_severity() -> None:
    cfg = PolicyConfig()
    for r in Reason:
        assert cfg.severity_of(r) in ("reject", "review")


def test_unknown_config_keys_are_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        PolicyConfig(match_treshold=0.5)


def test_document_only_check_uses_chip_rules_alone() -> None:
    assert decide(Evidence(chip=GOOD_CHIP)).outcome is Outcome.ACCEPT
    assert decide(Evidence(chip=replace(GOOD_CHIP, signature="invalid"))).reasons == [Reason.CHIP_PA_FAILED.value]


def test_no_evidence_at_all_is_an_error() -> None:
    with pytest.raises(ValueError):
        decide(Evidence())


def test_uncalibrated_passive_flag_can_be_restored() -> None:
    cfg = PolicyConfig(passive_uncalibrated_review=0.5)
    assert decide(face(passive_score=0.99, passive_calibrated=False), cfg).reasons == [Reason.PAD_PASSIVE_HIGH.value]


@pytest.mark.parametrize(("path", "flash_passed", "waived", "outcome", "reasons"), [
    ("upload", None, False, Outcome.REVIEW, [Reason.REMOTE_NO_FLASH]),
    ("stream", None, False, Outcome.REVIEW, [Reason.REMOTE_NO_FLASH]),  # a stream whose flash never ran
    ("upload", None, True, Outcome.ACCEPT, []),  # the site waived it for this key (recorded in the evidence)
    ("stream", True, False, Outcome.ACCEPT, []),
])
def test_a_remote_session_without_the_flash_is_at_most_review(path, flash_passed, waived, outcome, reasons) -> None:  # type: ignore[no-untyped-def]
    from kiosk.evidence import RemoteEvidence

    ev = replace(face(flash_passed=flash_passed), remote=RemoteEvidence(path, waived))
    d = decide(ev)
    assert d.outcome == outcome and [f.code for f in d.findings] == reasons
    assert d.findings[0].severity == "review" if reasons else True
    # A kiosk session (no remote evidence) is untouched: its flash is governed by require_flash.
    assert decide(face(flash_passed=None)).outcome == Outcome.ACCEPT


def test_a_virtual_camera_or_a_size_change_sends_a_stream_to_review() -> None:
    from kiosk.evidence import RemoteEvidence

    for signals, outcome in ((("virtual_camera",), Outcome.REVIEW), (("resolution_changed", "page_hidden"), Outcome.REVIEW),
                             (("page_hidden", "frame_gap"), Outcome.ACCEPT)):  # recorded only
        d = decide(replace(face(flash_passed=True), remote=RemoteEvidence("stream", False, signals)))
        assert d.outcome == outcome, signals
        assert (Reason.REMOTE_INJECTION_SUSPECTED in [f.code for f in d.findings]) == (outcome == Outcome.REVIEW)
