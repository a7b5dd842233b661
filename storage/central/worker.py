"""The background sync of ``kiosk run``: a daemon thread that pushes the store every ``interval_s``.

It opens its own storage (its own database connections; SQLite readers never wait for the kiosk's
writer, and the worker's own writes, one ``central_push`` event and one acknowledgement per batch, are
short transactions), so the customer flow is never blocked by the centre being slow or unreachable:
a failed sync is logged and tried again after the interval; nothing is lost, the next one resumes.
"""
from __future__ import annotations

import logging
import threading
from pathlib import Path

from storage.central.push import SyncOptions, SyncReport, sync_store
from storage.config import StorageConfig
from storage.errors import StorageError

log = logging.getLogger(__name__)


class SyncWorker:
    """Runs :func:`storage.central.push.sync_store` in a loop until :meth:`stop`."""

    def __init__(self, data_dir: Path, config: StorageConfig, kiosk_id: str) -> None:
        if not config.sync.central_url:
            raise ValueError("SyncWorker needs [storage.sync] central_url")
        self.data_dir = Path(data_dir)
        self.config = config
        self.kiosk_id = kiosk_id
        self.last_report: SyncReport | None = None
        self.last_error: str | None = None
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="central-sync", daemon=True)

    def start(self) -> "SyncWorker":
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the loop to end after the batch in flight (a batch is all or nothing) and wait for it."""
        self._stop.set()
        self._thread.join(timeout)

    def sync_now(self) -> None:
        """One sync round in the caller's thread (what the loop does each interval)."""
        from storage.store import open_storage

        sync = self.config.sync
        assert sync.central_url is not None
        try:
            st = open_storage(self.data_dir, self.config)
            try:
                self.last_report = sync_store(st, sync.central_url, self.kiosk_id,
                                              SyncOptions(batch_sessions=sync.batch_sessions,
                                                          push_evidence=sync.push_evidence), self._stop.is_set)
            finally:
                st.close()
            self.last_error = None
            log.info("central sync: %s", self.last_report.summary())
        except StorageError as exc:  # offline, server restarting, not registered: said, then tried again
            self.last_error = str(exc)
            log.warning("central sync failed (will retry in %.0f s): %s", sync.interval_s, exc)
        finally:
            self.rounds += 1

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sync_now()
            self._stop.wait(self.config.sync.interval_s)
