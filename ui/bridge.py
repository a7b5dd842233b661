"""``WorkflowBridge``: the workflow's events, re-emitted as Qt signals on the GUI thread.

The workflow calls its listeners from worker threads. Events raised on the GUI thread are emitted at
once; events from other threads go into a queue that a 10 ms timer on the GUI thread drains, so every
signal is emitted, and every screen touched, on the GUI thread only (Electrum's ``QtHandlerBase``, one
way). Emitting a ``Signal(object)`` straight from a worker thread crashed PySide6 6.12 here (a refcount
error in the queued connection), and the queue also bounds the GUI's work to what it can render.
Commands go the other way as plain calls on the workflow, which never block.
"""
from __future__ import annotations

from collections import deque
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal

from kiosk.workflow.events import (AccessChanged, ChallengeDrawn, ChipProgress, ChipRetry, FaceUpdate, FlashRequested, ResultReady,
                                   StateChanged)


class WorkflowBridge(QObject):
    """One signal per event type; each carries the event object."""

    state_changed = Signal(object)
    chip_progress = Signal(object)
    chip_retry = Signal(object)
    challenge_drawn = Signal(object)
    face_update = Signal(object)
    result_ready = Signal(object)
    flash_requested = Signal(object)
    access_changed = Signal(object)

    def __init__(self, workflow: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workflow = workflow
        self._signals = {StateChanged: self.state_changed, ChipProgress: self.chip_progress,
                         ChipRetry: self.chip_retry, ChallengeDrawn: self.challenge_drawn,
                         FaceUpdate: self.face_update, ResultReady: self.result_ready,
                         FlashRequested: self.flash_requested, AccessChanged: self.access_changed}
        self._queue: deque[Any] = deque()  # append/popleft are atomic: safe between threads
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self.drain)
        self._timer.start()
        workflow.subscribe(self._relay)

    def _relay(self, event: Any) -> None:
        if QThread.currentThread() is self.thread():
            self.drain()  # keep the order: anything queued before this event goes first
            self._emit(event)
        else:
            self._queue.append(event)

    def _emit(self, event: Any) -> None:
        signal = self._signals.get(type(event))
        if signal is not None:
            signal.emit(event)

    def drain(self) -> None:
        """Emit the queued events, oldest first (GUI thread)."""
        while self._queue:
            event = self._queue.popleft()
            if isinstance(event, FaceUpdate) and self._queue and isinstance(self._queue[0], FaceUpdate):
                continue  # a newer analysed frame is waiting: draw that one
            self._emit(event)

    def detach(self) -> None:
        """Stop relaying (the window is closing)."""
        self._timer.stop()
        self.workflow.unsubscribe(self._relay)
