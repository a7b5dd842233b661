"""The kiosk window: a header (language, cancel), one screen per workflow state, kiosk mode.

The window only renders the workflow's events and forwards the customer's taps as commands; a timer
applies the workflow's time limits. The customer's shared controls (listen, larger text, more time, other
ways, help, cancel, language) sit in a bar along the bottom edge, within a seated customer's reach
(``ui.widgets.access_bar``); speech runs on its own thread (``kiosk.speech``), never the GUI's. In kiosk mode it is full screen and frameless, refuses to close and
swallows Escape; Ctrl+Alt+O (or five taps on the top-left corner) opens the operator PIN pad, the only
way out.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from kiosk.errors import BadInputError
from kiosk.workflow.config import KioskConfig, check_pin
from kiosk.workflow.events import AccessChanged, StateChanged
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
from ui.speech import ScreenReader
from ui.widgets.access_bar import AccessBar, OptionsPanel
from ui.widgets.clerk_dialog import ClerkDialog
from ui.widgets.flash_overlay import FlashOverlay
from ui.widgets.pin_dialog import PinDialog

log = logging.getLogger(__name__)


class KioskWindow(QMainWindow):
    """The customer's window over ``workflow`` (a ``KioskWorkflow``), configured by ``config``."""

    def __init__(self, workflow: Any, config: KioskConfig, languages: Languages, speaker: Any = None) -> None:
        super().__init__()
        self.workflow = workflow
        self.config = config
        self.languages = languages
        self.unlocked = not config.kiosk_mode.enabled
        self.bridge = WorkflowBridge(workflow, self)
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        # The operator's corner: invisible, five taps open the PIN pad. Not in a layout (it takes no room from the
        # customer's screens); kept at the top-left corner by resizeEvent.
        self.corner = QPushButton("", central)
        self.corner.setFlat(True)
        self.corner.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.corner.setStyleSheet("border: none; background: transparent; min-width: 60px; min-height: 60px;")
        self.corner.setGeometry(0, 0, 60, 60)
        self.corner.clicked.connect(self._corner_tap)
        self._corner_taps: list[float] = []
        self.mode_label = label(role="subtitle")  # assisted mode, or what the customer's choices changed
        self.bar = AccessBar()
        self.language = self.bar.language
        self.language.clicked.connect(self._next_language)
        self.cancel = self.bar.cancel
        self.cancel.clicked.connect(workflow.cancel)
        self.bar.more_time.clicked.connect(self._more_time)
        self.bar.help.clicked.connect(self._help)
        self.bar.larger.clicked.connect(lambda: self.set_large_text(not self.large_text))
        self.bar.listen.clicked.connect(self.toggle_speech)
        self.stack = QStackedWidget()
        outer.addWidget(self.stack, 1)
        outer.addWidget(self.mode_label)
        outer.addWidget(self.bar)
        self.setCentralWidget(central)
        self.large_text = config.ui.large_text
        self.reader = ScreenReader(self, speaker)
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
        self.options = OptionsPanel(central)
        self.options.closed.connect(self.options.hide)
        self.options.no_flash.clicked.connect(self._decline_flash)
        self.options.no_head.clicked.connect(self._no_head_movement)
        self.bar.options.clicked.connect(self._show_options)
        self._wire()
        self.tick = QTimer(self)
        self.tick.setInterval(200)
        self.tick.timeout.connect(workflow.tick)
        self.tick.start()
        QShortcut(QKeySequence("Ctrl+Alt+O"), self, activated=self.operator)
        QShortcut(QKeySequence(Qt.Key.Key_F1), self, activated=self.toggle_speech)  # a keypad's audio key
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
        self.bridge.access_changed.connect(self.on_access)
        self.bridge.face_update.connect(self.reader.face_update)
        self.bridge.result_ready.connect(lambda _e: self.reader.screen_changed())
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
        if screen is not previous or event.state is State.CHALLENGE:
            self.options.hide()  # its choices belong to the screen it was opened on
        if event.state is State.ATTRACT:
            self.options.reset()
            self._set_mode_text(self._mode_text())
            self.set_large_text(self.config.ui.large_text)
        screen.entered(event)
        self.show_state(event.state)
        self.reader.screen_changed()

    def show_state(self, state: State) -> None:
        """Bring ``state``'s screen to the front."""
        self.stack.setCurrentWidget(self.screens[state])
        self.bar.show_for(state)

    # -- the accessible paths (issue 26) -------------------------------------------------------------------

    def _more_time(self) -> None:
        self.workflow.more_time()

    def _help(self) -> None:
        self.workflow.request_help()

    def _decline_flash(self) -> None:
        self.flash.stop()
        self.workflow.decline_flash()

    def _no_head_movement(self) -> None:
        self.workflow.avoid_head_movement()

    def _show_options(self) -> None:
        self.options.retranslate()
        self.options.setGeometry(self.options.parentWidget().rect())
        self.options.show()
        self.options.raise_()
        self.reader.speak_widget(self.options, interrupt=True)

    def on_access(self, event: AccessChanged) -> None:
        """Show (and say) what the customer's choice changed."""
        self.options.no_flash.setEnabled(not event.flash_declined)
        self.options.no_head.setEnabled(not event.head_free_challenge)
        self.options.retranslate()
        notes = []
        if event.help_requested:
            notes.append(self.tr("Help is on its way: a member of staff will come to you."))
        if event.time_factor > 1:
            notes.append(self.tr("You have more time now."))
        if event.flash_declined:
            notes.append(self.tr("No flashing colours."))
        if event.head_free_challenge:
            notes.append(self.tr("No head movement needed."))
        self._set_mode_text(" ".join(notes) or self._mode_text())
        self.reader.say(self.mode_label.text())

    def _set_mode_text(self, text: str) -> None:
        self.mode_label.setText(text)
        self.mode_label.setVisible(bool(text))  # an empty line would take room from the screens

    def _mode_text(self) -> str:
        return self.tr("Assisted mode: a clerk is with you") if self.config.ui.assisted else ""

    def set_large_text(self, on: bool) -> None:
        """Large text (150%): every font and control grows; the bar takes two rows so that all still fits."""
        self.large_text = on
        self.bar.arrange(on)
        self.setStyleSheet(theme.stylesheet(self._theme, max(600, self.height()), self._text_scale()))
        self.bar.larger.setText(self.tr("Normal text") if on else self.tr("Larger text"))

    def _text_scale(self) -> float:
        return theme.LARGE_TEXT_SCALE if self.large_text else 1.0

    def speech_on_text(self) -> str:
        """What the kiosk says when the customer turns speech on."""
        return self.tr("Speech is on. The Listen button in the bottom left corner turns it off.")

    def toggle_speech(self) -> None:
        """The customer's audio button: speech on (the current screen is read at once) or off."""
        self.reader.set_enabled(not self.reader.enabled)

    # -- people ----------------------------------------------------------------------------------------------

    def apply_theme(self, name: str) -> None:
        """Use the 'standard' or 'high_contrast' theme at the window's current size."""
        self._theme = theme.palette(name)
        self.setStyleSheet(theme.stylesheet(self._theme, max(600, self.height()), self._text_scale()))
        self.screens[State.FACE].view.set_colours(self._theme.accent, self._theme.good)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self.setStyleSheet(theme.stylesheet(self._theme, max(600, self.height()), self._text_scale()))
        if self.flash.isVisible():
            self.flash.setGeometry(self.flash.parentWidget().rect())
        if self.options.isVisible():
            self.options.setGeometry(self.options.parentWidget().rect())
        self.bar.arrange(self.large_text)
        self.corner.raise_()

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
        self.bar.language_offered = len(self.config.ui.languages) > 1
        self.bar.show_for(self.bar.state)
        self.language.setAccessibleName(self.tr("Change language"))
        self.bar.retranslate()
        self.bar.larger.setText(self.tr("Normal text") if self.large_text else self.tr("Larger text"))
        self.options.retranslate()
        self.flash.text = self.tr("Keep looking at the screen") + "\n" + self.tr("It changes colour for a few seconds.")
        self._set_mode_text(self._mode_text())

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
        self.reader.close()
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
