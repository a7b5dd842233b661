"""The whole session, headless, on the virtual passport and a replay camera: the customer is accepted and
recorded with an intact audit chain; a printed photo, a replayed recording and a real recorded clip are
never accepted."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.workflow.events import ChallengeDrawn, ChipProgress, FaceUpdate, ResultReady, StateChanged
from kiosk.workflow.machine import State
from storage import open_storage

ORDER = [State.DOCUMENT, State.CHIP, State.FACE, State.CHALLENGE, State.PROCESSING, State.RESULT, State.ATTRACT]


def _states(events: list) -> list[State]:
    return [e.state for e in events if isinstance(e, StateChanged)]


def test_customer_is_accepted_recorded_and_audited(engine, demo, run_session, tmp_path: Path) -> None:
    wf, events = run_session(engine, demo("customer"), tmp_path)
    assert _states(events) == ORDER
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "ACCEPT", result.reasons
    progress = [e.fraction for e in events if isinstance(e, ChipProgress)]
    assert progress == sorted(progress) and progress[-1] == 1.0
    steps = next(e for e in events if isinstance(e, ChallengeDrawn)).steps
    prompted = {e.step for e in events if isinstance(e, FaceUpdate) and e.step}
    assert prompted == {s.action for s in steps}
    report = wf.last_report
    assert report is not None and report["decision"] == "ACCEPT"
    assert set(report["evidence"]) == {"chip", "quality", "challenge", "planarity", "passive", "flash", "match",
                                       "access"}
    assert report["evidence"]["access"]["time_factor"] == 1.0 and not report["evidence"]["access"]["help_requested"]
    assert report["evidence"]["flash"]["passed"]  # the default configuration shows the flash and decides on it
    st = open_storage(tmp_path)
    try:
        [summary] = st.decisions.list_sessions()
        assert summary.session_id == result.session_id and summary.outcome == "accept" and summary.mode == "kiosk"
        detail = st.decisions.load_session(result.session_id, actor="test")
        assert detail.checks["camera"]["code"] == "not_checked"  # a simulated camera has no allow-list verdict
        kinds = sorted(i.kind for i in detail.images)
        assert "dg2" in kinds and "live" in kinds and "audit_frame" in kinds
        assert st.audit.verify().ok
    finally:
        st.close()


@pytest.mark.parametrize("actor", ["print", "replay"])
def test_attacks_are_never_accepted(engine, demo, run_session, tmp_path: Path, actor: str) -> None:
    wf, events = run_session(engine, demo(actor), tmp_path)
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome != "ACCEPT"
    assert "LIVENESS_CHALLENGE_FAILED" in result.reasons or "PAD_SUSPECTED_PRINT" in result.reasons


def test_recorded_live_clip_is_never_accepted(engine, demo, run_session, tmp_path: Path, shared_data: Path) -> None:
    clips = sorted((shared_data / "video" / "live").glob("*"))
    if not clips:
        pytest.skip("no clips in video/live")
    wf, events = run_session(engine, demo("customer", clip=clips[0]), tmp_path)
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome != "ACCEPT"


def test_the_camera_allow_list_verdict_reaches_the_evidence(engine, demo, run_session, tmp_path: Path) -> None:
    from hardware.camera.allowlist import CameraDecision, DecisionCode

    devices = demo("customer")
    verdict = CameraDecision(allowed=True, code=list(DecisionCode)[0], message="allowed: 046d:085b",
                             enforced=True, facts={"driver": "uvcvideo", "usb_id": "046d:085b"})
    devices.camera.decision = verdict
    wf, events = run_session(engine, devices, tmp_path)
    result = next(e for e in events if isinstance(e, ResultReady))
    st = open_storage(tmp_path)
    try:
        checks = st.decisions.load_session(result.session_id, actor="test").checks
        assert checks["camera"] == verdict.to_evidence()
    finally:
        st.close()


def test_a_document_with_too_many_failures_is_refused_by_the_attempt_limit(engine, demo, run_session,
                                                                           tmp_path: Path) -> None:
    """Five failed sessions of the demo passport within the window lock it: the genuine customer's next session
    is rejected with ATTEMPT_LIMIT, derived by storage from the sealed chain (the attempts table decides nothing)."""
    import datetime as dt
    from types import SimpleNamespace

    from kiosk.evidence import Evidence
    from kiosk.policy import Decision, Finding, Outcome, PolicyConfig, Reason
    from kiosk.recording import record
    from kiosk.workflow.demo_devices import DEMO_MRZ

    mrz = SimpleNamespace(issuing_state="UTO", document_number=DEMO_MRZ[0], primary_identifier="SPECIMEN",
                          secondary_identifier="VIRTUAL", birth_date=DEMO_MRZ[1], sex="<", nationality="UTO",
                          expiry_date=DEMO_MRZ[2], document_code="P")
    failed = Decision(Outcome.REJECT, (Finding(Reason.LIVENESS_CHALLENGE_FAILED, "reject", "a test failure"),))
    for _ in range(5):
        record(tmp_path, mode="kiosk", started_at=dt.datetime.now(dt.timezone.utc), evidence=Evidence(),
               decision=failed, policy=PolicyConfig(), dg1=SimpleNamespace(mrz=mrz), kiosk_id="another-kiosk")
    wf, events = run_session(engine, demo("customer"), tmp_path)
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "REJECT" and "ATTEMPT_LIMIT" in result.reasons
    assert any("5 failed attempts" in f["detail"] for f in wf.last_report["findings"])
