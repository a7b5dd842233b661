"""The admin's liveness calibration screen end to end (offscreen, pytest-qt): plan, prompts, Capture on a replay
camera showing synthetic people and their printed photos, a refused burst, counts, the evaluation table and the
install decision, audited; an operator sees no such screen and the desk refuses them."""
from __future__ import annotations

from pathlib import Path

import pytest

from hardware.camera.replay import ReplaySource
from inference.calibration_scene import CalibrationScene, sample_photos
from kiosk.console import Console
from kiosk.console.calibration import CalibrationDesk
from kiosk.face_session import FaceEngine
from kiosk.pad.collect import CaptureModels, CollectPlan
from kiosk.pad.site import installed_model
from storage.audit import AuditKind

from console_ui_helpers import login


@pytest.fixture(scope="module")
def engine() -> FaceEngine:
    return FaceEngine.load()


@pytest.fixture(scope="module")
def scene(engine: FaceEngine) -> CalibrationScene:
    return CalibrationScene(sample_photos(engine.detector, 3), engine.detector, engine.pipeline.mesh)


@pytest.fixture
def calibration_window(qtbot, store, tmp_path: Path, engine, scene):
    from ui.console.window import ConsoleWindow

    console = Console(store, idle_lock_s=300)
    desk = CalibrationDesk(console, tmp_path / "data", lambda: ReplaySource(scene.frames, fps=30.0, name="replay"),
                           models=lambda: CaptureModels.from_engine(engine))
    w = ConsoleWindow(console, calibration=desk)
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    w.close()


def _idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=30000)


def test_admin_collects_trains_and_sees_the_decision(qtbot, calibration_window, scene, store, tmp_path) -> None:
    w = calibration_window
    login(qtbot, w, "ada")
    assert w.nav_calibration.isVisible()
    w.nav_calibration.click()
    screen = w.calibration_screen
    assert w.stack.currentWidget() is screen and not screen.capture.isEnabled()
    screen.people.setValue(3)
    screen.live.setValue(1)
    screen.attacks.setValue(3)
    screen.frames.setValue(3)
    screen.species["replay"].setChecked(False)
    screen.start.click()
    _idle(qtbot, w)
    assert screen.status is not None and screen.status.total == 6, screen.message.text()
    assert screen.prompt.text().startswith("Person 1 of 3: look at the camera")
    assert screen.capture.isEnabled() and not screen.evaluate.isEnabled()

    scene.show("empty", 0)  # nobody in front of the camera: refused, with the reason, nothing counted
    qtbot.wait(300)
    screen.capture.click()
    _idle(qtbot, w)
    assert "no face found" in screen.message.text() and screen.status.taken == 0
    assert screen.capture.isEnabled()

    while screen.status.step is not None:
        step = screen.status.step
        assert screen.prompt.text() == step.prompt
        scene.show(step.label, step.person)
        qtbot.wait(300)  # frames already on their way still show the previous scene
        taken = screen.status.taken
        screen.capture.click()
        _idle(qtbot, w)
        assert screen.status.taken == taken + 1, screen.message.text()
    assert screen.evaluate.isEnabled() and not screen.capture.isEnabled()
    assert [screen.counts.item(r, 1).text() for r in range(3)] == ["1 / 1"] * 3
    assert screen.counts.horizontalHeaderItem(2).text() == "print"

    screen.evaluate.click()
    _idle(qtbot, w)
    assert screen.results.rowCount() == 2, screen.message.text()
    assert screen.results.item(0, 0).text() == "new model"
    assert screen.results.item(1, 0).text().startswith("FaceAntiSpoofing alone")
    assert "[" in screen.results.item(0, 2).text()  # BPCER with its 95% interval
    text = screen.decision.text()
    assert "Held back: people 3" in text
    installed = installed_model(tmp_path / "data")
    events = [e for e in store.audit.events() if e.kind == AuditKind.CONFIG_CHANGE]
    if text.startswith("Installed"):
        assert installed is not None and events and events[-1].details["sha256"] == installed.record["sha256"]
        assert events[-1].details["by"] == "ada"
    else:
        assert text.startswith("Not installed") and installed is None and not events


def test_screen_in_german(qtbot) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    from ui.console.calibration import CalibrationScreen
    from ui.console.i18n import ConsoleLanguages

    languages = ConsoleLanguages(QApplication.instance())
    screen = CalibrationScreen()
    qtbot.addWidget(screen)
    try:
        assert languages.set("de")
        QCoreApplication.processEvents()
        assert screen.title.text() == "Lebenderkennung kalibrieren" and screen.capture.text() == "Aufnehmen"
        assert screen.prompt.text().startswith("Wählen Sie den Plan")
        # The workflow's prompts come in English; the screen says them in its own language.
        from kiosk.console.calibration import CalibrationStatus

        plan = CollectPlan(people=2, live_per_person=1, attacks_per_species=2)
        steps = plan.steps()
        for step, german in ((steps[0], "Person 1 von 2: Blicken Sie in die Kamera"),
                             (next(s for s in steps if s.label == "print"), "Halten Sie ein gedrucktes Foto"),
                             (next(s for s in steps if s.label == "replay"), "Zeigen Sie der Kamera")):
            screen.show_status(CalibrationStatus(plan, step, step.index, len(steps), {}))
            assert screen.prompt.text().startswith(german), screen.prompt.text()
        languages.set("en")
        QCoreApplication.processEvents()
        assert screen.prompt.text() == step.prompt  # switched back: the same words as the workflow's
    finally:
        languages.set("en")


def test_operator_has_no_calibration(qtbot, calibration_window) -> None:
    from kiosk.console.errors import NotAllowedError

    w = calibration_window
    login(qtbot, w, "olga")
    assert not w.nav_calibration.isVisible()
    with pytest.raises(NotAllowedError):
        w.calibration.start(CollectPlan())
