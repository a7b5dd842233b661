"""The console window: header (operator, screens, language, log out), one stacked screen at a time.

Every console call goes through ``ConsoleWorker`` (database, decryption and decoding off the GUI
thread). Any key or click restarts the idle time; a 1 s timer asks the worker whether the session has
been idle too long and shows the lock screen when it has.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QMainWindow, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from kiosk.console import Console, ConsoleLockedError, Permission, QueueFilter
from kiosk.errors import UserFacingError
from storage.errors import StorageError
from ui.console.admin import AdminScreen
from ui.console.calibration import CalibrationScreen
from ui.console.case import CaseScreen
from ui.console.login import LoginScreen
from ui.console.queue import QueueScreen
from ui.console.report import ReportScreen
from ui.console.style import console_stylesheet
from ui.console.worker import ConsoleWorker
from ui.screens.base import label

log = logging.getLogger(__name__)


class ConsoleWindow(QMainWindow):
    """The review console over ``console``; ``logged_in(username)`` after each successful login."""

    logged_in = Signal(str)
    closed = Signal()

    def __init__(self, console: Console, languages: Any = None, calibration: Any = None) -> None:
        super().__init__()
        self.console = console
        self.calibration = calibration  # a kiosk.console.calibration.CalibrationDesk (the console on a kiosk)
        self.languages = languages
        self.worker = ConsoleWorker(self)
        self.supervisor = False
        central = QWidget()
        root = QVBoxLayout(central)
        header = QHBoxLayout()
        self.title = label(role="heading", wrap=False)
        self.who = label(role="small", wrap=False)
        self.busy = label(role="small", wrap=False)
        self.nav_queue, self.nav_report, self.nav_admin = QPushButton(), QPushButton(), QPushButton()
        self.nav_calibration = QPushButton()
        self.language, self.logout_button = QPushButton(), QPushButton()
        header.addWidget(self.title)
        header.addWidget(self.who)
        header.addStretch(1)
        header.addWidget(self.busy)
        for b in (self.nav_queue, self.nav_report, self.nav_admin, self.nav_calibration, self.language,
                  self.logout_button):
            b.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            header.addWidget(b)
        root.addLayout(header)
        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.login, self.queue, self.case = LoginScreen(), QueueScreen(), CaseScreen()
        self.report, self.admin, self.calibration_screen = ReportScreen(), AdminScreen(), CalibrationScreen()
        for w in (self.login, self.queue, self.case, self.report, self.admin, self.calibration_screen):
            self.stack.addWidget(w)
        self._wire()
        self.idle = QTimer(self)
        self.idle.setInterval(1000)
        self.idle.timeout.connect(self._check_idle)
        self.idle.start()
        self.setStyleSheet(console_stylesheet())
        self.retranslate()
        self._show_logged_out()

    # -- wiring --------------------------------------------------------------------------------------------
    def _wire(self) -> None:
        self.worker.busy_changed.connect(lambda busy: self.busy.setText(self.tr("working\u2026") if busy else ""))
        self.login.login_requested.connect(self._login)
        self.queue.query_requested.connect(self._query)
        self.queue.open_requested.connect(self.open_case)
        self.case.review_requested.connect(self._review)
        self.case.reopen_requested.connect(self._reopen)
        self.case.export_requested.connect(self._export)
        self.case.chip_check_requested.connect(
            lambda sid: self._call(self.console.check_chip_evidence, sid, done=self.case.show_chip_check,
                                   shown_on=self.case))
        self.case.back_requested.connect(self.show_queue)
        self.report.refresh_requested.connect(self.show_report)
        self.report.open_requested.connect(self.open_case)
        self.admin.action_requested.connect(self._admin_action)
        self.nav_queue.clicked.connect(self.show_queue)
        self.nav_report.clicked.connect(self.show_report)
        self.nav_admin.clicked.connect(self.show_admin)
        self.nav_calibration.clicked.connect(self.show_calibration)
        self.calibration_screen.start_requested.connect(self._calibration_start)
        self.calibration_screen.capture_requested.connect(self._calibration_capture)
        self.calibration_screen.evaluate_requested.connect(self._calibration_evaluate)
        self.logout_button.clicked.connect(self.logout)
        self.language.clicked.connect(self._next_language)

    def _call(self, fn: Any, *args: Any, done: Any = None, shown_on: Any = None) -> None:
        """Run a console call on the worker; errors go to ``shown_on.show_error`` (or lock the console)."""
        def failed(exc: BaseException) -> None:
            if isinstance(exc, ConsoleLockedError):
                self._show_locked()
            elif isinstance(exc, (UserFacingError, StorageError)):
                (shown_on or self.queue).show_error(str(exc))
            else:
                log.error("console action failed: %r", exc)
                (shown_on or self.queue).show_error(self.tr("The action failed; details are in the log."))
        self.worker.run(fn, *args, done=done, failed=failed)

    # -- login and lock ------------------------------------------------------------------------------------
    def _login(self, username: str, password: str) -> None:
        self.worker.run(self.console.login, username, password, done=self._logged_in,
                        failed=lambda exc: self.login.failed(str(exc) if isinstance(exc, (UserFacingError, StorageError))
                                                             else self.tr("Login failed; details are in the log.")))

    def _logged_in(self, info: Any) -> None:
        self.supervisor = self.console.session.may(Permission.OVERSEE)  # reopen and export buttons
        self.who.setText(self.tr("{0} ({1})").format(info.username, self.tr(info.role)))
        may = self.console.session.may
        self.nav_queue.setVisible(may(Permission.REVIEW))
        self.nav_report.setVisible(may(Permission.SUPERVISE))
        self.nav_admin.setVisible(may(Permission.ADMINISTER))
        self.nav_calibration.setVisible(may(Permission.ADMINISTER) and self.calibration is not None)
        self.logout_button.setVisible(True)
        self.logged_in.emit(info.username)
        if may(Permission.REVIEW):
            self._call(self.console.filter_choices, done=lambda kv: self.queue.set_choices(*kv))
            self.show_queue()
        elif may(Permission.SUPERVISE):
            self.show_report()
        if may(Permission.ADMINISTER) and not may(Permission.REVIEW):
            self.show_admin()

    def logout(self) -> None:
        """Log out (audited) and show the login screen (the calibration camera, if open, is released)."""
        if self.calibration is not None:
            self.worker.run(self.calibration.stop)
        self.worker.run(self.console.logout, done=lambda _: self._show_logged_out())

    def _show_logged_out(self) -> None:
        for b in (self.nav_queue, self.nav_report, self.nav_admin, self.nav_calibration, self.logout_button):
            b.setVisible(False)
        self.who.setText("")
        self.case.case = None  # nothing of the last case stays on a hidden screen
        self.login.reset()
        self.stack.setCurrentWidget(self.login)

    def _show_locked(self) -> None:
        op = self.console.session.operator
        self.case.case = None
        self.login.reset(locked_for=op.username if op else None)
        self.stack.setCurrentWidget(self.login)

    def _check_idle(self) -> None:
        s = self.console.session
        if s.idle_expired() and self.worker.pending == 0:  # the lock itself writes an audit event: worker
            self.worker.run(s.check_idle, done=lambda locked: locked and self._show_locked())

    def now(self) -> Any:
        """The storage's clock (memory only): waiting times and lockouts read as storage wrote them."""
        return self.console.storage.clock.now()

    def activity(self) -> None:
        """A key or click: restart the idle time (memory only; no database)."""
        self.console.session.touch()

    # -- screens -------------------------------------------------------------------------------------------
    def show_queue(self) -> None:
        """The queue screen, reloaded."""
        self.stack.setCurrentWidget(self.queue)
        self.queue.request(self.queue.page.page if self.queue.page else 0)

    def _query(self, mode: str, f: QueueFilter, page: int) -> None:
        fn = self.console.queue if mode == "queue" else self.console.search
        self._call(fn, f, page, done=lambda p: self.queue.show_page(p, self.now()))

    def open_case(self, session_id: str) -> None:
        """Load the case on the worker, then show it."""
        def shown(case: Any) -> None:
            self.case.show_case(case, self.supervisor, self.now())
            self.stack.setCurrentWidget(self.case)
        # Refusals (an admin opening a case from the report) show on the screen the request came from.
        here = self.stack.currentWidget()
        self._call(self.console.open_case, session_id, done=shown,
                   shown_on=here if hasattr(here, "show_error") else None)

    def _review(self, session_id: str, verdict: str, note: str) -> None:
        fn = self.console.approve if verdict == "accept" else self.console.reject
        self._call(fn, session_id, note, done=lambda _: (self.case.note.clear(), self.show_queue()), shown_on=self.case)

    def _reopen(self, session_id: str, note: str) -> None:
        self._call(self.console.reopen, session_id, note,
                   done=lambda _: (self.case.note.clear(), self.open_case(session_id)), shown_on=self.case)

    def choose_export_path(self, session_id: str) -> Path | None:
        """Where to write the export (a save dialog; tests replace this)."""
        name, _ = QFileDialog.getSaveFileName(self, self.tr("Export case"), f"case-{session_id[:12]}.html", "HTML (*.html)")
        return Path(name) if name else None

    def _export(self, session_id: str, with_images: bool) -> None:
        path = self.choose_export_path(session_id)
        if path is not None:
            self._call(self.console.export_case, session_id, path, with_images, shown_on=self.case,
                       done=lambda p: self.case.show_message(self.tr("Exported to {0}").format(p), good=True))

    def show_report(self) -> None:
        """The supervisor's report, reviews and audit trail (three calls on the worker)."""
        self.stack.setCurrentWidget(self.report)
        self._call(self.console.report, done=self.report.show_report, shown_on=self.report)
        self._call(self.console.reviews, done=self.report.show_reviews, shown_on=self.report)
        self._call(self.console.audit_trail, done=lambda r: self.report.show_audit(*r), shown_on=self.report)

    def show_admin(self) -> None:
        """The accounts screen."""
        self.stack.setCurrentWidget(self.admin)
        self._call(self.console.accounts, done=lambda a: self.admin.show_accounts(a, self.now()), shown_on=self.admin)

    def _admin_action(self, action: str, username: str, role: str, password: str) -> None:
        c = self.console
        fn, args = {"create": (c.create_account, (username, role, password)), "disable": (c.disable_account, (username,)),
                    "reset": (c.reset_password, (username, password)), "unlock": (c.unlock_account, (username,))}[action]
        self._call(fn, *args, done=lambda _: self.show_admin(), shown_on=self.admin)

    def show_calibration(self) -> None:
        """The liveness calibration screen (admin only; the desk checks the permission on every step)."""
        self.stack.setCurrentWidget(self.calibration_screen)

    def _calibration_start(self, plan: Any, restart: bool) -> None:
        self.calibration_screen.busy(self.tr("opening the camera and loading the models\u2026"))
        self._call(self.calibration.start, plan, restart, done=self.calibration_screen.show_status,
                   shown_on=self.calibration_screen)

    def _calibration_capture(self) -> None:
        self.calibration_screen.busy(self.tr("capturing\u2026"))
        self._call(self.calibration.capture, done=self.calibration_screen.show_status, shown_on=self.calibration_screen)

    def _calibration_evaluate(self) -> None:
        self.calibration_screen.busy(self.tr("training and testing\u2026"))
        self._call(self.calibration.evaluate, done=self.calibration_screen.show_report, shown_on=self.calibration_screen)

    # -- language ------------------------------------------------------------------------------------------
    def retranslate(self) -> None:
        """Header texts."""
        self.title.setText(self.tr("Operator review"))
        self.setWindowTitle(self.title.text())
        self.nav_queue.setText(self.tr("Queue"))
        self.nav_report.setText(self.tr("Report and audit"))
        self.nav_admin.setText(self.tr("Accounts"))
        self.nav_calibration.setText(self.tr("Liveness calibration"))
        self.logout_button.setText(self.tr("Log out"))
        self.language.setText("Deutsch" if self.languages is None or self.languages.current == "en" else "English")
        self.language.setVisible(self.languages is not None)

    def _next_language(self) -> None:
        if self.languages is not None:
            self.languages.set("de" if self.languages.current == "en" else "en")

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def closeEvent(self, event: Any) -> None:  # noqa: N802 - Qt's name
        if self.worker.closed:
            event.accept()
            return
        self.idle.stop()
        if self.calibration is not None:
            self.worker.run(self.calibration.stop)  # the camera is released on the worker, after any burst
        self.worker.run(self.console.logout)
        self.worker.shutdown()
        self.worker.drain()
        event.accept()
        self.closed.emit()


class ConsoleActivity(QObject):
    """Any key or click in the application restarts the console's idle time."""

    def __init__(self, window: ConsoleWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.KeyPress):
            self.window.activity()
        return False
