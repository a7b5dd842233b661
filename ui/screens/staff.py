"""Staff screen: something failed that the customer cannot fix; the kiosk resets by itself."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QVBoxLayout

from kiosk.workflow.events import MessageKey
from ui.screens.base import Screen, label


class StaffScreen(Screen):
    """'Please ask a member of staff', with the cause in plain words."""

    def __init__(self) -> None:
        super().__init__()
        root = QVBoxLayout(self)
        root.setContentsMargins(100, 60, 100, 60)
        self.symbol = label()
        self.symbol.setStyleSheet("font-size: 120px; color: #ffb020;")
        self.title = label(role="title")
        self.body = label(role="subtitle")
        self.note = label(role="small")
        root.addStretch(1)
        root.addWidget(self.symbol)
        root.addWidget(self.title)
        root.addWidget(self.body)
        root.addSpacing(30)
        root.addWidget(self.note)
        root.addStretch(1)
        self._message: MessageKey | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.symbol.setText("\u260e")
        self.title.setText(self.tr("Please ask a member of staff"))
        if self._message is MessageKey.CAMERA_STOPPED:
            body = self.tr("The camera stopped working. Your data has not been kept.")
        elif self._message is MessageKey.DOCUMENT_REFUSED:
            body = self.tr("This document could not be read here.")
        else:
            body = self.tr("Something went wrong on our side. It is not your fault.")
        self.body.setText(body)
        self.note.setText(self.tr("This screen resets by itself in a moment."))

    def entered(self, event: Any) -> None:
        """Show the cause carried by the move to this screen."""
        self._message = getattr(event, "message", None)
        self.retranslate()
