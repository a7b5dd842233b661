"""Kiosk mode: the window refuses to close and ignores Escape; only the operator PIN opens it, and wrong
PINs lock the pad."""
from __future__ import annotations

from PySide6.QtCore import Qt, QTimer

from kiosk.workflow.config import KioskConfig, KioskModeConfig, hash_pin
from ui.widgets.pin_dialog import PinDialog


def _kiosk(pin: str = "2468", attempts: int = 3) -> KioskConfig:
    return KioskConfig(kiosk_mode=KioskModeConfig(enabled=True, pin_hash=hash_pin(pin), pin_attempts=attempts))


def test_close_and_escape_are_refused(make_window, qtbot) -> None:
    window, fake = make_window(_kiosk())
    assert window.close() is False and window.isVisible()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert window.isVisible()
    assert ("shutdown", ()) not in fake.commands


def test_the_right_pin_opens_the_console_login_only(make_window, qtbot, tmp_path) -> None:
    window, fake = make_window(_kiosk("2468"))
    fake.data_dir = tmp_path / "data"  # the console opens this store (never the per-user one in a test)
    PinDialog.failures, PinDialog.locked_until = 0, 0.0

    def answer() -> None:
        dialog = window.findChild(PinDialog)
        dialog.pin.setText("2468")
        dialog._submit()
    QTimer.singleShot(50, answer)
    window.operator()
    console = window.console
    qtbot.addWidget(console)
    # The PIN leads to the console's login, nothing more: the kiosk stays locked and open until a login.
    assert console.stack.currentWidget() is console.login and console.console.session.operator is None
    assert not window.unlocked and window.isVisible()
    assert ("shutdown", ()) not in fake.commands
    console.close()
    console.storage.close()


def test_wrong_pins_lock_the_pad(make_window, qtbot) -> None:
    window, _ = make_window(_kiosk("2468", attempts=3))
    checks = []
    PinDialog.failures, PinDialog.locked_until = 0, 0.0
    dialog = PinDialog(lambda p: checks.append(p) or p == "2468", attempts=3, lock_s=60, parent=window)
    for wrong in ("1111", "2222", "3333"):
        dialog.pin.setText(wrong)
        dialog._submit()
    assert "Locked" in dialog.message.text()
    dialog.pin.setText("2468")
    dialog._submit()  # even the right PIN waits out the lock
    assert dialog.result() == 0 and checks == ["1111", "2222", "3333"]
    PinDialog.locked_until = 0.0


def test_pin_hash_round_trip() -> None:
    from kiosk.workflow.config import check_pin

    h = hash_pin("2468")
    assert check_pin("2468", h) and not check_pin("2469", h) and not check_pin("2468", None)
    assert not check_pin("2468", "scrypt$zz$00")
