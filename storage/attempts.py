"""Attempt limits per document (keyed hash of the document number) and per kiosk (DESIGN.md section 5:
"5 failures in 3 minutes, then a pause").

Rule: a subject is locked for ``lockout_seconds`` from the moment its failures reach ``max_failures``
within any sliding ``window_seconds``. The failures are not kept in a table of their own (one that
could be emptied to unlock a document): they are derived from the audit chain, the recent ``decision``
events (each carries ``failed``) with the chain checked from just before the window up to the
authenticated head, and from the sealed session rows those events name (kiosk, document key). An event
or row that fails its MAC or seal, or an announced session row that is gone, raises ``IntegrityError``:
the limiter fails closed rather than count less. (The ``attempts`` table of older stores is no longer
written or read; retention empties it.) The decision policy asks through its port before a session starts (or before deciding) with :meth:`AttemptLimiter.for_document`
and :meth:`AttemptLimiter.for_kiosk`, which return a small frozen :class:`AttemptStatus`.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit import AuditKind, AuditTrail
from storage.binding import check_seal
from storage.clock import Clock
from storage.config import AttemptLimitConfig
from storage.crypto import KeyContext
from storage.db import Database
from storage.errors import IntegrityError
from storage.tables import AuditEventRow, AuditHeadRow, SessionRow


@dataclass(frozen=True)
class Failure:
    """A failed session as the chain and its sealed row tell it."""

    at: datetime
    kiosk_id: str
    document_key: str | None


def _distrust(what: str) -> IntegrityError:
    return IntegrityError(None, None, None, f"attempt limits cannot be counted: {what}; run 'kiosk audit verify'")


def _first_after(s: Session, since: datetime, head_seq: int) -> int:
    """The first seq whose time is after ``since`` (``head_seq + 1`` if none), by bisection over the event times
    (appends are stamped in chain order). The caller verifies from the event before it, so an edited time that
    misleads the search fails its MAC there."""
    lo, hi = 1, head_seq + 1
    while lo < hi:
        mid = (lo + hi) // 2
        at = s.execute(select(AuditEventRow.at).where(AuditEventRow.seq == mid)).scalar_one_or_none()
        if at is None:
            raise _distrust(f"audit event {mid} is missing")
        if at > since:
            hi = mid
        else:
            lo = mid + 1
    return lo


def recent_failures(s: Session, audit: AuditTrail, keys: KeyContext, since: datetime) -> list[Failure]:
    """Failed sessions decided after ``since``: from the authenticated decision events and their sealed rows."""
    failed: dict[str, datetime] = {}

    def visit(ev: AuditEventRow) -> None:
        if ev.kind != AuditKind.DECISION or ev.session_id is None or ev.at <= since:
            return
        d = json.loads(ev.details)
        # Events from before "failed" was recorded: a reject counted, as the attempts table did by default.
        if d.get("failed", d.get("outcome") == "reject"):
            failed[ev.session_id] = ev.at

    head_seq = s.execute(select(AuditHeadRow.seq).where(AuditHeadRow.id == 1)).scalar_one()
    # The suffix from the last event before the window to the authenticated head: every MAC, the head's own
    # MAC and its counter checked, so no failure in the window can have been deleted, edited or renumbered.
    check = audit.verify_in(s, visit, from_seq=max(1, _first_after(s, since, head_seq) - 1))
    if not check.ok:
        raise _distrust(f"the audit chain is broken at {check.where()}: {check.problem}")
    out: list[Failure] = []
    ids = sorted(failed)
    for i in range(0, len(ids), 500):
        rows = {r.id: r for r in s.execute(select(SessionRow).where(SessionRow.id.in_(ids[i:i + 500]))).scalars()}
        for sid in ids[i:i + 500]:
            row = rows.get(sid)
            if row is None:
                raise _distrust(f"session {sid}, announced by its decision event, is missing")
            bad = check_seal(keys.keys, row)
            if bad is not None:
                raise _distrust(f"sessions row {sid} {bad[1]}")
            out.append(Failure(failed[sid], row.kiosk_id, row.document_key))
    return out


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
    """Read side of the attempt limits, derived from the audit chain and the sealed session rows."""

    def __init__(self, db: Database, keys: KeyContext, config: AttemptLimitConfig, clock: Clock,
                 audit: AuditTrail) -> None:
        self._db = db
        self._keys = keys
        self._config = config
        self._clock = clock
        self._audit = audit

    def for_document(self, issuing_state: str, document_number: str) -> AttemptStatus:
        """Status of one document, named by its MRZ fields (hashed here; the number is not kept)."""
        return self.for_document_key(self._keys.document_key(issuing_state, document_number))

    def for_document_key(self, document_key: str) -> AttemptStatus:
        """Status of one document, named by its keyed hash (``RecordedSession.document_key``)."""
        return self._status(lambda f: f.document_key == document_key, self._config.max_failures)

    def for_kiosk(self, kiosk_id: str) -> AttemptStatus:
        """Status of one kiosk (all documents together), limit ``kiosk_max_failures``."""
        return self._status(lambda f: f.kiosk_id == kiosk_id[:64], self._config.kiosk_max_failures)

    def for_session(self, kiosk_id: str, issuing_state: str | None,
                    document_number: str | None) -> list[AttemptStatus]:
        """The kiosk's status and, when the document is known, the document's: what a session decides with, from
        one walk of the chain (each status alone would verify the same events again)."""
        subjects: list[tuple[Callable[[Failure], bool], int]] = [
            (lambda f: f.kiosk_id == kiosk_id[:64], self._config.kiosk_max_failures)]
        if issuing_state is not None and document_number is not None:
            key = self._keys.document_key(issuing_state, document_number)
            subjects.append((lambda f: f.document_key == key, self._config.max_failures))
        return self._statuses(subjects)

    def _status(self, match: Callable[[Failure], bool], max_failures: int) -> AttemptStatus:
        """Raises ``IntegrityError`` (fail closed) when the events or rows it counts were tampered with."""
        return self._statuses([(match, max_failures)])[0]

    def _statuses(self, subjects: list[tuple[Callable[[Failure], bool], int]]) -> list[AttemptStatus]:
        now = self._clock.now()
        window = timedelta(seconds=self._config.window_seconds)
        lockout = timedelta(seconds=self._config.lockout_seconds)
        # Failures older than window + lockout can no longer cause a lock that is still running.
        since = now - window - lockout
        self._keys.refresh()
        with self._db.read() as s:
            failures = [f for f in recent_failures(s, self._audit, self._keys, since) if f.at <= now]
        out = []
        for match, max_failures in subjects:
            times = sorted(f.at for f in failures if match(f))
            in_window = sum(1 for t in times if t >= now - window)
            end = lock_end(times, max_failures, window, lockout)
            out.append(AttemptStatus(in_window, max_failures, window, end if end is not None and end > now else None))
        return out
