"""The window's screen reader: what the customer's screen shows, spoken by ``kiosk.speech.Speaker``.

Off until the customer turns it on (the "Listen" button in the bottom-left corner, or F1). Then each new
screen is read from the top (labels and buttons in reading order), each new challenge prompt or guidance
hint as it appears, and each change the customer made (more time, help...). Only the texts of labels and
buttons are read: typed values (``QLineEdit``) never, nor any widget marked ``speak=False`` (the clerk's
panel). Everything is queued on the speaker's own thread; the GUI thread only appends.
"""
from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QAbstractButton, QLabel, QWidget

from kiosk.workflow.events import FaceUpdate

log = logging.getLogger(__name__)


def _silenced(widget: QWidget, top: QWidget) -> bool:
    w: QWidget | None = widget
    while w is not None and w is not top:
        if w.property("speak") is False:
            return True
        w = w.parentWidget()
    return False


def spoken_texts(top: QWidget) -> list[str]:
    """The texts ``top`` shows, in reading order (top to bottom, left to right): what is read aloud."""
    found: list[tuple[int, int, str]] = []
    for w in [*top.findChildren(QLabel), *top.findChildren(QAbstractButton)]:
        text = w.text().replace("&", "").strip() if w.text() else ""
        if not text or not w.isVisibleTo(top) or _silenced(w, top) or not w.isEnabled() and isinstance(w, QLabel):
            continue
        at = w.mapTo(top, QPoint(0, 0))
        found.append((at.y() // 8, at.x(), text.replace("\n", " ")))
    return [t for _, _, t in sorted(found)]


class ScreenReader:
    """Reads ``window``'s current screen aloud through ``speaker`` (made on first use when None)."""

    def __init__(self, window: Any, speaker: Any = None) -> None:
        self.window = window
        self.speaker = speaker
        self.enabled = False
        self._last_face: tuple[str, str] = ("", "")

    def _speaker(self) -> Any:
        if self.speaker is None:
            from kiosk.speech import Speaker

            self.speaker = Speaker()
        return self.speaker

    def set_enabled(self, on: bool) -> None:
        """Turn speech on (and read the screen now) or off (silence at once)."""
        self.enabled = on
        if on:
            self.say(self.window.speech_on_text(), interrupt=True)
            self.screen_changed(interrupt=False)
        elif self.speaker is not None:
            self.speaker.stop()

    def say(self, text: str, interrupt: bool = False) -> None:
        """Queue one text in the window's current language."""
        if self.enabled and text.strip():
            self._speaker().say(text, self.window.languages.current, interrupt=interrupt)

    def speak_widget(self, widget: QWidget, interrupt: bool = False) -> None:
        """Read everything ``widget`` shows."""
        for k, text in enumerate(spoken_texts(widget)):
            self.say(text, interrupt=interrupt and k == 0)

    def screen_changed(self, interrupt: bool = True) -> None:
        """A new screen (or a result) is shown: read it from the top; what was being read is dropped."""
        self._last_face = ("", "")
        if self.enabled:
            self.speak_widget(self.window.stack.currentWidget(), interrupt=interrupt)
            self.speak_widget(self.window.bar)  # then the controls along the bottom edge, left to right

    def face_update(self, _event: FaceUpdate) -> None:
        """Say a new challenge prompt or guidance hint once (the face screen's own texts, not the countdown)."""
        if not self.enabled:
            return
        screen = self.window.stack.currentWidget()
        prompt = getattr(screen, "prompt", None)
        hint = getattr(screen, "hint", None)
        now = (prompt.text() if prompt is not None else "",
               hint.text() if hint is not None and hint.isVisibleTo(screen) else "")
        if now == self._last_face:
            return
        if now[0] and now[0] != self._last_face[0]:
            self.say(now[0], interrupt=True)
        elif now[1] and now[1] != self._last_face[1]:
            self.say(now[1], interrupt=True)
        self._last_face = now

    def close(self) -> None:
        """Stop the speaker's thread (the window is closing)."""
        if self.speaker is not None and hasattr(self.speaker, "close"):
            self.speaker.close()
