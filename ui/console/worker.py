"""``ConsoleWorker``: every console call (database, decryption, decoding) runs on one worker thread.

Results come back through a queue that a 10 ms timer drains on the GUI thread (as ``ui/bridge.py``
does for the kiosk), so callbacks touch widgets on the GUI thread only and the GUI never waits for the
database or a decryption. One thread keeps the calls in order and the storage single-threaded.
"""
from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)


class ConsoleWorker(QObject):
    """Runs ``fn(*args)`` off the GUI thread; ``done(result)`` or ``failed(error)`` run on the GUI thread."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="console")
        self._results: deque[tuple[Callable[[Any], None] | None, Callable[[BaseException], None] | None,
                                   Future[Any]]] = deque()
        self.pending = 0
        self.closed = False
        self._timer = QTimer(self)
        self._timer.setInterval(10)
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    def run(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None,
            failed: Callable[[BaseException], None] | None = None) -> None:
        """Queue ``fn(*args)`` on the worker thread (ignored once shut down)."""
        if self.closed:
            return
        self.pending += 1
        if self.pending == 1:
            self.busy_changed.emit(True)
        future = self._pool.submit(fn, *args)
        future.add_done_callback(lambda f: self._results.append((done, failed, f)))

    def drain(self) -> None:
        """Deliver finished calls, oldest first (GUI thread)."""
        while self._results:
            done, failed, future = self._results.popleft()
            self.pending -= 1
            if future.cancelled():  # shut down before it ran
                continue
            error = future.exception()
            try:
                if error is None:
                    if done is not None:
                        done(future.result())
                elif failed is not None:
                    failed(error)
                else:
                    log.error("console call failed: %s", error)
            finally:
                if self.pending == 0:
                    self.busy_changed.emit(False)

    def shutdown(self) -> None:
        """Stop delivering and let the worker finish its current call."""
        self._timer.stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.closed = True
