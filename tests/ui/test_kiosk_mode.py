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


def test_systemd_watchdog_is_pinged_from_the_gui_thread(make_window, qtbot, tmp_path, monkeypatch) -> None:
    import socket
    import threading

    import kiosk.sd_notify as sd
    from ui.app import start_systemd_watchdog

    path = tmp_path / "notify"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.setblocking(False)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setenv("WATCHDOG_USEC", "100000")  # pings every 50 ms
    senders: list[str] = []
    real = sd.notify
    monkeypatch.setattr(sd, "notify", lambda m: (senders.append(threading.current_thread().name), real(m))[1])
    window, _ = make_window(_kiosk())
    timer = start_systemd_watchdog(window)
    assert timer is not None and timer.interval() == 50
    got: list[bytes] = []

    def pings() -> bool:
        try:
            while True:
                got.append(sock.recv(64))
        except BlockingIOError:
            pass
        return got.count(b"WATCHDOG=1") >= 3
    qtbot.waitUntil(pings, timeout=5000)
    sock.close()
    assert got[0] == b"READY=1"
    assert set(senders) == {threading.main_thread().name}  # a hung GUI thread stops the pings
