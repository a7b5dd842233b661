"""Processing screen: a short wait while the kiosk decides (about a tenth of a second of work)."""
from __future__ import annotations

from PySide6.QtWidgets import QProgressBar, QVBoxLayout

from ui.screens.base import Screen, label


class ProcessingScreen(Screen):
    """An indeterminate bar and one sentence."""

    def __init__(self) -> None:
        super().__init__()
        root = QVBoxLayout(self)
        root.setContentsMargins(120, 60, 120, 60)
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        root.addStretch(1)
        root.addWidget(self.title)
        root.addWidget(self.subtitle)
        root.addSpacing(40)
        root.addWidget(self.bar)
        root.addStretch(1)
        self.retranslate()

    def retranslate(self) -> None:
        self.title.setText(self.tr("Thank you"))
        self.subtitle.setText(self.tr("We are checking your document and your photo. This takes a moment."))
