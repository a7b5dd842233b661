"""The operator PIN pad: the only way out of kiosk mode. Wrong PINs are counted and lock the pad."""
from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QLineEdit, QPushButton, QVBoxLayout

from ui.screens.base import label


class PinDialog(QDialog):
    """Accepts when ``check(pin)`` is true; after ``attempts`` wrong PINs the pad locks for ``lock_s``."""

    failures = 0
    locked_until = 0.0

    def __init__(self, check: Callable[[str], bool], attempts: int = 5, lock_s: float = 300.0, parent=None) -> None:
        super().__init__(parent)
        self.check, self.attempts, self.lock_s = check, attempts, lock_s
        self.setWindowTitle(self.tr("Operator"))
        self.setModal(True)
        root = QVBoxLayout(self)
        self.title = label(self.tr("Operator PIN"), role="subtitle")
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = label(role="error")
        grid = QGridLayout()
        for k, ch in enumerate("123456789C0\u2714"):
            key = QPushButton(ch)
            key.setProperty("role", "key")
            key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            key.clicked.connect(lambda _=False, c=ch: self._press(c))
            grid.addWidget(key, k // 3, k % 3)
        root.addWidget(self.title)
        root.addWidget(self.pin)
        root.addWidget(self.message)
        root.addLayout(grid)
        self.pin.returnPressed.connect(self._submit)

    def _press(self, ch: str) -> None:
        if ch == "C":
            self.pin.clear()
        elif ch == "\u2714":
            self._submit()
        else:
            self.pin.insert(ch)

    def _submit(self) -> None:
        now = time.monotonic()
        if now < PinDialog.locked_until:
            self.message.setText(self.tr("Locked. Try again later."))
            return
        if self.check(self.pin.text()):
            PinDialog.failures = 0
            self.accept()
            return
        PinDialog.failures += 1
        self.pin.clear()
        if PinDialog.failures >= self.attempts:
            PinDialog.locked_until = now + self.lock_s
            PinDialog.failures = 0
            self.message.setText(self.tr("Locked. Try again later."))
        else:
            self.message.setText(self.tr("Wrong PIN."))
