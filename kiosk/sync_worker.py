"""The background central sync of ``kiosk run``: every ``interval_s``, ``kiosk sync`` in a child process.

A child process, not a thread: a catch-up after a day offline hashes, decrypts and seals hundreds of
megabytes, and in the kiosk's own process that work would compete with the camera and face pipeline for
the interpreter lock. The child runs at a lower CPU priority (``nice``), has its own database connections
(SQLite readers never wait for the kiosk's writer; the child's own writes are one ``central_push`` event
and one acknowledgement per batch), and a crash or hang in it cannot take the kiosk down. Stopping the
kiosk terminates a running child: a batch is all or nothing, so the next sync resumes
(``storage.central.push``). A failed round is logged and tried again after the interval.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

log = logging.getLogger(__name__)


def sync_command(data_dir: Path, config_file: Path | None, kiosk_id: str) -> list[str]:
    """The ``kiosk sync`` command line for this interpreter (or the frozen one-folder build)."""
    base = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "kiosk"]
    cmd = [*base, "sync", "--data-dir", str(data_dir), "--kiosk-id", kiosk_id]
    return cmd + (["--config", str(config_file)] if config_file is not None else [])


class SyncWorker:
    """Runs ``kiosk sync`` every ``interval_s`` until :meth:`stop`."""

    def __init__(self, data_dir: Path, config_file: Path | None, kiosk_id: str, interval_s: float,
                 niceness: int = 10) -> None:
        self.command = sync_command(Path(data_dir), config_file, kiosk_id)
        self.interval_s = interval_s
        self.niceness = niceness
        self.last_output: str | None = None  # the child's summary line after a good round
        self.last_error: str | None = None  # what the child said when it failed
        self.rounds = 0
        self._stop = threading.Event()
        self._child: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name="central-sync", daemon=True)

    def start(self) -> "SyncWorker":
        """Start the loop; returns self."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """End the loop; a running sync is terminated (its batch in flight is rolled back at the centre)."""
        self._stop.set()
        with self._lock:
            if self._child is not None and self._child.poll() is None:
                self._child.terminate()
        self._thread.join(timeout)

    def sync_now(self) -> int:
        """One round: run ``kiosk sync`` to its end; returns its exit status."""
        def lower_priority() -> None:
            os.nice(self.niceness)

        with self._lock:
            if self._stop.is_set():
                return -1
            self._child = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                           preexec_fn=lower_priority if self.niceness else None)
        out, err = self._child.communicate()
        code = self._child.returncode
        self.rounds += 1
        if code == 0:
            self.last_output, self.last_error = out.strip(), None
            log.info("central sync: %s", self.last_output)
        else:
            lines = [ln for ln in err.strip().splitlines() if ln.strip()]
            self.last_error = lines[-1] if lines else f"kiosk sync exited with status {code}"
            log.warning("central sync failed (retry in %.0f s): %s", self.interval_s, self.last_error)
        return code

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.sync_now()
            self._stop.wait(self.interval_s)
