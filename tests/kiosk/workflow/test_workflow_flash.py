"""The screen-flash challenge in the session (``ui.screen_flash``): the synthetic customer's face reflects the
colours the screen shows and is accepted; a face that does not reflect them (a video injected into the
camera that follows the prompts), or a screen that never shows the sequence, is rejected for it."""
from __future__ import annotations

from pathlib import Path

from kiosk.workflow.config import DevicesConfig, KioskConfig, UiConfig
from kiosk.workflow.events import FlashRequested, ResultReady
from storage import open_storage


def _flash_config() -> KioskConfig:
    return KioskConfig(devices=DevicesConfig(camera_stall_s=0.5), ui=UiConfig(screen_flash=True))


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


def test_a_face_that_ignores_the_screen_is_rejected(engine, demo, run_session, tmp_path: Path) -> None:
    devices = demo("customer")
    devices.camera.illuminate = lambda sequence, t0: None  # an injected video: it follows prompts, not light
    wf, events = run_session(engine, devices, tmp_path, config=_flash_config())
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "REJECT" and "FLASH_CHALLENGE_FAILED" in result.reasons
    flash = wf.last_report["evidence"]["flash"]  # type: ignore[index]
    assert not flash["passed"] and flash["reason"] == "NO_COLOUR_RESPONSE"
    assert wf.last_report["evidence"]["challenge"]["passed"]  # type: ignore[index]


def test_a_screen_that_never_shows_the_sequence_fails_closed(engine, demo, run_session, tmp_path: Path) -> None:
    from kiosk.workflow.demo import Autoplay

    wf, events = run_session(engine, demo("customer"), tmp_path, config=_flash_config(), autoplay=False,
                             prepare=lambda w: Autoplay(w, show_flash=False))
    result = next(e for e in events if isinstance(e, ResultReady))
    assert result.outcome == "REJECT" and "FLASH_CHALLENGE_FAILED" in result.reasons
    assert wf.last_report["evidence"]["flash"]["reason"] == "NOT_SHOWN"  # type: ignore[index]
