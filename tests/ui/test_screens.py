"""Each screen through a fake workflow: what it shows for the events a session raises, and which
commands it sends back. No camera, reader or model is involved."""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from kiosk.workflow.config import KioskConfig, UiConfig
from kiosk.workflow.events import ChipProgress, ChipRetry, FaceUpdate, MessageKey, ResultReady
from kiosk.workflow.machine import State


def _visible_texts(widget) -> str:
    from PySide6.QtWidgets import QLabel, QPushButton

    found = [*widget.findChildren(QLabel), *widget.findChildren(QPushButton)]
    return " ".join(w.text() for w in found if w.isVisibleTo(widget))


def test_attract_start_button_starts_a_session(make_window, qtbot) -> None:
    window, fake = make_window()
    qtbot.mouseClick(window.screens[State.ATTRACT].start, Qt.MouseButton.LeftButton)
    assert ("start", ()) in fake.commands


def test_document_typed_on_the_touch_keyboard_is_submitted(make_window, go, qtbot) -> None:
    window, fake = make_window()
    fake.emit(go(State.DOCUMENT))
    doc = window.screens[State.DOCUMENT]
    keys = doc.keyboard.keys
    for field, text in ((doc.number, "L898902C3"), (doc.birth, "690806"), (doc.expiry, "940623")):
        field.setFocus()
        doc.keyboard.target = field
        doc.keyboard.set_digits_only(field is not doc.number)
        for ch in text:
            qtbot.mouseClick(keys[ch], Qt.MouseButton.LeftButton)
    assert doc.next.isEnabled()
    qtbot.mouseClick(doc.next, Qt.MouseButton.LeftButton)
    assert ("submit_mrz", ("L898902C3", "690806", "940623")) in fake.commands


def test_document_refuses_an_impossible_date_and_letters_in_dates(make_window, go, qtbot) -> None:
    window, fake = make_window()
    fake.emit(go(State.DOCUMENT))
    doc = window.screens[State.DOCUMENT]
    doc.fill("L898902C3", "691306", "940623")  # month 13
    assert not doc.next.isEnabled() and "6 digits" in doc.check.text()
    qtbot.keyClicks(doc.expiry, "AB")
    assert doc.expiry.text() == "940623"  # the validator keeps letters out of a date
    doc.keyboard.target = doc.birth
    doc.keyboard.set_digits_only(True)
    assert not doc.keyboard.keys["Q"].isEnabled() and doc.keyboard.keys["7"].isEnabled()
    qtbot.mouseClick(doc.next, Qt.MouseButton.LeftButton)
    assert not [c for c in fake.commands if c[0] == "submit_mrz"]


def test_can_tab_submits_a_card_access_number(make_window, go, qtbot) -> None:
    window, fake = make_window()
    fake.emit(go(State.DOCUMENT))
    doc = window.screens[State.DOCUMENT]
    doc.tabs.setCurrentIndex(1)
    qtbot.keyClicks(doc.can, "123456")
    qtbot.mouseClick(doc.next, Qt.MouseButton.LeftButton)
    assert ("submit_can", ("123456",)) in fake.commands


def test_mrz_rejected_keeps_the_fields_and_says_why(make_window, go) -> None:
    window, fake = make_window()
    fake.emit(go(State.DOCUMENT))
    doc = window.screens[State.DOCUMENT]
    doc.fill("L898902C3", "690806", "940623")
    fake.emit(go(State.DOCUMENT, State.CHIP, MessageKey.MRZ_REJECTED))
    assert doc.error.isVisible() and "did not accept" in doc.error.text()
    assert doc.number.text() == "L898902C3"


def test_chip_progress_and_retry(make_window, go) -> None:
    window, fake = make_window()
    fake.emit(go(State.CHIP, State.DOCUMENT))
    chip = window.screens[State.CHIP]
    assert window.stack.currentWidget() is chip and chip.bar.value() == 0
    fake.emit(ChipProgress("dg2", 0.5, 9000, 18000))
    assert chip.bar.value() == 500 and "photo" in chip.phase.text()
    fake.emit(ChipRetry(MessageKey.KEEP_ON_READER, 1, 3))
    assert chip.retry.isVisible() and "Keep it still" in chip.retry.text()


