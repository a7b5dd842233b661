"""An on-screen keyboard for the document screen: letters and digits only (all an MRZ field can hold).

Keys never take the focus, so they type into whichever field has it; a physical keyboard works too.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLineEdit, QPushButton, QWidget

ROWS = ("1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")
BACKSPACE = "\u232b"


class TouchKeyboard(QWidget):
    """Types into ``target``; ``digits_only`` greys out the letters (date and CAN fields)."""

    typed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target: QLineEdit | None = None
        grid = QGridLayout(self)
        grid.setSpacing(8)
        self.keys: dict[str, QPushButton] = {}
        for r, row in enumerate(ROWS):
            for c, ch in enumerate(row):
                self._add(grid, ch, r, c)
        self._add(grid, BACKSPACE, 3, 7, span=3)

    def _add(self, grid: QGridLayout, ch: str, row: int, col: int, span: int = 1) -> None:
        key = QPushButton(ch)
        key.setProperty("role", "key")
        key.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        key.setAccessibleName("delete" if ch == BACKSPACE else ch)
        key.clicked.connect(lambda _=False, k=ch: self.press(k))
        grid.addWidget(key, row, col, 1, span)
        self.keys[ch] = key

    def set_digits_only(self, digits_only: bool) -> None:
        """Enable only digits (and delete) for numeric fields."""
        for ch, key in self.keys.items():
            key.setEnabled(not digits_only or ch.isdigit() or ch == BACKSPACE)

    def press(self, ch: str) -> None:
        """Type ``ch`` (or delete) into the target field."""
        if self.target is None:
            return
        if ch == BACKSPACE:
            self.target.backspace()
        else:
            self.target.insert(ch)
        self.typed.emit()
