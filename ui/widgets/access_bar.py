"""The customer's controls that every screen shares, along the bottom edge (issue 26).

Reach rule: a seated customer reaches the lower two thirds of the screen, so every customer control sits
there (this bar at the bottom, the screens' own buttons below the top third; ``ui.reach`` measures it). The
"Listen" button is always the bottom-left corner, a place a customer who cannot see the screen finds by
touch (the attract screen says so, and F1 on a keypad does the same).

Left to right: Listen, larger text, more time, other ways (no flash, no head movement), I need help,
cancel, language. Which of them a screen shows is ``AccessBar.show_for``.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.workflow.machine import State
from ui.screens.base import card, label

_IN_SESSION = (State.DOCUMENT, State.CHIP, State.FACE, State.CHALLENGE)
# Screens with a time limit the customer lives with (processing's limit is a stuck worker's, not theirs).
_TIMED = (*_IN_SESSION, State.RESULT, State.STAFF)


def _button(name: str, role: str | None = None) -> QPushButton:
    b = QPushButton()
    b.setObjectName(name)
    if role:
        b.setProperty("role", role)
    b.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    return b


class AccessBar(QWidget):
    """The bottom row of shared controls; the window connects their ``clicked`` signals."""

    def __init__(self) -> None:
        super().__init__()
        self.listen = _button("listen", "primary")
        self.larger = _button("larger")
        self.more_time = _button("more_time")
        self.options = _button("options")
        self.help = _button("help")
        self.cancel = _button("cancel")
        self.language = _button("language")
        self.buttons = (self.listen, self.larger, self.more_time, self.options, self.help, self.cancel, self.language)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(16, 6, 16, 10)
        self.grid.setHorizontalSpacing(10)
        self.large = False
        self.state = State.ATTRACT
        self.language_offered = True
        self._wanted: dict[QPushButton, bool] = {}
        self.show_for(State.ATTRACT)

    def arrange(self, large: bool) -> None:
        """One row of the controls that show, or two when one would be wider than the window (large text,
        longer German words), so that every label is whole."""
        self.large = large
        shown = [b for b in self.buttons if self._wanted.get(b, True)]
        self._place(shown, len(shown))
        for b in self.buttons:  # after the layout took them: it would only show them later, on a posted event
            b.setVisible(b in shown)
        # Measured once shown: a hidden button's size hint does not yet follow the style sheet's font.
        window = self.window()
        available = window.width() if window is not self else 1280
        margins = self.grid.contentsMargins()
        wanted = (sum(b.sizeHint().width() for b in shown) + self.grid.horizontalSpacing() * (len(shown) - 1)
                  + margins.left() + margins.right())
        if wanted > available and len(shown) > 1:
            self._place(shown, -(-len(shown) // 2))

    def _place(self, shown: list[QPushButton], per_row: int) -> None:
        for b in self.buttons:
            self.grid.removeWidget(b)
        for k, b in enumerate(shown):
            self.grid.addWidget(b, k // per_row, k % per_row)

    def show_for(self, state: State) -> None:
        """Show the controls that do something on ``state``'s screen."""
        self.state = state
        self._wanted = {self.more_time: state in _TIMED, self.options: state in _IN_SESSION,
                        self.help: state in _IN_SESSION, self.cancel: state in _IN_SESSION,
                        self.language: self.language_offered}
        self.arrange(self.large)

    def retranslate(self) -> None:
        """Texts and accessible names in the current language."""
        self.listen.setText(self.tr("Listen"))
        self.listen.setAccessibleName(self.tr("Read the screen aloud"))
        self.larger.setText(self.tr("Larger text"))
        self.more_time.setText(self.tr("More time"))
        self.options.setText(self.tr("Other ways"))
        self.help.setText(self.tr("I need help"))
        self.cancel.setText(self.tr("Cancel"))


class OptionsPanel(QWidget):
    """The other ways through, over the screen: no flashing lights, no head movement (each once, then
    greyed out with what it changed), close."""

    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)  # covers the screen and the bar behind it
        outer = QVBoxLayout(self)
        outer.setContentsMargins(80, 40, 80, 20)
        outer.addStretch(1)
        frame, lay = card()
        self.title = label(role="title")
        self.body = label(role="subtitle")
        self.no_flash = _button("no_flash")
        self.no_head = _button("no_head")
        self.close_button = _button("close_options", "primary")
        self.close_button.clicked.connect(self.closed)
        row = QVBoxLayout()  # one above the other: side by side they would not fit in large German text
        row.addWidget(self.no_flash)
        row.addWidget(self.no_head)
        lay.addWidget(self.title)
        lay.addWidget(self.body)
        lay.addLayout(row)
        lay.addWidget(self.close_button, alignment=Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(frame)
        self.hide()

    def retranslate(self) -> None:
        """Texts in the current language."""
        self.title.setText(self.tr("Other ways to check your face"))
        self.body.setText(self.tr("A member of staff will look at your check afterwards. Nothing else changes."))
        self.no_flash.setText(self.tr("No flashing colours") if self.no_flash.isEnabled()
                              else self.tr("Flashing colours are off"))
        self.no_head.setText(self.tr("I cannot move my head") if self.no_head.isEnabled()
                             else self.tr("No head movement needed"))
        self.close_button.setText(self.tr("Close"))

    def reset(self) -> None:
        """A new session: both choices offered again."""
        self.no_flash.setEnabled(True)
        self.no_head.setEnabled(True)
        self.retranslate()
