"""Chip screen: where to put the document, a progress bar driven by the reader's phases and bytes, and
what to do when a read fails."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QProgressBar, QVBoxLayout, QWidget

from kiosk.workflow.events import ChipProgress, ChipRetry, MessageKey
from ui.screens.base import Screen, label


class ReaderPicture(QWidget):
    """An open passport lying on a reader, drawn (a picture says 'lay it flat' in any language)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(300, 200)
        self.colour = QColor("#ffd23f")

    def paintEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        s = min(w / 3, h / 2)
        c = QPointF(w / 2, h / 2)
        p.setPen(QPen(QColor("#9cc3e6"), 4))
        p.setBrush(QColor("#26496b"))
        p.drawRoundedRect(QRectF(c.x() - 1.3 * s, c.y() - 0.2 * s, 2.6 * s, 1.1 * s), 18, 18)  # the reader
        p.setPen(QPen(QColor("#0f2a43"), 3))
        p.setBrush(self.colour)
        p.drawRoundedRect(QRectF(c.x() - 1.0 * s, c.y() - 0.85 * s, 1.0 * s, 1.3 * s), 8, 8)  # passport, open
        p.drawRoundedRect(QRectF(c.x(), c.y() - 0.85 * s, 1.0 * s, 1.3 * s), 8, 8)
        p.setBrush(QColor("#0f2a43"))
        p.drawRect(QRectF(c.x() + 0.12 * s, c.y() - 0.65 * s, 0.35 * s, 0.45 * s))  # the photo page
        for k in range(3):  # radio waves
            r = (0.25 + 0.18 * k) * s
            p.setPen(QPen(QColor("#3ddc84"), 4))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawArc(QRectF(c.x() - r, c.y() + 0.6 * s - r, 2 * r, 2 * r), 30 * 16, 120 * 16)
        p.end()


class ChipScreen(Screen):
    """Shows progress events and retry guidance."""

    def __init__(self) -> None:
        super().__init__()
        root = QVBoxLayout(self)
        root.setContentsMargins(60, 20, 60, 40)
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")
        self.picture = ReaderPicture()
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.phase = label()
        self.retry = label(role="hint")
        self.retry.hide()
        root.addWidget(self.title)
        root.addWidget(self.subtitle)
        root.addWidget(self.picture, 1)
        root.addWidget(self.retry)
        root.addWidget(self.bar)
        root.addWidget(self.phase)
        self._phase = "connect"
        self._retry: ChipRetry | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Place your document on the reader"))
        self.subtitle.setText(self.tr("Open your passport at the photo page and lay it flat on the reader. "
                                      "Keep it still until the bar is full."))
        self.phase.setText(self.phase_text(self._phase) if self.bar.value() else self.tr("Waiting for your document…"))
        if self._retry is not None:
            self.show_retry(self._retry)

    def entered(self, event: Any) -> None:
        """A retry keeps the guidance on screen; a fresh read starts the bar at zero."""
        if getattr(event, "previous", None) is not None and str(event.previous) != "chip":
            self._retry = None
            self.retry.hide()
            self.bar.setValue(0)
            self._phase = "connect"
            self.retranslate()

    def phase_text(self, phase: str) -> str:
        """The reader's phase (a stable key) as the customer understands it."""
        if phase in ("card access", "pace", "bac", "select application", "connect"):
            return self.tr("Opening the chip securely…")
        if phase == "dg2":
            return self.tr("Reading your photo from the chip…")
        if phase in ("chip authentication", "active authentication", "passive authentication"):
            return self.tr("Checking that the chip is genuine…")
        if phase == "done":
            return self.tr("Done.")
        return self.tr("Reading your document…")

    def show_progress(self, event: ChipProgress) -> None:
        """The reader's progress (phase and overall fraction)."""
        self._phase = event.phase
        self.bar.setValue(round(event.fraction * 1000))
        self.phase.setText(self.phase_text(event.phase))

    def show_retry(self, event: ChipRetry) -> None:
        """A read failed; say what to do."""
        self._retry = event
        if event.message is MessageKey.KEEP_ON_READER:
            text = self.tr("The document was moved. Keep it still on the reader: we try again.")
        else:
            text = self.tr("We could not read the chip. Lay the document flat on the reader again.")
        self.retry.setText(text)
        self.retry.show()
        self.bar.setValue(0)
