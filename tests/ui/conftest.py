"""Screens under pytest-qt on the offscreen platform, driven by a FakeWorkflow (no devices, no models)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kiosk.workflow.config import KioskConfig
from kiosk.workflow.events import StateChanged
from kiosk.workflow.machine import State, Trigger
from kiosk.workflow.testing import FakeWorkflow


@pytest.fixture()
def make_window(qtbot: Any) -> Callable[..., tuple[Any, FakeWorkflow]]:
    """``make_window(config=None, workflow=None)`` -> (KioskWindow, workflow), shown at 1280x800."""
    from PySide6.QtWidgets import QApplication

    from ui.i18n import Languages
    from ui.main_window import KioskWindow

    made: list[Any] = []

    def make(config: KioskConfig | None = None, workflow: Any = None) -> tuple[Any, Any]:
        fake = workflow or FakeWorkflow()
        window = KioskWindow(fake, config or KioskConfig(), Languages(QApplication.instance()))
        qtbot.addWidget(window)
        window.resize(1280, 800)
        window.show()
        made.append(window)
        return window, fake
    yield make
    for window in made:
        window.unlocked = True
        window.close()


def move(state: State, previous: State = State.ATTRACT, message: Any = None) -> StateChanged:
    """A StateChanged event as the workflow raises it."""
    return StateChanged(state, previous, Trigger.START, message)


@pytest.fixture()
def go() -> Callable[..., StateChanged]:
    """``go(state, previous=ATTRACT, message=None)``: a StateChanged event."""
    return move
