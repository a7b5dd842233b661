"""The window's accessible paths (issue 26), measured on every screen: the shared controls send their commands,
touch targets are at least 44x44 px, every customer control is within a seated customer's reach (the lower
two thirds), large text is 150% and still fits 1280x800 in both languages, and speech reads what the screen
shows (never a typed value) on the speaker's own thread."""
from __future__ import annotations

import threading
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QLineEdit, QTabBar

from kiosk.workflow.events import AccessChanged, ChallengeDrawn, FaceUpdate, ResultReady
from kiosk.workflow.machine import State
from ui import theme

STATES = (State.ATTRACT, State.DOCUMENT, State.CHIP, State.FACE, State.CHALLENGE, State.PROCESSING, State.RESULT,
          State.STAFF)


class RecordingSpeaker:
    """Stands in for ``kiosk.speech.Speaker``: records what would be said."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str, bool]] = []

    def say(self, text: str, language: str, interrupt: bool = False) -> None:
        self.said.append((text, language, interrupt))

    def stop(self) -> None:
        self.said.append(("<stop>", "", True))

    def close(self) -> None:
        pass


def _show(window: Any, fake: Any, go: Any, state: State, large: bool = False) -> None:
    fake.emit(go(state, State.ATTRACT if state is not State.ATTRACT else State.RESULT))
    if state is State.RESULT:
        fake.emit(ResultReady("REVIEW", ("HELP_REQUESTED",), "s-1", {"access": {"help_requested": True}}))
    if state is State.DOCUMENT:
        window.screens[State.DOCUMENT].fill("C01X00T47", "900131", "341231")
    if state is State.CHALLENGE:
        # The longest prompt in either language.
        fake.emit(FaceUpdate(3, (0.3, 0.3, 0.3, 0.4), 1, None, True, step="nose_to_target", step_index=0,
                             steps_total=4, seconds_left=42.0, target=(0.3, 0.4)))
    if large:
        window.set_large_text(True)
    for _ in range(3):  # nested layouts settle over a few rounds of posted layout requests
        QApplication.processEvents()


def _controls(window: Any) -> list[Any]:
    """Every customer control showing (the operator's invisible corner is not one)."""
    found = [*window.findChildren(QAbstractButton), *window.findChildren(QLineEdit)]
    return [w for w in found if w.isVisible() and w is not window.corner and w.window() is window]


def _tabs(window: Any) -> list[tuple[Any, Any]]:
    return [(bar, bar.tabRect(i)) for bar in window.findChildren(QTabBar) if bar.isVisible() for i in range(bar.count())]


def test_the_shared_controls_send_their_commands(make_window, go, qtbot) -> None:
    window, fake = make_window()
    _show(window, fake, go, State.CHIP)
    for button in (window.bar.more_time, window.bar.help):
        assert button.isVisible()
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.bar.options, Qt.MouseButton.LeftButton)
    assert window.options.isVisible()
    qtbot.mouseClick(window.options.no_flash, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(window.options.no_head, Qt.MouseButton.LeftButton)
    names = [name for name, _ in fake.commands]
    assert ["more_time", "request_help", "decline_flash", "avoid_head_movement"] == [
        n for n in names if n in ("more_time", "request_help", "decline_flash", "avoid_head_movement")]
    fake.emit(AccessChanged(10.0, True, True, True))
    assert not window.options.no_flash.isEnabled() and not window.options.no_head.isEnabled()
    assert "staff" in window.mode_label.text() and window.mode_label.isVisible()
    fake.emit(go(State.ATTRACT, State.RESULT))  # the next customer gets every choice again
    assert window.options.no_flash.isEnabled() and not window.mode_label.isVisible()


def test_every_timed_screen_offers_more_time_and_every_session_screen_help(make_window, go) -> None:
    window, fake = make_window()
    for state in STATES:
        _show(window, fake, go, state)
        timed = state not in (State.ATTRACT, State.PROCESSING)
        assert window.bar.more_time.isVisible() is timed, state
        in_session = state in (State.DOCUMENT, State.CHIP, State.FACE, State.CHALLENGE)
        assert window.bar.help.isVisible() is in_session and window.bar.options.isVisible() is in_session, state
        assert window.bar.listen.isVisible() and window.bar.larger.isVisible(), state


def test_a_flash_in_progress_stops_when_the_customer_declines_it(make_window, go, qtbot) -> None:
    from inference.flash import FlashConfig, draw_sequence

    window, fake = make_window()
    _show(window, fake, go, State.CHALLENGE)
    window.flash.play(draw_sequence(FlashConfig()), lambda _t: None)
    assert window.flash.isVisible()
    window._show_options()
    qtbot.mouseClick(window.options.no_flash, Qt.MouseButton.LeftButton)
    assert not window.flash.isVisible() and ("decline_flash", ()) in fake.commands


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("large", [False, True])
def test_touch_targets_reach_and_fit_on_every_screen(make_window, go, language: str, large: bool) -> None:
    from kiosk.workflow.testing import FakeWorkflow

    window, fake = make_window(workflow=FakeWorkflow(scanner=object()))  # "Scan instead" shows too
    window.set_language(language)
    try:
        problems = _layout_problems(window, fake, go, large)
    finally:
        window.set_language("en")  # the translator is the application's: leave it as found
    assert not problems, "\n".join(problems)


def _layout_problems(window: Any, fake: Any, go: Any, large: bool) -> list[str]:
    problems: list[str] = []
    for state in STATES:
        for options in (False, True) if state is State.CHIP else (False,):
            _show(window, fake, go, state, large)
            if options:
                window._show_options()
                for _ in range(3):
                    QApplication.processEvents()
            height = window.height()
            where = f"{state}{' options' if options else ''}"
            if (window.width(), height) != (1280, 800):
                problems.append(f"{where}: the window grew to {window.width()}x{height} to fit it")
            for w in _controls(window):
                at = w.mapTo(window, QPoint(0, 0))
                name = w.objectName() or (w.text() if hasattr(w, "text") else "") or type(w).__name__
                if w.width() < theme.MIN_TARGET_PX or w.height() < theme.MIN_TARGET_PX:
                    problems.append(f"{where}: {name!r} is {w.width()}x{w.height()} px")
                if at.y() + w.height() / 2 < height / 3:
                    problems.append(f"{where}: {name!r} is out of reach (centre at y={at.y() + w.height() / 2:.0f})")
                if at.y() + w.height() > height or at.x() + w.width() > window.width():
                    problems.append(f"{where}: {name!r} is off the screen")
                if isinstance(w, QLineEdit) and w.text() and w.fontMetrics().horizontalAdvance(w.text()) > w.width() - 20:
                    problems.append(f"{where}: the typed value in {name!r} does not show whole")
                if isinstance(w, QAbstractButton) and w.text() and w.sizeHint().width() > w.width() + 1:
                    problems.append(f"{where}: {name!r} is cut ({w.width()} < {w.sizeHint().width()} px)")
            for bar, rect in _tabs(window):
                centre = bar.mapTo(window, rect.center())
                if rect.height() < theme.MIN_TARGET_PX or rect.width() < theme.MIN_TARGET_PX:
                    problems.append(f"{where}: a tab is {rect.width()}x{rect.height()} px")
                if centre.y() < height / 3:
                    problems.append(f"{where}: a tab is out of reach")
            for lab in window.findChildren(QLabel):
                if not lab.isVisible() or not lab.text() or lab.window() is not window:
                    continue
                need = lab.heightForWidth(lab.width()) if lab.wordWrap() else lab.sizeHint().height()
                if need > lab.height() + 1:
                    problems.append(f"{where}: text {lab.text()[:30]!r} is cut ({lab.height()} < {need} px)")
            if options:
                window.options.hide()
    return problems


def test_large_text_is_half_as_large_again(make_window, go) -> None:
    window, fake = make_window()
    _show(window, fake, go, State.DOCUMENT)
    standard = {id(w): w.fontInfo().pixelSize() for w in window.findChildren(QLabel) + _controls(window)}
    _show(window, fake, go, State.DOCUMENT, large=True)
    base = theme.base_px(800)
    for w in window.findChildren(QLabel) + _controls(window):
        if id(w) in standard and w.isVisible():
            # Body text and controls grow by half; headings (already 1.8x) grow by a fifth, never below 1.5x body.
            assert w.fontInfo().pixelSize() >= min(1.5 * standard[id(w)], 2.1 * base) - 1, (w, standard[id(w)])
    assert window.bar.larger.text() == "Normal text"
    window.bar.larger.click()
    assert not window.large_text and window.bar.larger.text() == "Larger text"


# -- speech -----------------------------------------------------------------------------------------------------

def test_listen_reads_the_screen_and_new_prompts_but_never_a_typed_value(make_window, go, qtbot) -> None:
    speaker = RecordingSpeaker()
    from kiosk.workflow.config import KioskConfig
    from kiosk.workflow.testing import FakeWorkflow
    from ui.i18n import Languages
    from ui.main_window import KioskWindow

    fake = FakeWorkflow()
    window = KioskWindow(fake, KioskConfig(), Languages(QApplication.instance()), speaker=speaker)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    window.set_language("en")  # the application's translator is shared with the windows of earlier tests
    _show(window, fake, go, State.DOCUMENT)
    assert not speaker.said  # off until the customer asks
    doc = window.screens[State.DOCUMENT]
    doc.show_mode("type")
    doc.number.setText("C01X00T47")
    doc.birth.setText("900131")
    qtbot.mouseClick(window.bar.listen, Qt.MouseButton.LeftButton)
    texts = [t for t, _, _ in speaker.said]
    assert "Your document details" in texts and "Date of birth" in texts and "Listen" in texts
    assert not any("C01X00T47" in t or "900131" in t for t in texts)
    speaker.said.clear()
    _show(window, fake, go, State.CHALLENGE)
    said = [(t, i) for t, _, i in speaker.said]
    assert said[0][1] and "Move your nose to the yellow dot" in [t for t, _ in said]  # a new screen interrupts
    speaker.said.clear()
    fake.emit(FaceUpdate(4, (0.3, 0.3, 0.3, 0.4), 1, None, True, step="nose_to_target", step_index=0,
                         steps_total=4, seconds_left=41.0, target=(0.3, 0.4)))
    assert not speaker.said  # the countdown is not read every second
    fake.emit(FaceUpdate(5, (0.3, 0.3, 0.3, 0.4), 1, None, True, step="move_closer", step_index=1, steps_total=4,
                         seconds_left=49.0))
    assert [t for t, _, _ in speaker.said] == ["Move closer to the camera"]
    window.set_language("de")
    window.toggle_speech()
    window.toggle_speech()
    assert speaker.said[-1][1] == "de" or any(lang == "de" for _, lang, _ in speaker.said)
    window.set_language("en")  # the translator is the application's: leave it as found
    window.unlocked = True
    window.close()


def test_the_speaker_queues_one_prompt_at_a_time_and_never_blocks_the_caller() -> None:
    from kiosk.speech import Speaker

    release = threading.Event()
    started: list[list[str]] = []
    active = [0, 0]  # now, most at once
    lock = threading.Lock()

    first = threading.Event()

    def player(args: list[str], stop: threading.Event) -> None:
        first.set()
        with lock:
            active[0] += 1
            active[1] = max(active)
        started.append(args)
        while not release.is_set() and not stop.is_set():
            release.wait(0.01)
        with lock:
            active[0] -= 1

    speaker = Speaker(player=player)
    try:
        speaker.say("Look at the camera", "en")
        assert first.wait(10)  # the worker is speaking it (and holds it until released)
        speaker.say("Blink", "en")  # returns at once although the first prompt is still being spoken
        speaker.say("Move closer to the camera", "de")
        assert speaker.pending() >= 2
        speaker.say("Well done", "en", interrupt=True)  # a new screen: the queue is dropped, the speaking cut
        release.set()
        deadline = threading.Event()
        for _ in range(500):
            if speaker.pending() == 0 and active[0] == 0 and started and started[-1][-1] == "Well done":
                break
            deadline.wait(0.01)
        spoken = [a[-1] for a in started]
        assert spoken[0] == "Look at the camera" and spoken[-1] == "Well done"
        assert "Blink" not in spoken and "Move closer to the camera" not in spoken
        assert active[1] == 1  # never two prompts at once
        assert started[-1][started[-1].index("-v") + 1] == "en-gb"
    finally:
        speaker.close()


@pytest.mark.parametrize("text", ["C01X00T47 is your number", "born 31.01.1990", "900131", "Erika 12/03/88"])
def test_the_speaker_refuses_what_looks_like_personal_data(text: str) -> None:
    from kiosk.speech import SpeechError, command

    with pytest.raises(SpeechError, match="personal data"):
        command(text, "en")
    assert command("Step 1 of 4", "de")[-1] == "Step 1 of 4"
    with pytest.raises(SpeechError, match="no voice"):
        command("Blink", "fr")
