"""``kiosk review``: the console on its own (storage opened here, closed when the window closes), and
``open_console_login`` for the kiosk window, whose operator PIN leads to the console's login only."""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QApplication

from ui.screen_fit import fit_to_screen, name_application

log = logging.getLogger(__name__)


def build_console_window(data_dir: Path, config_file: Path | None = None, idle_lock_s: float = 300.0,
                         language: str = "en", central_url: str | None = None, keyring: Any = None,
                         calibration_camera: Any = None) -> Any:
    """Open the storage and a ``ConsoleWindow`` at its login screen (the storage closes with the window).

    ``central_url``: the console reviews the central store's sessions of every kiosk
    (``storage.central.fleet_view``); ``data_dir`` then holds the back office's own keys.
    ``calibration_camera``: a callable opening the kiosk's camera (``kiosk.pad.collect.open_camera``): the
    admin's liveness calibration screen is offered (the console on the kiosk itself, with the kiosk stopped)."""
    from storage import load_storage_config, open_storage
    from storage.central.fleet_view import open_fleet_console_storage

    from kiosk.console import Console
    from ui.console.i18n import ConsoleLanguages
    from ui.console.window import ConsoleActivity, ConsoleWindow

    app = QApplication.instance() or QApplication([])
    config = load_storage_config(config_file)
    st = (open_fleet_console_storage(Path(data_dir), central_url, keyring, config) if central_url
          else open_storage(Path(data_dir), config))
    languages = ConsoleLanguages(app)
    languages.set(language)
    console = Console(st, idle_lock_s=idle_lock_s)
    desk = None
    if calibration_camera is not None:
        from kiosk.console.calibration import CalibrationDesk

        desk = CalibrationDesk(console, Path(data_dir), calibration_camera)
    window = ConsoleWindow(console, languages, calibration=desk)
    app.installEventFilter(ConsoleActivity(window))
    window.closed.connect(st.close)  # the storage closes with the window (after its worker stopped)
    window.storage = st
    return window


def run_console(data_dir: Path, config_file: Path | None = None, idle_lock_s: float = 300.0,
                size: tuple[int, int] = (1600, 1000), language: str = "en", central_url: str | None = None,
                keyring: Any = None, calibration_camera: Any = None) -> int:
    """Show the console and run the Qt event loop until it is closed."""
    app = QApplication.instance() or QApplication([])
    name_application(app)
    window = build_console_window(data_dir, config_file, idle_lock_s, language, central_url, keyring,
                                  calibration_camera)
    fit_to_screen(window, size)
    window.show()
    try:
        return app.exec()
    finally:
        window.storage.close()


def open_console_login(parent: Any, data_dir: Path, language: str = "en") -> Any:
    """The console's login over the kiosk (after the operator PIN); returns the window, already shown."""
    window = build_console_window(data_dir, language=language)
    window.showFullScreen() if parent is not None and parent.isFullScreen() else fit_to_screen(window, (1600, 1000))
    window.show()
    window.raise_()
    return window
