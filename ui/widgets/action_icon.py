"""A drawn, gently moving icon per challenge action (arrows for turns and nods, an eye for the blink, a
target for the nose, a growing face for 'move closer'), so the prompt reads without words."""
from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QWidget

_DIRECTIONS = {"turn_left": (-1, 0), "turn_right": (1, 0), "look_up": (0, -1), "look_down": (0, 1)}


class ActionIcon(QWidget):
    """Shows ``action`` (a challenge action name, or None for nothing), animated at 30 frames/s."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.colour = QColor("#ffd23f")
        self._phase = 0.0
        self.setMinimumSize(96, 96)  # it gives way to the prompt's lines (large text, long German prompts)
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._step)

    def set_action(self, action: str | None) -> None:
        """Show this action (animation runs only while one is shown)."""
        self.action = action
        if action is None:
            self._timer.stop()
        elif not self._timer.isActive():
            self._timer.start()
        self.update()

    def _step(self) -> None:
        self._phase = (self._phase + 0.06) % 1.0
        self.update()

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self.action is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        size = min(self.width(), self.height())
        c = QPointF(self.width() / 2, self.height() / 2)
        pen = QPen(self.colour, size / 16, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin)
        p.setPen(pen)
        wave = math.sin(self._phase * 2 * math.pi)
        if self.action in _DIRECTIONS:
            dx, dy = _DIRECTIONS[self.action]
            shift = wave * size * 0.08
            tip = QPointF(c.x() + dx * (size * 0.32 + shift), c.y() + dy * (size * 0.32 + shift))
            tail = QPointF(c.x() - dx * size * 0.3, c.y() - dy * size * 0.3)
            p.drawLine(tail, tip)
            px, py = -dy, dx  # perpendicular
            head = QPolygonF([tip, QPointF(tip.x() - dx * size * 0.2 + px * size * 0.16,
                                           tip.y() - dy * size * 0.2 + py * size * 0.16),
                              QPointF(tip.x() - dx * size * 0.2 - px * size * 0.16,
                                      tip.y() - dy * size * 0.2 - py * size * 0.16)])
            p.setBrush(self.colour)
            p.drawPolygon(head)
        elif self.action == "blink":
            openness = abs(wave)
            eye = QRectF(c.x() - size * 0.35, c.y() - size * 0.18 * openness, size * 0.7, size * 0.36 * openness)
            p.drawEllipse(eye)
            if openness > 0.3:
                p.setBrush(self.colour)
                p.drawEllipse(c, size * 0.08, size * 0.08 * openness)
        elif self.action == "nose_to_target":
            for k in (0.36, 0.22):
                p.drawEllipse(c, size * k, size * k)
            p.setBrush(self.colour)
            p.drawEllipse(c, size * 0.07, size * 0.07)
        elif self.action == "move_closer":
            scale = 0.22 + 0.1 * (wave + 1) / 2
            p.drawEllipse(c, size * scale * 0.8, size * scale)
        p.end()
