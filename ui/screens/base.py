"""What every screen shares: texts that follow the language, helpers for labelled text and cards."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget


def label(text: str = "", role: str | None = None, wrap: bool = True,
          align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignCenter) -> QLabel:
    """A label with a style role ('title', 'subtitle', 'hint', 'error', 'small')."""
    w = QLabel(text)
    if role:
        w.setProperty("role", role)
    w.setWordWrap(wrap)
    w.setAlignment(align)
    return w


def card() -> tuple[QFrame, QVBoxLayout]:
    """A framed panel and its layout."""
    frame = QFrame()
    frame.setProperty("role", "card")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(24, 20, 24, 20)
    return frame, layout


class Screen(QWidget):
    """A screen: builds its widgets once, sets their texts in ``retranslate`` (called again on a language
    change), and is told when it is shown (``entered``)."""

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def retranslate(self) -> None:
        """Set every visible text (override)."""

    def entered(self, event: object) -> None:
        """The workflow moved to this screen's state (``StateChanged``)."""

    def left(self) -> None:
        """Another screen is shown (stop what only this screen needs, e.g. a camera preview)."""
