"""The screen-flash challenge on screen: the whole window in each colour of the random sequence, in turn.

The colours light the customer's face; the engine checks that the face followed them. The overlay
reports when the first colour was really painted (``on_shown(t0)``, ``time.monotonic()``, the clock real
cameras stamp frames with), so the check lines frames up with what was on screen, not with what was
asked. If the window is never painted (hidden, minimised), nothing is reported and the check fails.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QWidget


class FlashOverlay(QWidget):
    """Covers its parent while a sequence plays; hidden otherwise."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.sequence: Any = None  # inference.flash.FlashSequence
        self.t0: float | None = None
        self._on_shown: Callable[[float], None] | None = None
        self.text = ""
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(10)  # a segment lasts >= 250 ms: colour changes land within a frame or two
        self._timer.timeout.connect(self.update)
        self.hide()

    def play(self, sequence: Any, on_shown: Callable[[float], None]) -> None:
        """Show ``sequence`` from the next paint; ``on_shown(t0)`` once its first colour is on screen."""
        self.sequence, self.t0, self._on_shown = sequence, None, on_shown
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self._timer.start()

    def stop(self) -> None:
        """Hide (the sequence ended, or the session did)."""
        self._timer.stop()
        self.sequence = None
        self.hide()

    def colour(self) -> QColor | None:
        """The colour on screen now (None before the first paint or after the sequence)."""
        if self.sequence is None:
            return None
        if self.t0 is None:
            rgb = self.sequence.segments[0].rgb
        else:
            rgb = self.sequence.colour_at(time.monotonic() - self.t0)
        return None if rgb is None else QColor.fromRgbF(*rgb)

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        colour = self.colour()
        if colour is None:
            self.stop()
            return
        painter = QPainter(self)
        painter.fillRect(self.rect(), colour)
        # Dark text on light colours, white on dark ones (blue, red, magenta): readable on every segment.
        light = 0.299 * colour.redF() + 0.587 * colour.greenF() + 0.114 * colour.blueF() > 0.5
        painter.setPen(QColor("#111111") if light else QColor("#ffffff"))
        font = QFont(self.font())
        font.setPixelSize(max(28, self.height() // 18))
        font.setBold(True)
        painter.setFont(font)
        painter.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.text)
        painter.end()
        if self.t0 is None:
            # The first colour is on screen from this paint on: hand its time to the engine once.
            self.t0 = time.monotonic()
            if self._on_shown is not None:
                self._on_shown(self.t0)
