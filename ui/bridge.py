"""``WorkflowBridge``: the workflow's events, re-emitted as Qt signals on the GUI thread.

The workflow calls its listeners from worker threads; a signal emitted there reaches slots in the GUI
thread through Qt's queued connections, so no screen is ever touched from a worker (Electrum's
``QtHandlerBase``, one-way). Commands go the other way as plain method calls on the workflow, which
never block (they only fire the table and start workers).
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal

from kiosk.workflow.events import ChallengeDrawn, ChipProgress, ChipRetry, FaceUpdate, ResultReady, StateChanged


class WorkflowBridge(QObject):
    """One signal per event type; each carries the event object."""

    state_changed = Signal(object)
    chip_progress = Signal(object)
    chip_retry = Signal(object)
    challenge_drawn = Signal(object)
    face_update = Signal(object)
    result_ready = Signal(object)

    def __init__(self, workflow: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workflow = workflow
        self._signals = {StateChanged: self.state_changed, ChipProgress: self.chip_progress,
                         ChipRetry: self.chip_retry, ChallengeDrawn: self.challenge_drawn,
                         FaceUpdate: self.face_update, ResultReady: self.result_ready}
        workflow.subscribe(self._relay)

    def _relay(self, event: Any) -> None:
        signal = self._signals.get(type(event))
        if signal is not None:
            signal.emit(event)

    def detach(self) -> None:
        """Stop relaying (the window is closing)."""
        self.workflow.unsubscribe(self._relay)
