"""``FakeWorkflow``: the workflow's command and event surface without devices or models.

Screens are built and tested against it (and the screenshots are taken with it): a test calls ``emit``
with the events a real session would raise and checks what the screen shows and which commands it sent.
It lives beside the real workflow, not in tests/, so the screenshot command can use it too.
"""
from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from kiosk.workflow.events import StateChanged
from kiosk.workflow.machine import State


class FakeWorkflow:
    """Records commands in ``commands``; ``emit`` delivers events to subscribers like the real one."""

    def __init__(self, camera: Any = None, scanner: Any = None) -> None:
        self.devices = SimpleNamespace(camera=camera)
        self.scanner = scanner  # anything but None: the document screen offers the camera
        self.commands: list[tuple[str, tuple[Any, ...]]] = []
        self._listeners: list[Callable[[Any], None]] = []
        self.state = State.ATTRACT

    def subscribe(self, listener: Callable[[Any], None]) -> None:
        """As ``KioskWorkflow.subscribe``."""
        self._listeners.append(listener)

    def unsubscribe(self, listener: Callable[[Any], None]) -> None:
        """As ``KioskWorkflow.unsubscribe``."""
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, event: Any) -> None:
        """Deliver ``event`` as the real workflow would."""
        if isinstance(event, StateChanged):
            self.state = event.state
        for listener in list(self._listeners):
            listener(event)

    def _record(name: str) -> Callable[..., None]:  # noqa: N805 - a decorator factory inside the class body
        def command(self: FakeWorkflow, *args: Any, **kwargs: Any) -> None:
            self.commands.append((name, args + tuple(kwargs.values())))
        command.__doc__ = f"Record a ``{name}`` command."
        return command

    start = _record("start")
    submit_mrz = _record("submit_mrz")
    submit_can = _record("submit_can")
    cancel = _record("cancel")
    finish = _record("finish")
    activity = _record("activity")
    tick = _record("tick")
    shutdown = _record("shutdown")
    flash_shown = _record("flash_shown")
    more_time = _record("more_time")
    request_help = _record("request_help")
    decline_flash = _record("decline_flash")
    avoid_head_movement = _record("avoid_head_movement")
    assist = _record("assist")
