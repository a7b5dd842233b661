"""Assisted mode: the clerk signs in with their operator account before starting a customer's session.

The password check (scrypt, a store write for the audit) runs on a worker thread; a 50 ms timer on the GUI
thread picks up its result, so the window never waits for it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QFormLayout, QHBoxLayout, QLineEdit, QPushButton, QVBoxLayout

from kiosk.errors import BadInputError
from ui.screens.base import label


class ClerkDialog(QDialog):
    """``signed_in(username)`` once ``sign_in(username, password)`` returns; its ``BadInputError`` is shown."""

    signed_in = Signal(str)

    def __init__(self, sign_in: Callable[[str, str], str], parent: Any = None) -> None:
        super().__init__(parent)
        self.sign_in = sign_in
        self.setWindowTitle(self.tr("Clerk sign-in"))
        self.setModal(True)
        root = QVBoxLayout(self)
        self.title = label(self.tr("Sign in to start an assisted session"), role="subtitle")
        self.username, self.password = QLineEdit(), QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(label(self.tr("User name")), self.username)
        form.addRow(label(self.tr("Password")), self.password)
        self.message = label(role="error")
        self.start = QPushButton(self.tr("Start session"))
        self.start.setProperty("role", "primary")
        cancel = QPushButton(self.tr("Cancel"))
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(cancel)
        buttons.addWidget(self.start)
        root.addWidget(self.title)
        root.addLayout(form)
        root.addWidget(self.message)
        root.addLayout(buttons)
        self.start.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self._result: tuple[str, Any] | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(50)
        self._poll.timeout.connect(self._collect)

    def _submit(self) -> None:
        if self._poll.isActive():
            return
        user, password = self.username.text(), self.password.text()
        self.start.setEnabled(False)
        self.message.setText(self.tr("Checking ..."))

        def work() -> None:
            try:
                self._result = ("ok", self.sign_in(user, password))
            except BadInputError as exc:
                self._result = ("refused", str(exc))
            except Exception as exc:  # the store itself failed: say so, never crash the kiosk
                self._result = ("refused", f"{type(exc).__name__}: {exc}")

        self._result = None
        threading.Thread(target=work, name="clerk-sign-in", daemon=True).start()
        self._poll.start()

    def _collect(self) -> None:
        if self._result is None:
            return
        self._poll.stop()
        outcome, value = self._result
        self.password.clear()
        self.start.setEnabled(True)
        if outcome == "ok":
            self.message.setText("")
            self.signed_in.emit(value)
            self.accept()
        else:
            self.message.setText(value)
