"""The whole flow in the window, offscreen: the demo customer types the MRZ into the document screen, the
virtual passport is read, the synthetic subject follows the challenge on the face screen, the result is
shown, recorded and the audit chain is intact. The print attack and a recorded live clip never end
ACCEPT. The session's duration as the customer lives it is reported (out/ui_flow_duration.json)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.face_session import FaceEngine
from kiosk.workflow.config import DevicesConfig, KioskConfig, TimeoutsConfig, UiConfig
from kiosk.workflow.controller import KioskWorkflow
from kiosk.workflow.demo import Autoplay, build_demo, demo_photo
from kiosk.workflow.events import ChipProgress, FaceUpdate, FlashRequested, ResultReady
from kiosk.workflow.machine import State
from storage import open_storage

TYPING_S = 20.0  # a first-time customer typing 21 characters on a touch keyboard (and reading the screen)


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine.load()


@pytest.fixture(scope="module")
def photo():
    return demo_photo()


def _run(make_window, qtbot, engine, photo, tmp_path: Path, actor: str = "customer", clip=None, link=None,
         flash: bool = False):
    from ui.app import autotype

    devices = build_demo(engine, actor, photo_rgb=photo, link=link, clip=clip)
    config = KioskConfig(devices=DevicesConfig(camera_stall_s=2.0), timeouts=TimeoutsConfig(result=600),
                         ui=UiConfig(screen_flash=flash))
    from inference.challenge_steps import parse_steps

    steps = tuple(parse_steps("look_up,blink,turn_right,nose_to_target@0.40:0.38", engine.challenge))
    workflow = KioskWorkflow(engine, devices, tmp_path, config=config, record_mode="demo", retry_pause_s=0.05,
                             challenge=lambda: steps)  # fixed: the outcome must not depend on a random draw
    autoplay = Autoplay(workflow, type_mrz=False, show_flash=False)
    autoplay.result_pause_s = 3600  # the test acknowledges the result itself
    events = []
    workflow.subscribe(events.append)
    window, _ = make_window(config, workflow)
    autotype(window, autoplay, delay_ms=10)
    workflow.start()
    qtbot.waitUntil(lambda: workflow.state is State.RESULT, timeout=240_000)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.screens[State.RESULT], timeout=5_000)
    result = next(e for e in events if isinstance(e, ResultReady))
    window.screens[State.RESULT].finish.click()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.screens[State.ATTRACT], timeout=5_000)
    return window, workflow, events, result


def test_customer_accepted_through_the_window(make_window, qtbot, engine, photo, tmp_path: Path) -> None:
    from hardware.emrtd.virtual.chip import LinkModel

    link = LinkModel(latency_s=0.005, bitrate_bps=424_000)  # simulated time, not slept: measured, not waited
    window, workflow, events, result = _run(make_window, qtbot, engine, photo, tmp_path, link=link)
    assert result.outcome == "ACCEPT", result.reasons
    assert window.screens[State.RESULT].title.text() == "You are verified"
    assert window.screens[State.FACE].view.frames_shown > 0
    assert [e for e in events if isinstance(e, ChipProgress)][-1].fraction == 1.0
    st = open_storage(tmp_path)
    try:
        [summary] = st.decisions.list_sessions()
        assert summary.outcome == "accept" and st.audit.verify().ok
    finally:
        st.close()
    # The session as the customer lives it: typing, the chip read at 424 kbit/s, the face and challenge
    # at the camera's 30 frames/s (frame timestamps), the result.
    chip_s = workflow.devices.reader.passport.chip.simulated_seconds
    frames = [e.frame_index for e in events if isinstance(e, FaceUpdate)]
    face_s = (max(frames) + 1) / 30.0
    total = TYPING_S + chip_s + face_s
    out = Path("out")
    out.mkdir(exist_ok=True)
    (out / "ui_flow_duration.json").write_text(json.dumps(
        {"typing_s": TYPING_S, "chip_read_s": round(chip_s, 2), "face_and_challenge_s": round(face_s, 2),
         "attract_to_result_s": round(total, 1)}, indent=2))
    print(f"attract to result as lived: {total:.1f} s (typing {TYPING_S:.0f} s, chip {chip_s:.2f} s, "
          f"face and challenge {face_s:.1f} s)")
    assert total < 90


def test_screen_flash_shown_by_the_window_lights_the_face(make_window, qtbot, engine, photo, tmp_path: Path) -> None:
    # The window paints the sequence and reports when; the simulated camera's face reflects what is painted.
    window, workflow, events, result = _run(make_window, qtbot, engine, photo, tmp_path, flash=True)
    assert any(isinstance(e, FlashRequested) for e in events)
    flash = workflow.last_report["evidence"]["flash"]
    assert result.outcome == "ACCEPT" and flash["passed"], (result.reasons, flash)
    assert not window.flash.isVisible()


def test_print_attack_through_the_window_is_not_accepted(make_window, qtbot, engine, photo, tmp_path: Path) -> None:
    _, _, _, result = _run(make_window, qtbot, engine, photo, tmp_path, actor="print")
    assert result.outcome != "ACCEPT"


def test_recorded_clip_through_the_window_is_not_accepted(make_window, qtbot, engine, photo, tmp_path: Path,
                                                           shared_data: Path) -> None:
    clips = sorted((shared_data / "video" / "live").glob("*"))
    if not clips:
        pytest.skip("no clips in video/live")
    _, _, _, result = _run(make_window, qtbot, engine, photo, tmp_path, clip=clips[-1])
    assert result.outcome != "ACCEPT"
