"""The console's login screen (also the lock screen after idle time)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ui.screens.base import label


class LoginScreen(QWidget):
    """User name and password; ``login_requested(user, password)`` when submitted."""

    login_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.locked_for: str | None = None
        card = QFrame()
        card.setProperty("role", "card")
        card.setFixedWidth(640)
        box = QVBoxLayout(card)
        box.setContentsMargins(40, 32, 40, 32)
        box.setSpacing(14)
        self.title = label(role="title")
        self.subtitle = label(role="subtitle")
        self.user = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = label(role="error")
        self.submit = QPushButton()
        self.submit.setProperty("role", "primary")
        self.submit.clicked.connect(self._submit)
        self.password.returnPressed.connect(self._submit)
        self.user.returnPressed.connect(self.password.setFocus)
        for w in (self.title, self.subtitle, self.user, self.password, self.message, self.submit):
            box.addWidget(w)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(card, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)
        self.retranslate()

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.title.setText(self.tr("Operator review"))
        self.subtitle.setText(self.tr("Locked after idle time: {0}, enter your password.").format(self.locked_for)
                              if self.locked_for else self.tr("Log in with your operator account."))
        self.user.setPlaceholderText(self.tr("User name"))
        self.password.setPlaceholderText(self.tr("Password"))
        self.submit.setText(self.tr("Log in"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def reset(self, locked_for: str | None = None, message: str = "") -> None:
        """Empty form (or the lock screen of ``locked_for``) with ``message``."""
        self.locked_for = locked_for
        self.user.setText(locked_for or "")
        self.user.setReadOnly(False)
        self.password.clear()
        self.message.setText(message)
        self.submit.setEnabled(True)
        self.retranslate()
        (self.password if locked_for else self.user).setFocus()

    def failed(self, message: str) -> None:
        """Show why the login failed."""
        self.password.clear()
        self.message.setText(message)
        self.submit.setEnabled(True)

    def _submit(self) -> None:
        if not self.user.text().strip() or not self.password.text():
            self.message.setText(self.tr("Enter your user name and password."))
            return
        self.submit.setEnabled(False)
        self.message.setText("")
        self.login_requested.emit(self.user.text().strip(), self.password.text())
