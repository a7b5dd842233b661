"""One I/O thread per reader.

pyscard (libpcsclite handles) and nfcpy (USB/serial frames, the udp driver's socket) are not
thread-safe: a handle must only be used from the thread that drives it. ``IoThread`` is a
single-thread executor that pins every call for one reader onto one long-lived thread, in the spirit
of Electrum's ``run_in_hwd_thread``. Callers on other threads (the kiosk controller, the UI bridge)
block on the result with a timeout; calls made from the I/O thread itself run inline, so a
connection's methods may call each other freely.
"""
from __future__ import annotations

import abc
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from hardware.nfc.errors import ReaderError, ReaderTimeoutError

log = logging.getLogger(__name__)

T = TypeVar("T")

_STOP = object()


class IoThread:
    """A single worker thread that runs every submitted call in order.

    :param name: thread name (shows up in logs and debuggers; never personal data).
    :param default_timeout: seconds ``call`` waits for a result unless told otherwise; ``None`` waits
        forever.
    """

    def __init__(self, name: str = "reader-io", default_timeout: float | None = 30.0) -> None:
        self.name = name
        self.default_timeout = default_timeout
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            fut, fn, args, kwargs = item
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(*args, **kwargs))
            except BaseException as exc:  # handed to the caller, who re-raises it
                fut.set_exception(exc)

    @property
    def ident(self) -> int | None:
        """The worker's thread identifier."""
        return self._thread.ident

    def on_thread(self) -> bool:
        """True when the caller is the I/O thread itself."""
        return threading.get_ident() == self._thread.ident

    def assert_on_thread(self) -> None:
        """Raise ``ReaderError`` unless called from the I/O thread (guards handle use)."""
        if not self.on_thread():
            raise ReaderError(f"reader handle used outside its I/O thread {self.name!r}")

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """Queue ``fn(*args, **kwargs)`` on the I/O thread and return its future."""
        fut: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise ReaderError(f"reader I/O thread {self.name!r} is closed")
            self._queue.put((fut, fn, args, kwargs))
        return fut

    def call(self, fn: Callable[..., T], /, *args: Any, timeout: float | None = -1.0, **kwargs: Any) -> T:
        """Run ``fn`` on the I/O thread and return its result (or raise its exception).

        From the I/O thread itself the call runs inline (no deadlock). ``timeout`` of -1 means the
        thread's default; on expiry ``ReaderTimeoutError`` is raised. The call keeps running on the
        I/O thread (an OS call cannot be interrupted), so the caller should treat the reader as
        unusable and close it.
        """
        if self.on_thread():
            return fn(*args, **kwargs)
        wait = self.default_timeout if timeout == -1.0 else timeout
        fut = self.submit(fn, *args, **kwargs)
        try:
            return fut.result(wait)
        except FutureTimeout as exc:
            fut.cancel()
            raise ReaderTimeoutError(
                f"the reader did not answer within {wait:g} s: lift the passport, put it back and try again"
            ) from exc

    def close(self, timeout: float | None = 5.0) -> None:
        """Stop accepting calls, let queued calls finish, and join the worker (idempotent)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queue.put(_STOP)
        if not self.on_thread():
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.warning("reader I/O thread %s did not stop within %s s", self.name, timeout)

    @property
    def closed(self) -> bool:
        """True after ``close``."""
        return self._closed

    def __enter__(self) -> IoThread:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ThreadBoundConnection(abc.ABC):
    """Base of reader connections whose I/O lives on one ``IoThread`` (``self._io``).

    Subclasses implement ``_close`` (run on the I/O thread); ``close`` is idempotent, logs rather than
    raises a failure to close (the card may already be gone), and always stops the thread.
    """

    _io: IoThread
    _label = "reader"

    @abc.abstractmethod
    def _close(self) -> None:
        """Release the device; runs on the I/O thread."""

    def close(self) -> None:
        """Release the reader (idempotent)."""
        if self._io.closed:
            return
        try:
            self._io.call(self._close, timeout=5.0)
        except ReaderError as exc:
            log.warning("closing the %s failed: %s", self._label, exc)
        finally:
            self._io.close()

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
