"""The Qt runtime itself: the event loop must survive being pumped many times from Python (PySide6 6.12.0
aborted the interpreter after a few thousand processEvents calls, which a long kiosk session makes)."""
from __future__ import annotations

from PySide6.QtWidgets import QApplication


def test_event_loop_survives_many_process_events(qapp: QApplication) -> None:
    for _ in range(50_000):
        qapp.processEvents()
