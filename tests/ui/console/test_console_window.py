"""The console window end to end on the offscreen platform: log in, the queue, approve one case and
reject another with notes (keyboard and confirmation), roles, lockout, and the kiosk's PIN leading to
the login only."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

from kiosk.cli import main
from kiosk.workflow.config import KioskConfig, KioskModeConfig, hash_pin
from ui.widgets.pin_dialog import PinDialog

from console_ui_helpers import PASSWORD, login


def _idle(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.worker.pending == 0, timeout=10000)


def test_login_queue_approve_and_reject_stored_and_audited(qtbot, window, store) -> None:
    login(qtbot, window, "olga")
    assert window.stack.currentWidget() is window.queue
    qtbot.waitUntil(lambda: window.queue.table.rowCount() == 2, timeout=10000)
    assert "2 cases waiting" in window.queue.count.text()
    assert not window.nav_admin.isVisible() and not window.nav_report.isVisible()
    first = window.queue.table.item(0, 0).data(Qt.ItemDataRole.UserRole)
    window.queue.open_button.click()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.case, timeout=10000)
    case = window.case
    assert case.case.summary.session_id == first and case.dg2.has_image() and case.live.has_image()
    assert case.band.score is not None and case.band.review < case.band.score < case.band.accept
    qtbot.keyClick(case, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)  # no note yet: refused with a message
    assert case.pending_verdict is None and "note" in case.message.text().lower()
    case.note.setText("compared ears and chin line: same person")
    qtbot.keyClick(case, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert case.pending_verdict == "accept" and case.confirm.isVisible()
    qtbot.keyClick(case.confirm, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.queue and window.queue.table.rowCount() == 1,
                    timeout=10000)
    window.queue.open_button.click()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.case and case.case.summary.session_id != first,
                    timeout=10000)
    second = case.case.summary.session_id
    case.note.setText("different nose shape, older person")
    case.reject.click()
    case.confirm.click()
    qtbot.waitUntil(lambda: window.queue.table.rowCount() == 0 and window.worker.pending == 0, timeout=10000)
    reviewed = {s.session_id: s.final_outcome for s in store.decisions.list_sessions(review_state="reviewed")}
    assert reviewed == {first: "accept", second: "reject"}
    assert [(r.operator, r.note) for r in store.decisions.load_session(second, "test").reviews] == \
        [("olga", "different nose shape, older person")]
    # A second review of the same case: the case view offers no buttons, and storage refuses it anyway.
    window.open_case(first)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.case and case.case.summary.session_id == first,
                    timeout=10000)
    assert not case.approve.isEnabled() and not case.reject.isEnabled()
    window._review(first, "reject", "trying to change it afterwards")
    qtbot.waitUntil(lambda: "already reviewed" in case.message.text(), timeout=10000)
    kinds = [e.kind for e in store.audit.events()]
    assert kinds.count("review") == 2 and "login_ok" in kinds and "session_viewed" in kinds
    assert main(["audit", "verify", "--data-dir", str(store.data_dir)]) == 0


def test_wrong_passwords_lock_and_an_operator_cannot_reach_admin(qtbot, window, store) -> None:
    for _ in range(5):
        login(qtbot, window, "olga", "wrong password!")
    assert "locked" in window.login.message.text()
    login(qtbot, window, "olga")
    assert window.stack.currentWidget() is window.login and "locked" in window.login.message.text()
    login(qtbot, window, "sam")
    assert window.nav_report.isVisible() and not window.nav_admin.isVisible()
    window.show_admin()  # even forced, the console refuses
    qtbot.waitUntil(lambda: "may not" in window.admin.message.text(), timeout=10000)
    assert window.admin.table.rowCount() == 0
    window.logout()
    _idle(qtbot, window)
    login(qtbot, window, "ada")
    assert window.stack.currentWidget() is window.admin and window.nav_admin.isVisible()
    qtbot.waitUntil(lambda: window.admin.table.rowCount() == 3, timeout=10000)
    row = next(r for r in range(3) if window.admin.table.item(r, 0).text() == "olga")
    assert window.admin.table.item(row, 2).text() == "locked"
    window.admin.table.selectRow(row)
    window.admin.unlock.click()
    qtbot.waitUntil(lambda: window.worker.pending == 0 and window.admin.table.rowCount() == 3
                    and any(window.admin.table.item(r, 2).text() == "active" for r in range(3)
                            if window.admin.table.item(r, 0).text() == "olga"), timeout=10000)
    assert store.operators.get("olga").locked_until is None


def test_idle_lock_shows_the_lock_screen(qtbot, window, store) -> None:
    login(qtbot, window, "olga")
    _idle(qtbot, window)
    window.console.session.idle_lock_s = 0.01
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.login, timeout=5000)
    assert window.login.locked_for == "olga" and window.case.case is None
    assert "console_locked" in [e.kind for e in store.audit.events()]


def test_the_kiosk_pin_leads_to_the_console_login_only(make_window, qtbot, store) -> None:
    from ui.console.window import ConsoleWindow

    config = KioskConfig(kiosk_mode=KioskModeConfig(enabled=True, pin_hash=hash_pin("2468"), pin_attempts=3))
    kiosk, fake = make_window(config)
    fake.data_dir = store.data_dir
    PinDialog.failures, PinDialog.locked_until = 0, 0.0

    def answer(pin: str) -> None:
        dialog = next(d for d in kiosk.findChildren(PinDialog) if d.isVisible())
        dialog.pin.setText(pin)
        dialog._submit()
        if pin != "2468":
            dialog.reject()
    QTimer.singleShot(50, lambda: answer("1111"))
    kiosk.operator()
    assert getattr(kiosk, "console", None) is None and kiosk.isVisible()  # wrong PIN: nothing opens
    QTimer.singleShot(50, lambda: answer("2468"))
    kiosk.operator()
    console = kiosk.console
    qtbot.addWidget(console)
    assert isinstance(console, ConsoleWindow) and console.stack.currentWidget() is console.login
    assert console.console.session.operator is None and kiosk.isVisible() and not kiosk.unlocked
    login(qtbot, console, "olga", "not her password")
    assert kiosk.isVisible() and console.stack.currentWidget() is console.login  # the PIN alone is not enough
    login(qtbot, console, "olga", PASSWORD)
    qtbot.waitUntil(lambda: not kiosk.isVisible(), timeout=10000)
    assert kiosk.unlocked and console.stack.currentWidget() is console.queue
    console.close()
    console.storage.close()


def test_supervisor_reopens_from_the_reviews_and_exports_the_case(qtbot, window, store, tmp_path) -> None:
    sid = store.decisions.pending_reviews()[0].session_id
    store.decisions.record_review(sid, "olga", "accept", "looked fine to me")
    login(qtbot, window, "sam")
    window.show_report()
    qtbot.waitUntil(lambda: window.report.reviews.rowCount() == 1 and window.worker.pending == 0, timeout=10000)
    assert "Intact" in window.report.audit_status.text()
    window.report.open_requested.emit(window.report.reviews.item(0, 0).data(Qt.ItemDataRole.UserRole))
    case = window.case
    qtbot.waitUntil(lambda: window.stack.currentWidget() is case and case.case is not None, timeout=10000)
    assert case.reopen.isEnabled() and not case.approve.isEnabled() and case.export.isVisible()
    window.choose_export_path = lambda _sid: tmp_path / "case.html"
    case.export.click()
    qtbot.waitUntil(lambda: "Exported to" in case.message.text(), timeout=10000)
    assert sid in (tmp_path / "case.html").read_text() and "<img" not in (tmp_path / "case.html").read_text()
    case.note.setText("the note does not say what was compared")
    case.reopen.click()
    qtbot.waitUntil(lambda: window.worker.pending == 0 and case.case.summary.review_state == "pending", timeout=10000)
    assert case.approve.isEnabled() and not case.reopen.isEnabled()
    assert [r.verdict for r in store.decisions.load_session(sid, "test").reviews] == ["accept", "reopen"]
    assert [e.details for e in store.audit.events() if e.kind == "case_exported"] == [{"format": "html", "images": False}]


def test_the_console_fits_a_1280x800_screen(qtbot, window) -> None:
    """Every screen's layout asks for no more than a 1280x800 office screen (the queue once wanted 1554 px)."""
    login(qtbot, window, "olga")
    qtbot.waitUntil(lambda: window.queue.table.rowCount() == 2, timeout=10000)
    window.queue.open_button.click()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.case, timeout=10000)
    for screen in (window.queue, window.case):
        hint = screen.minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 800, (type(screen).__name__, hint)


def test_an_admin_sees_a_tampered_account_and_the_refusal_to_open_a_case(qtbot, window, store) -> None:
    import sqlite3

    sid = store.decisions.pending_reviews()[0].session_id
    store.decisions.record_review(sid, "olga", "accept", "same person, checked the ears")
    con = sqlite3.connect(store.data_dir / "kiosk.db")
    con.execute("UPDATE operators SET role = 'supervisor' WHERE username = 'olga'")
    con.commit()
    con.close()
    login(qtbot, window, "olga")  # the forged role gets no session: the login names the tampering
    assert window.stack.currentWidget() is window.login and "tampered" in window.login.message.text()
    login(qtbot, window, "ada")
    qtbot.waitUntil(lambda: window.admin.table.rowCount() == 3, timeout=10000)
    row = next(r for r in range(3) if window.admin.table.item(r, 0).text() == "olga")
    assert "tampered" in window.admin.table.item(row, 2).text()
    window.show_report()
    _idle(qtbot, window)
    window.report.open_requested.emit(sid)  # a row of the review list: an admin does not open cases
    qtbot.waitUntil(lambda: "may not" in window.report.summary.text(), timeout=10000)
    assert window.stack.currentWidget() is window.report and window.case.case is None
