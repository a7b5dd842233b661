"""A whole session in the window with speech on and the time extended, as a customer who listens would live
it (issue 26): the demo customer completes it, every step is spoken, nothing personal is, and the evidence
records the extended time."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from kiosk.face_session import FaceEngine
from kiosk.workflow.config import DevicesConfig, KioskConfig, TimeoutsConfig, UiConfig
from kiosk.workflow.controller import KioskWorkflow
from kiosk.workflow.demo import DEMO_MRZ, Autoplay, build_demo, demo_photo
from kiosk.workflow.events import ResultReady
from kiosk.workflow.machine import State
from tests.ui.test_accessibility import RecordingSpeaker


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine.load()


def test_a_listening_customer_with_more_time_completes_the_session(qtbot, engine, tmp_path: Path) -> None:
    from inference.challenge_steps import parse_steps
    from PySide6.QtWidgets import QApplication

    from ui.app import autotype
    from ui.i18n import Languages
    from ui.main_window import KioskWindow

    devices = build_demo(engine, "customer", photo_rgb=demo_photo(), link=None)
    config = KioskConfig(devices=DevicesConfig(camera_stall_s=2.0), timeouts=TimeoutsConfig(result=600),
                         ui=UiConfig(screen_flash=False))
    steps = tuple(parse_steps("look_up,blink,turn_right,nose_to_target@0.40:0.38", engine.challenge))
    workflow = KioskWorkflow(engine, devices, tmp_path, config=config, record_mode="demo", retry_pause_s=0.05,
                             challenge=lambda: steps)
    autoplay = Autoplay(workflow, type_mrz=False, show_flash=False)
    autoplay.result_pause_s = 3600
    events: list = []
    workflow.subscribe(events.append)
    speaker = RecordingSpeaker()
    window = KioskWindow(workflow, config, Languages(QApplication.instance()), speaker=speaker)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.set_language("en")
    # The customer turns speech on at the attract screen (bottom-left corner) and asks for more time first.
    qtbot.mouseClick(window.bar.listen, Qt.MouseButton.LeftButton)
    window.bridge.state_changed.connect(
        lambda e: window.bar.more_time.click() if e.state is State.DOCUMENT else None)
    autotype(window, autoplay, delay_ms=10)
    try:
        workflow.start()
        qtbot.waitUntil(lambda: workflow.state is State.RESULT, timeout=55_000)
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.screens[State.RESULT], timeout=5_000)
        result = next(e for e in events if isinstance(e, ResultReady))
        assert result.outcome == "ACCEPT", result.reasons  # more time and speech cost the customer nothing
        assert workflow.last_report["evidence"]["access"]["time_factor"] == 10.0
        said = [t for t, _, _ in speaker.said]
        for expected in ("Your document details", "You have more time now.", "Place your document on the reader",
                         "Look up", "Blink", "Turn your head to your right", "Move your nose to the yellow dot",
                         "You are verified"):
            assert expected in said, expected
        assert not any(value in t for t in said for value in DEMO_MRZ)  # never the document's data
    finally:
        window.unlocked = True
        window.close()
