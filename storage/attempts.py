"""Attempt limits per document (keyed hash of the document number) and per kiosk (DESIGN.md section 5:
"5 failures in 3 minutes, then a pause").

Rule: a subject is locked for ``lockout_seconds`` from the moment its failures reach ``max_failures``
within any sliding ``window_seconds``. Attempts are written by ``DecisionLog.record_session`` in the
same transaction as the decision, so the count can never disagree with the log. The decision policy
asks through its port before a session starts (or before deciding) with :meth:`AttemptLimiter.for_document`
and :meth:`AttemptLimiter.for_kiosk`, which return a small frozen :class:`AttemptStatus`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from storage.clock import Clock
from storage.config import AttemptLimitConfig
from storage.crypto import KeyContext
from storage.db import Database
from storage.tables import AttemptRow


@dataclass(frozen=True)
class AttemptStatus:
    """Failures counted in the current window and, when locked, until when (UTC)."""

    failures_in_window: int
    max_failures: int
    window: timedelta
    locked_until: datetime | None

    @property
    def locked(self) -> bool:
        """Whether the subject is locked now (``locked_until`` is only set while in the future)."""
        return self.locked_until is not None


def lock_end(failures: list[datetime], max_failures: int, window: timedelta, lockout: timedelta) -> datetime | None:
    """Latest lock end implied by sorted failure times: any ``max_failures`` failures within ``window``
    lock until the last of them plus ``lockout``. Pure function (tested directly)."""
    end: datetime | None = None
    for i in range(max_failures - 1, len(failures)):
        if failures[i] - failures[i - max_failures + 1] <= window:
            candidate = failures[i] + lockout
            if end is None or candidate > end:
                end = candidate
    return end


class AttemptLimiter:
    """Read side of the attempt limits."""

    def __init__(self, db: Database, keys: KeyContext, config: AttemptLimitConfig, clock: Clock) -> None:
        self._db = db
        self._keys = keys
        self._config = config
        self._clock = clock

    def for_document(self, issuing_state: str, document_number: str) -> AttemptStatus:
        """Status of one document, named by its MRZ fields (hashed here; the number is not kept)."""
        return self.for_document_key(self._keys.document_key(issuing_state, document_number))

    def for_document_key(self, document_key: str) -> AttemptStatus:
        """Status of one document, named by its keyed hash (``RecordedSession.document_key``)."""
        return self._status("document", document_key, self._config.max_failures)

    def for_kiosk(self, kiosk_id: str) -> AttemptStatus:
        """Status of one kiosk (all documents together), limit ``kiosk_max_failures``."""
        return self._status("kiosk", kiosk_id, self._config.kiosk_max_failures)

    def _status(self, subject: str, key: str, max_failures: int) -> AttemptStatus:
        now = self._clock.now()
        window = timedelta(seconds=self._config.window_seconds)
        lockout = timedelta(seconds=self._config.lockout_seconds)
        # Failures older than window + lockout can no longer cause a lock that is still running.
        since = now - window - lockout
        with self._db.read() as s:
            times = list(s.execute(
                select(AttemptRow.at).where(AttemptRow.subject == subject, AttemptRow.subject_key == key,
                                            AttemptRow.failed.is_(True), AttemptRow.at > since, AttemptRow.at <= now)
                .order_by(AttemptRow.at)).scalars())
        in_window = sum(1 for t in times if t >= now - window)
        end = lock_end(times, max_failures, window, lockout)
        return AttemptStatus(in_window, max_failures, window, end if end is not None and end > now else None)
