"""The kiosk window: a header (language, cancel), one screen per workflow state, kiosk mode.

The window only renders the workflow's events and forwards the customer's taps as commands; a timer
applies the workflow's time limits. In kiosk mode it is full screen and frameless, refuses to close and
swallows Escape; Ctrl+Alt+O (or five taps on the top-left corner) opens the operator PIN pad, the only
way out.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QMainWindow, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from kiosk.errors import BadInputError
from kiosk.workflow.config import KioskConfig, check_pin
from kiosk.workflow.events import StateChanged
from kiosk.workflow.machine import State
from ui import theme
from ui.bridge import WorkflowBridge
from ui.i18n import LANGUAGE_NAMES, Languages
from ui.screens.attract import AttractScreen
from ui.screens.base import Screen, label
from ui.screens.chip import ChipScreen
from ui.screens.document import DocumentScreen
from ui.screens.face import FaceScreen
from ui.screens.processing import ProcessingScreen
from ui.screens.result import ResultScreen
from ui.screens.staff import StaffScreen
from ui.widgets.clerk_dialog import ClerkDialog
from ui.widgets.flash_overlay import FlashOverlay
from ui.widgets.pin_dialog import PinDialog

log = logging.getLogger(__name__)


class KioskWindow(QMainWindow):
    """The customer's window over ``workflow`` (a ``KioskWorkflow``), configured by ``config``."""

    def __init__(self, workflow: Any, config: KioskConfig, languages: Languages) -> None:
        super().__init__()
        self.workflow = workflow
        self.config = config
        self.languages = languages
        self.unlocked = not config.kiosk_mode.enabled
        self.bridge = WorkflowBridge(workflow, self)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        header.setContentsMargins(20, 12, 20, 0)
        self.corner = QPushButton("")  # the operator's corner: invisible, five taps open the PIN pad
        self.corner.setFlat(True)
        self.corner.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.corner.setStyleSheet("border: none; background: transparent; min-width: 60px;")
        self.corner.clicked.connect(self._corner_tap)
        self._corner_taps: list[float] = []
        self.mode_label = label(role="small", wrap=False)
        self.language = QPushButton()
        self.language.clicked.connect(self._next_language)
        self.cancel = QPushButton()
        self.cancel.clicked.connect(workflow.cancel)
        header.addWidget(self.corner)
        header.addWidget(self.mode_label)
        header.addStretch(1)
        header.addWidget(self.cancel)
        header.addWidget(self.language)
        outer.addLayout(header)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        ui = config.ui
        self.screens = {
            State.ATTRACT: AttractScreen(),
            State.DOCUMENT: DocumentScreen(workflow.devices.camera, getattr(workflow, "scanner", None) is not None),
            State.CHIP: ChipScreen(),
            State.FACE: FaceScreen(workflow.devices.camera, mirror=config.devices.mirror_preview),
            State.PROCESSING: ProcessingScreen(), State.RESULT: ResultScreen(assisted=ui.assisted),
            State.STAFF: StaffScreen(),
        }
        self.screens[State.CHALLENGE] = self.screens[State.FACE]
        for screen in dict.fromkeys(self.screens.values()):
            self.stack.addWidget(screen)
        self.flash = FlashOverlay(central)
        self._wire()
        self.tick = QTimer(self)
        self.tick.setInterval(200)
        self.tick.timeout.connect(workflow.tick)
        self.tick.start()
        QShortcut(QKeySequence("Ctrl+Alt+O"), self, activated=self.operator)
        self.apply_theme(ui.theme)
        self.languages.set(ui.language)
        self.retranslate()
        self.show_state(State.ATTRACT)

    # -- wiring --------------------------------------------------------------------------------------------

    def _wire(self) -> None:
        s = self.screens
        self.bridge.state_changed.connect(self.on_state)
        self.bridge.chip_progress.connect(s[State.CHIP].show_progress)
        self.bridge.chip_retry.connect(s[State.CHIP].show_retry)
        self.bridge.face_update.connect(s[State.FACE].show_update)
        self.bridge.result_ready.connect(s[State.RESULT].show_result)
        self.bridge.flash_requested.connect(lambda e: self.flash.play(e.sequence, self.workflow.flash_shown))
        s[State.ATTRACT].start_requested.connect(self._start)
        s[State.DOCUMENT].mrz_entered.connect(lambda n, b, e: self._submit(self.workflow.submit_mrz, n, b, e))
        s[State.DOCUMENT].can_entered.connect(lambda c: self._submit(self.workflow.submit_can, c))
        s[State.RESULT].done.connect(self.workflow.finish)

    def _start(self) -> None:
        if self.config.ui.assisted:
            self.clerk_sign_in()
        else:
            self.workflow.start()

    def clerk_sign_in(self) -> None:
        """Assisted mode: the clerk signs in; the session starts recorded under their name (four eyes)."""
        from functools import partial

        from kiosk.paths import default_data_dir
        from kiosk.workflow.clerk import sign_in_clerk

        data_dir = getattr(self.workflow, "data_dir", None) or default_data_dir()
        self.clerk_dialog = ClerkDialog(partial(sign_in_clerk, data_dir), self)
        self.clerk_dialog.signed_in.connect(lambda username: self.workflow.start(assisted_by=username))
        self.clerk_dialog.open()

    def _submit(self, command: Any, *fields: str) -> None:
        try:
            command(*fields)
        except BadInputError as exc:  # the screen validates as the customer types; this is the backstop
            self.screens[State.DOCUMENT].check.setText(str(exc))

    def on_state(self, event: StateChanged) -> None:
        """Show the screen of the new state."""
        previous = self.stack.currentWidget()
        screen = self.screens[event.state]
        if previous is not screen and isinstance(previous, Screen):
            previous.left()
        if event.state not in (State.FACE, State.CHALLENGE):
            self.flash.stop()
        screen.entered(event)
        self.show_state(event.state)

    def show_state(self, state: State) -> None:
        """Bring ``state``'s screen to the front."""
        self.stack.setCurrentWidget(self.screens[state])
        self.cancel.setVisible(state not in (State.ATTRACT, State.PROCESSING, State.RESULT, State.STAFF))

    # -- people ----------------------------------------------------------------------------------------------

    def apply_theme(self, name: str) -> None:
        """Use the 'standard' or 'high_contrast' theme at the window's current size."""
        self._theme = theme.palette(name)
        self.setStyleSheet(theme.stylesheet(self._theme, max(600, self.height())))
        self.screens[State.FACE].view.set_colours(self._theme.accent, self._theme.good)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.setStyleSheet(theme.stylesheet(self._theme, max(600, self.height())))
        if self.flash.isVisible():
            self.flash.setGeometry(self.flash.parentWidget().rect())

    def _following_language(self) -> str:
        """The language the language button switches to."""
        offered = list(self.config.ui.languages)
        current = self.languages.current
        return offered[(offered.index(current) + 1) % len(offered)] if current in offered else offered[0]

    def _next_language(self) -> None:
        self.set_language(self._following_language())
        self.workflow.activity()

    def set_language(self, language: str) -> None:
        """Switch every screen to ``language``."""
        self.languages.set(language)
        self.retranslate()
        for screen in dict.fromkeys(self.screens.values()):  # now, not when Qt's posted event arrives
            screen.retranslate()

    def retranslate(self) -> None:
        """Header texts (the screens follow the LanguageChange event themselves)."""
        self.setWindowTitle(self.tr("Identity check"))
        self.language.setText(LANGUAGE_NAMES[self._following_language()])
        self.language.setVisible(len(self.config.ui.languages) > 1)
        self.language.setAccessibleName(self.tr("Change language"))
        self.cancel.setText(self.tr("Cancel"))
        self.flash.text = self.tr("Keep looking at the screen") + "\n" + self.tr("It changes colour for a few seconds.")
        self.mode_label.setText(self.tr("Assisted mode: a clerk is with you") if self.config.ui.assisted else "")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # -- kiosk mode ------------------------------------------------------------------------------------------

    def enter_kiosk_mode(self) -> None:
        """Full screen, frameless, always on top."""
        self.setWindowFlags(Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowStaysOnTopHint)
        self.showFullScreen()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.unlocked:
            log.info("close refused: kiosk mode (operator PIN needed)")
            event.ignore()
            return
        self.tick.stop()
        self.bridge.detach()
        self.workflow.shutdown()
        event.accept()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if not self.unlocked and event.key() in (Qt.Key.Key_Escape, Qt.Key.Key_F4):
            event.accept()  # Escape and Alt+F4 do nothing in kiosk mode
            return
        super().keyPressEvent(event)

    def _corner_tap(self) -> None:
        now = time.monotonic()
        self._corner_taps = [t for t in self._corner_taps if now - t < 3.0] + [now]
        if len(self._corner_taps) >= 5:
            self._corner_taps = []
            self.operator()

    def operator(self) -> None:
        """The operator PIN pad; the right PIN leads to the review console's login, nothing more."""
        if self.unlocked:
            self.close()
            return
        km = self.config.kiosk_mode
        dialog = PinDialog(lambda pin: check_pin(pin, km.pin_hash), km.pin_attempts, km.pin_lock_s, self)
        if dialog.exec():
            log.info("operator PIN accepted: the review console's login is shown")
            self.open_console_login()

    def open_console_login(self) -> None:
        """The console's login screen over the kiosk. Only a successful login leaves kiosk mode (the kiosk
        closes, the console stays); closing the login returns to the locked kiosk."""
        from kiosk.paths import default_data_dir
        from ui.console.app import open_console_login

        data_dir = getattr(self.workflow, "data_dir", None) or default_data_dir()
        self.console = open_console_login(self, data_dir, self.languages.current)
        self.console.logged_in.connect(self._leave_for_console)

    def _leave_for_console(self, _username: str) -> None:
        self.unlocked = True
        log.info("kiosk mode left for the review console")
        self.close()


class ActivityFilter(QObject):
    """Any touch or key restarts the current screen's time limit (idle reset counts from the last one)."""

    def __init__(self, workflow: Any) -> None:
        super().__init__()
        self.workflow = workflow

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress, QEvent.Type.TouchBegin):
            self.workflow.activity()
        return False