def test_face_screen_shows_one_hint_then_the_prompt_countdown_and_target(make_window, go) -> None:
    window, fake = make_window()
    fake.emit(go(State.FACE, State.CHIP))
    face = window.screens[State.FACE]
    face.view.show_image(np.zeros((480, 640, 3), np.uint8))
    fake.emit(FaceUpdate(1, (0.4, 0.3, 0.2, 0.3), 1, "Move closer", False))
    assert face.hint.isVisible() and face.hint.text() == "Move closer"
    fake.emit(go(State.CHALLENGE, State.FACE))
    fake.emit(FaceUpdate(9, (0.4, 0.3, 0.2, 0.3), 1, None, True, "turn_left", 0, 4, 0.5, 3.2, None))
    assert not face.hint.isVisible()
    assert face.prompt.text() == "Turn your head to your left" and face.step_of.text() == "Step 1 of 4"
    assert face.countdown.text() == "4 s left" and face.progress.value() == 50
    assert face.icon.action == "turn_left"
    fake.emit(FaceUpdate(20, None, 1, None, True, "nose_to_target", 1, 4, 0.0, 5.0, (0.7, 0.4)))
    assert face.view.face.target == (0.7, 0.4)


def test_result_is_plain_words_without_scores_for_the_customer(make_window, go) -> None:
    window, fake = make_window()
    fake.emit(go(State.RESULT, State.PROCESSING))
    fake.emit(ResultReady("REVIEW", ("FACE_MATCH_BORDERLINE",), "s1", {"match_score": 0.31, "match_accept": 0.337,
                                                                       "match_review": 0.293}))
    result = window.screens[State.RESULT]
    shown = _visible_texts(result)
    assert "Almost done" in shown and "0.31" not in shown and "FACE_MATCH" not in shown
    assert not result.clerk.isVisible()


def test_every_result_symbol_is_drawn_by_the_screens_font(make_window, go) -> None:
    from PySide6.QtGui import QFontMetrics

    from ui.screens.result import SYMBOLS

    window, fake = make_window()
    fake.emit(go(State.RESULT, State.PROCESSING))
    metrics = QFontMetrics(window.screens[State.RESULT].symbol.font())
    for outcome, symbol in SYMBOLS.items():
        assert metrics.inFontUcs4(ord(symbol)), f"{outcome}: U+{ord(symbol):04X} would show as an empty box"


def test_assisted_mode_shows_the_clerk_the_evidence_band(make_window, go) -> None:
    window, fake = make_window(KioskConfig(ui=UiConfig(assisted=True)))
    fake.emit(go(State.RESULT, State.PROCESSING))
    fake.emit(ResultReady("REVIEW", ("FACE_MATCH_BORDERLINE",), "s1", {"match_score": 0.31, "match_accept": 0.337,
                                                                       "match_review": 0.293}))
    clerk = window.screens[State.RESULT].clerk_text.text()
    assert "borderline" in clerk and "FACE_MATCH_BORDERLINE" in clerk


def test_staff_screen_names_the_cause(make_window, go) -> None:
    window, fake = make_window()
    fake.emit(go(State.STAFF, State.FACE, MessageKey.CAMERA_STOPPED))
    assert "camera" in window.screens[State.STAFF].body.text()
    assert not window.cancel.isVisible()


def test_language_button_switches_every_screen_to_german_and_back(make_window, go, qtbot) -> None:
    window, fake = make_window()
    attract = window.screens[State.ATTRACT]
    assert window.language.text() == "Deutsch"
    qtbot.mouseClick(window.language, Qt.MouseButton.LeftButton)
    assert attract.title.text() == "Identität bestätigen"
    assert window.screens[State.CHIP].title.text() == "Legen Sie Ihr Dokument auf das Lesegerät"
    assert window.language.text() == "English"
    qtbot.mouseClick(window.language, Qt.MouseButton.LeftButton)
    assert attract.title.text() == "Verify your identity"


def test_cancel_button_sends_cancel_and_is_hidden_on_attract(make_window, go, qtbot) -> None:
    window, fake = make_window()
    assert not window.cancel.isVisible()
    fake.emit(go(State.CHIP, State.DOCUMENT))
    assert window.cancel.isVisible()
    qtbot.mouseClick(window.cancel, Qt.MouseButton.LeftButton)
    assert ("cancel", ()) in fake.commands


def test_keyboard_focus_order_on_the_document_screen(make_window, go, qtbot) -> None:
    window, fake = make_window()
    fake.emit(go(State.DOCUMENT))
    doc = window.screens[State.DOCUMENT]
    order, w = [], doc.number
    while len(order) < 4:  # the tab order, skipping what cannot take the focus (labels, keyboard keys)
        w = w.nextInFocusChain()
        if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(doc):
            order.append(w)
    assert order[:3] == [doc.birth, doc.expiry, doc.next]


def test_high_contrast_theme_is_black_and_white(make_window) -> None:
    window, _ = make_window(KioskConfig(ui=UiConfig(theme="high_contrast")))
    image = window.grab().toImage()
    assert image.pixelColor(3, image.height() - 3).name() == "#000000"


