"""Card insert/remove callbacks per reader: the small API over ``PresenceWatcher``.

For callers that only want "a card arrived / left" on some readers (the passport-read command, tests).
It shares the watcher's thread, PnP handling and event-counter logic, so a lift-and-replace between two
wake-ups is reported here too.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hardware.nfc.config import ReaderConfig
from hardware.nfc.errors import NoReaderError
from hardware.nfc.presence import CardInserted, CardRemoved, PresenceEvent, PresenceWatcher, ServiceLost


@dataclass(frozen=True)
class CardEvent:
    """A card entered (``present=True``) or left a reader's field."""

    reader: str
    present: bool
    atr: bytes = b""


class CardMonitor:
    """Calls back on card insertion and removal in the readers whose name contains one of ``readers``.

    Callbacks run on the watcher's thread; keep them quick. Readers that appear later are watched too;
    a reader unplugged with a card in it reports a removal.

    :param on_insert: called with a ``CardEvent`` when a card arrives (also for cards already present
        when the monitor starts).
    :param on_remove: called with a ``CardEvent`` when a card leaves.
    :param readers: only report readers whose name contains one of these strings; ``None`` reports all.
    :param poll_s: longest single status wait, which bounds how quickly ``stop`` returns.
    """

    def __init__(self, on_insert: Callable[[CardEvent], None], on_remove: Callable[[CardEvent], None],
                 readers: Sequence[str] | None = None, poll_s: float = 0.5) -> None:
        self._on_insert = on_insert
        self._on_remove = on_remove
        self._filters = [f.lower() for f in readers] if readers is not None else None
        self._error: Exception | None = None
        self._starting = threading.Event()
        self._watcher = PresenceWatcher(self._event, ReaderConfig(status_timeout_s=min(max(poll_s, 0.01), 10.0)))

    def _wanted(self, name: str) -> bool:
        return self._filters is None or any(f in name.lower() for f in self._filters)

    def _event(self, event: PresenceEvent) -> None:
        if isinstance(event, ServiceLost):
            self._error = NoReaderError(event.message)
        elif isinstance(event, CardInserted) and self._wanted(event.reader):
            self._on_insert(CardEvent(event.reader, True, event.atr))
        elif isinstance(event, CardRemoved) and self._wanted(event.reader):
            self._on_remove(CardEvent(event.reader, False, b""))

    def start(self, timeout: float = 5.0) -> CardMonitor:
        """Start watching; raises ``NoReaderError`` at once when the PC/SC service is missing."""
        self._watcher.start(timeout)
        if self._error is not None:
            self._watcher.stop()
            raise self._error
        return self

    @property
    def error(self) -> Exception | None:
        """The last service failure (pcscd going away); the monitor keeps reconnecting."""
        return self._error

    def stop(self, timeout: float = 5.0) -> None:
        """Stop watching and join the thread (idempotent)."""
        self._watcher.stop(timeout)

    def __enter__(self) -> CardMonitor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
