"""Windows sized to the screen they open on: never larger than its available area (1280x800 kiosks and up)."""
from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

APP_NAME = "idkiosk"


def name_application(app: QGuiApplication) -> None:
    """The name the desktop shows beside each window title (Qt appends it on X11 and Wayland), instead of the
    script's file name."""
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)


def fit_to_screen(window: QWidget, wanted: tuple[int, int]) -> tuple[int, int]:
    """Resize ``window`` to ``wanted`` or, on a smaller screen, to the screen's available area (minus the
    frame the window manager adds), centred on it; returns the size set."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:  # no screen at all (should not happen on a running platform): keep the request
        window.resize(*wanted)
        return wanted
    area = screen.availableGeometry()
    frame = window.frameGeometry().size() - window.geometry().size()  # zero until the window manager framed it
    width = min(wanted[0], area.width() - max(frame.width(), 0))
    height = min(wanted[1], area.height() - max(frame.height(), 0))
    window.resize(width, height)
    window.move(area.x() + (area.width() - width) // 2, area.y() + (area.height() - height) // 2)
    return width, height