def test_screen_flash_fills_the_window_with_each_colour_and_reports_when_shown(make_window, go, qtbot) -> None:
    import time

    from inference.flash import FlashSequence
    from kiosk.workflow.events import FlashRequested

    window, wf = make_window()
    wf.emit(go(State.CHALLENGE, State.FACE))
    sequence = FlashSequence.of(["red", "blue", "yellow"], [0.3, 0.3, 0.3])
    before = time.monotonic()
    wf.emit(FlashRequested(sequence))
    qtbot.waitUntil(lambda: any(c[0] == "flash_shown" for c in wf.commands), timeout=2000)
    [(_, (t0,))] = [c for c in wf.commands if c[0] == "flash_shown"]
    assert before <= t0 <= time.monotonic()  # the paint time, on the cameras' clock
    overlay = window.flash
    assert overlay.isVisible() and overlay.geometry() == overlay.parentWidget().rect()

    def centre() -> tuple[int, int, int]:
        c = overlay.grab().toImage().pixelColor(overlay.width() // 10, overlay.height() // 10)
        return c.red(), c.green(), c.blue()

    seen: list[tuple[int, int, int]] = []
    qtbot.waitUntil(lambda: seen.append(centre()) or not overlay.isVisible(), timeout=3000)
    shown = [c for k, c in enumerate(seen) if k == 0 or c != seen[k - 1]]
    assert shown[:3] == [(255, 0, 0), (0, 0, 255), (255, 255, 0)]
    # The session moving on hides it at once, even mid-sequence.
    wf.emit(FlashRequested(sequence))
    qtbot.waitUntil(overlay.isVisible, timeout=1000)
    wf.emit(go(State.ATTRACT, State.CHALLENGE))
    assert not overlay.isVisible()


def test_document_screen_offers_the_camera_first_where_a_scanner_reads_the_mrz(make_window, go, qtbot) -> None:
    from kiosk.workflow.testing import FakeWorkflow

    window, wf = make_window(workflow=FakeWorkflow(scanner=object()))
    wf.emit(go(State.DOCUMENT))
    doc = window.screens[State.DOCUMENT]
    assert doc.modes.currentIndex() == 0 and doc.view.timer.isActive()
    assert "camera" in doc.title.text() and not doc.keyboard.isVisible()
    qtbot.mouseClick(doc.type_instead, Qt.MouseButton.LeftButton)
    assert doc.modes.currentIndex() == 1 and doc.keyboard.isVisible() and not doc.view.timer.isActive()
    qtbot.mouseClick(doc.scan_instead, Qt.MouseButton.LeftButton)
    assert doc.modes.currentIndex() == 0
    # A read the chip refused: the fields to check, and why.
    wf.emit(go(State.DOCUMENT, State.CHIP, MessageKey.MRZ_REJECTED))
    assert doc.modes.currentIndex() == 1 and doc.error.isVisible() and "scan" in doc.error.text()
    wf.emit(go(State.CHIP, State.DOCUMENT))
    assert not doc.view.timer.isActive()  # leaving the screen stops the preview


def test_document_screen_without_a_scanner_is_typing_only(make_window, go) -> None:
    window, wf = make_window()
    wf.emit(go(State.DOCUMENT))
    doc = window.screens[State.DOCUMENT]
    assert doc.modes.currentIndex() == 1 and not doc.scan_instead.isVisible() and not doc.view.timer.isActive()


def test_assisted_mode_starts_a_session_only_after_the_clerk_signs_in(make_window, qtbot, tmp_path) -> None:
    from kiosk.workflow.testing import FakeWorkflow
    from storage import open_storage

    st = open_storage(tmp_path)
    st.operators.add("clara", "operator", "correct horse battery", actor="admin:test")
    st.close()
    fake = FakeWorkflow()
    fake.data_dir = tmp_path
    window, wf = make_window(KioskConfig(ui=UiConfig(assisted=True)), workflow=fake)
    window.screens[State.ATTRACT].start_requested.emit()
    dialog = window.clerk_dialog
    assert dialog.isVisible() and not wf.commands
    dialog.username.setText("clara")
    dialog.password.setText("wrong password")
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "refused" in dialog.message.text(), timeout=10_000)
    assert not [c for c in wf.commands if c[0] == "start"]
    dialog.password.setText("correct horse battery")
    qtbot.mouseClick(dialog.start, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(c[0] == "start" for c in wf.commands), timeout=10_000)
    assert [c for c in wf.commands if c[0] == "start"] == [("start", ("clara",))]  # recorded by name: four eyes
    st = open_storage(tmp_path)
    try:
        signs = [(e.kind, e.details.get("where")) for e in st.audit.events() if e.kind.startswith("login")]
    finally:
        st.close()
    assert signs == [("login_failed", "assisted-kiosk"), ("login_ok", "assisted-kiosk")]  # both on the record
