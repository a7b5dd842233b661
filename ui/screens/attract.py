"""Attract screen: what the kiosk does, in three steps, and one big Start button."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout

from ui.screens.base import Screen, card, label


class AttractScreen(Screen):
    """Shown between customers. Touching anywhere starts (a kiosk screen has no other purpose)."""

    start_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        root = QVBoxLayout(self)
        root.setContentsMargins(60, 16, 60, 8)
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")
        steps = QHBoxLayout()
        self.step_labels = []
        for _ in range(3):
            frame, lay = card()
            number, text = label(role="title"), label()
            lay.addWidget(number)
            text.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
            lay.addWidget(text, 1)
            self.step_labels.append((number, text))
            steps.addWidget(frame, 1)
        self.start = QPushButton()
        self.start.setProperty("role", "primary")
        self.start.setMinimumWidth(360)
        self.start.clicked.connect(self.start_requested)
        self.listen_hint = label(role="subtitle")  # where speech is, for a customer who cannot see the screen
        self.privacy = label(role="small")
        root.addStretch(0)
        root.addWidget(self.title)
        root.addWidget(self.subtitle)
        root.addSpacing(16)
        # The cards take the spare height: the page's size comes from minimum sizes, which do not know how many
        # lines a wrapped label needs (large text wraps the steps to three or four lines).
        root.addLayout(steps, 1)
        root.addSpacing(16)
        root.addWidget(self.start, alignment=Qt.AlignmentFlag.AlignCenter)
        root.addStretch(0)
        root.addWidget(self.listen_hint)
        root.addWidget(self.privacy)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Verify your identity"))
        self.subtitle.setText(self.tr("With your passport or ID card and a short video of your face. "
                                      "It takes about one minute."))
        texts = [self.tr("Enter the details from your document"), self.tr("Place your document on the reader"),
                 self.tr("Look at the camera and follow the prompts")]
        for k, ((number, text), t) in enumerate(zip(self.step_labels, texts, strict=True), start=1):
            number.setText(str(k))
            text.setText(t)
        self.start.setText(self.tr("Start"))
        self.listen_hint.setText(self.tr("To hear this screen, touch Listen in the bottom left corner, or press F1."))
        self.privacy.setText(self.tr("Your data and photos are encrypted on this kiosk and deleted when no longer "
                                     "needed. Nothing is shown to other customers."))

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        self.start_requested.emit()
        super().mousePressEvent(event)
