"""The admin screen: operator accounts (create, disable, reset password, unlock)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.screens.base import label

LEFT = Qt.AlignmentFlag.AlignLeft


class AdminScreen(QWidget):
    """``action_requested(action, username, role, password)``; action is create, disable, reset or unlock."""

    action_requested = Signal(str, str, str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = label(role="title", align=LEFT)
        self.hint = label(role="subtitle", align=LEFT)
        self.table = QTableWidget(0, 4)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.username, self.password = QLineEdit(), QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.role = QComboBox()
        for role in ("operator", "supervisor", "admin"):
            self.role.addItem(role, role)
        self.create, self.disable, self.reset, self.unlock = (QPushButton() for _ in range(4))
        self.create.setProperty("role", "primary")
        self.create.clicked.connect(lambda: self._emit("create", self.username.text().strip()))
        self.disable.clicked.connect(lambda: self._emit("disable", self.selected()))
        self.reset.clicked.connect(lambda: self._emit("reset", self.selected()))
        self.unlock.clicked.connect(lambda: self._emit("unlock", self.selected()))
        self.message = label(role="error", align=LEFT)
        form = QHBoxLayout()
        for w, stretch in ((self.username, 2), (self.role, 1), (self.password, 2), (self.create, 0)):
            form.addWidget(w, stretch)
        buttons = QHBoxLayout()
        for w in (self.disable, self.reset, self.unlock):
            buttons.addWidget(w)
        buttons.addStretch(1)
        root = QVBoxLayout(self)
        root.addWidget(self.title)
        root.addWidget(self.hint)
        root.addWidget(self.table, 1)
        root.addLayout(buttons)
        root.addLayout(form)
        root.addWidget(self.message)
        self.retranslate()

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.title.setText(self.tr("Operator accounts"))
        self.hint.setText(self.tr("Select an account for disable, reset or unlock; the password field sets the "
                                  "new password. Every change is audited."))
        self.table.setHorizontalHeaderLabels([self.tr("User name"), self.tr("Role"), self.tr("Status"),
                                              self.tr("Locked until (UTC)")])
        self.username.setPlaceholderText(self.tr("new user name"))
        self.password.setPlaceholderText(self.tr("password (at least 12 characters)"))
        self.create.setText(self.tr("Create account"))
        self.disable.setText(self.tr("Disable"))
        self.reset.setText(self.tr("Reset password"))
        self.unlock.setText(self.tr("Unlock"))

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def selected(self) -> str:
        """The selected account's user name ('' when none)."""
        item = self.table.item(self.table.currentRow(), 0) if self.table.currentRow() >= 0 else None
        return item.text() if item is not None else ""

    def _emit(self, action: str, username: str) -> None:
        if not username:
            self.message.setText(self.tr("Choose an account first.") if action != "create"
                                 else self.tr("Enter a user name."))
            return
        self.message.setText("")
        self.action_requested.emit(action, username, self.role.currentData(), self.password.text())
        self.password.clear()

    def show_accounts(self, accounts: list[Any], now: dt.datetime | None = None) -> None:
        """Fill the table (``OperatorInfo`` list)."""
        now = now or dt.datetime.now(dt.timezone.utc)
        self.table.setRowCount(len(accounts))
        for r, a in enumerate(accounts):
            locked = a.locked_until is not None and a.locked_until > now
            # An account whose row fails its seal cannot log in whatever its flags say: say so first.
            status = (self.tr("tampered: restore it with 'kiosk operator restore'") if getattr(a, "problem", None)
                      else self.tr("disabled") if a.disabled else self.tr("locked") if locked else self.tr("active"))
            for c, text in enumerate((a.username, a.role, status,
                                      f"{a.locked_until:%Y-%m-%d %H:%M}" if locked else "")):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def show_error(self, text: str) -> None:
        """Say why the last action failed."""
        self.message.setText(text)
