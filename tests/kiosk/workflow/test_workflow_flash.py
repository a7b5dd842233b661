"""The screen-flash challenge in the session (``ui.screen_flash``): the synthetic customer's face reflects the
colours the screen shows and is accepted; a face that does not reflect them (a video injected into the
camera that follows the prompts), or a screen that never shows the sequence, is sent to review for it (a
person looks; a genuine face that reflects too little of the screen is not turned away). The flash is on in
the default configuration."""
from __future__ import annotations

from pathlib import Path

from kiosk.workflow.config import DevicesConfig, KioskConfig, UiConfig
from kiosk.workflow.events import FlashRequested, ResultReady
from storage import open_storage


def _flash_config() -> KioskConfig:
    return KioskConfig(devices=DevicesConfig(camera_stall_s=0.5))


def test_the_flash_is_on_and_required_by_default(engine, demo, tmp_path: Path) -> None:
    from kiosk.workflow.controller import KioskWorkflow

    assert KioskConfig().ui.screen_flash and UiConfig().screen_flash
    wf = KioskWorkflow(engine, demo("customer"), tmp_path)
    assert wf.policy.require_flash
    off = KioskWorkflow(engine, demo("customer"), tmp_path, config=KioskConfig(ui=UiConfig(screen_flash=False)))
    assert not off.policy.require_flash


def test_a_face_lit_by_the_screen_passes_and_the_verdict_is_stored(engine, demo, run_session, tmp_path: Path) -> None:
    wf, events = run_session(engine, demo("customer"), tmp_path, config=_flash_config())
    [asked] = [e for e in events if isinstance(e, FlashRequested)]
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "ACCEPT", result.reasons
    flash = wf.last_report["evidence"]["flash"]  # type: ignore[index]
    assert flash["passed"] and flash["correlation"] >= flash["threshold"]
    assert [s["colour"] for s in flash["sequence"]["segments"]] == [s.colour for s in asked.sequence.segments]
    st = open_storage(tmp_path)
    try:
        detail = st.decisions.load_session(result.session_id, actor="test")
        assert detail.checks["face_session"]["flash"]["passed"] is True
    finally:
        st.close()


def test_a_face_that_ignores_the_screen_goes_to_review(engine, demo, run_session, tmp_path: Path) -> None:
    devices = demo("customer")
    devices.camera.illuminate = lambda sequence, t0: None  # an injected video: it follows prompts, not light
    wf, events = run_session(engine, devices, tmp_path, config=_flash_config())
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "REVIEW" and result.reasons == ("FLASH_CHALLENGE_FAILED",)
    flash = wf.last_report["evidence"]["flash"]  # type: ignore[index]
    assert not flash["passed"] and flash["reason"] == "NO_COLOUR_RESPONSE"
    assert wf.last_report["evidence"]["challenge"]["passed"]  # type: ignore[index]


def test_a_site_can_make_a_failed_flash_a_reject(engine, demo, run_session, tmp_path: Path) -> None:
    from kiosk.policy import PolicyConfig, Reason
    from kiosk.workflow.config import load_config

    toml = tmp_path / "kiosk.toml"
    toml.write_text('[devices]\ncamera_stall_s = 0.5\n[policy.severity]\nFLASH_CHALLENGE_FAILED = "reject"\n',
                    encoding="utf-8")
    config = load_config(toml)
    assert config.policy == PolicyConfig(severity={Reason.FLASH_CHALLENGE_FAILED: "reject"})
    devices = demo("customer")
    devices.camera.illuminate = lambda sequence, t0: None
    _, events = run_session(engine, devices, tmp_path / "data", config=config)
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "REJECT" and result.reasons == ("FLASH_CHALLENGE_FAILED",)


def test_a_screen_that_never_shows_the_sequence_fails_closed(engine, demo, run_session, tmp_path: Path) -> None:
    from kiosk.workflow.demo import Autoplay

    wf, events = run_session(engine, demo("customer"), tmp_path, config=_flash_config(), autoplay=False,
                             prepare=lambda w: Autoplay(w, show_flash=False))
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "REVIEW" and result.reasons == ("FLASH_CHALLENGE_FAILED",)
    assert wf.last_report["evidence"]["flash"]["reason"] == "NOT_SHOWN"  # type: ignore[index]



def test_the_face_that_answers_the_colours_must_be_the_portraits(engine, photo_rgb, shared_data: Path) -> None:
    """``watch_flash`` with the portrait: the customer's own face lit by the colours passes; an accomplice in front
    of the camera, lit the same way (a live face answering the colours while a puppet of the victim did the
    steps), fails the flash by name (FACE_NOT_THE_PORTRAITS), though its colours correlate."""
    import threading

    import cv2

    from inference.flash import draw_sequence
    from inference.image import read_image
    from inference.synthetic import SyntheticSubject
    from kiosk.face_session import FaceSession, enrol_portrait
    from kiosk.policy import PolicyConfig
    from kiosk.workflow.controller import FLASH_CONFIG
    from kiosk.workflow.demo_devices import ActorCamera
    from kiosk.workflow.face_step import watch_flash

    photo = cv2.cvtColor(photo_rgb, cv2.COLOR_RGB2BGR)
    customer = SyntheticSubject.from_image(photo, engine.detector, engine.pipeline.mesh)
    person = sorted((shared_data / "faces/lfw_dev/images/Aaron_Sorkin").glob("*.jpg"))[0]
    # framed larger than the default: a small photo framed at 0.28 mirrors copies of the face into the frame
    accomplice = SyntheticSubject.from_image(read_image(person), engine.detector, engine.pipeline.mesh,
                                             face_width_fraction=0.5)
    portrait = enrol_portrait(engine, photo).embedding
    verdicts = {}
    for name, face in (("customer", customer), ("accomplice", accomplice)):
        camera = ActorCamera(face, face)
        camera.start()
        sequence = draw_sequence(FLASH_CONFIG)
        camera.illuminate(sequence, camera.clock())
        verdicts[name] = watch_flash(FaceSession(engine, ["blink"]), camera, sequence, camera.clock(),
                                     stop=threading.Event(), config=FLASH_CONFIG, portrait=portrait,
                                     same_face_threshold=PolicyConfig().match_review)
    assert verdicts["customer"].passed, verdicts["customer"]
    assert not verdicts["accomplice"].passed and verdicts["accomplice"].reason == "FACE_NOT_THE_PORTRAITS"
    assert verdicts["accomplice"].correlation >= verdicts["accomplice"].threshold  # the colours alone would pass
