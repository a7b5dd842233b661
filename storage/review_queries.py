"""List queries for the operator review console: filtered, counted, paged, never touching images.

Every query joins ``sessions`` and ``decisions`` only (no blob, no decryption) and pages with LIMIT/OFFSET
in a stable order (decision time, then id). The filters use indexes: review state and decision time
(``ix_decisions_review_state_decided_at``), outcome (``ix_decisions_outcome_decided_at``), kiosk and mode
(migration 0004), session id (primary key, prefix as a range). A reason code is matched inside the
decision's JSON reason list, within whatever the indexed filters left.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, func, select
from sqlalchemy.sql import Select

from storage.db import Database
from storage.errors import StorageInputError
from storage.integrity import Integrity
from storage.record_checks import check_aware
from storage.records import OUTCOMES, SessionSummary
from storage.tables import DecisionRow, OperatorRow, ReviewRow, SessionRow

_REASON = re.compile(r"^[A-Z0-9_]{1,64}$")
_HEX = re.compile(r"^[0-9a-f]{1,32}$")
REVIEW_STATES = ("none", "pending", "reviewed")


@dataclass(frozen=True)
class SessionQuery:
    """Filters of the queue and the search; ``None`` means "any". Times are aware, ``until`` exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    outcome: str | None = None
    review_state: str | None = None
    reason: str | None = None
    kiosk_id: str | None = None
    mode: str | None = None
    session_id: str | None = None  # a full id or its first hex digits

    def checked(self) -> SessionQuery:
        """Self, after refusing values no stored row can have (typed errors a person can act on)."""
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None:
                check_aware(name, value)
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise StorageInputError(f"outcome must be one of {', '.join(OUTCOMES)}")
        if self.review_state is not None and self.review_state not in REVIEW_STATES:
            raise StorageInputError(f"review state must be one of {', '.join(REVIEW_STATES)}")
        if self.reason is not None and not _REASON.match(self.reason):
            raise StorageInputError("a reason code is upper-case letters, digits and '_' (e.g. FACE_MATCH_BORDERLINE)")
        if self.session_id is not None and not _HEX.match(self.session_id.lower()):
            raise StorageInputError("a session id is up to 32 hexadecimal digits")
        return self


@dataclass(frozen=True)
class ReviewEntry:
    """One review as a supervisor lists them (the note stays encrypted: open the case to read it)."""

    review_id: str
    session_id: str
    operator: str
    reviewed_at: datetime
    verdict: str
    decided_at: datetime


class ReviewQueries:
    """The console's read side over one database."""

    def __init__(self, db: Database, integrity: Integrity) -> None:
        self._db = db
        self._integrity = integrity

    @staticmethod
    def _where(stmt: Select[Any], q: SessionQuery) -> Select[Any]:
        q = q.checked()
        if q.since is not None:
            stmt = stmt.where(DecisionRow.decided_at >= q.since)
        if q.until is not None:
            stmt = stmt.where(DecisionRow.decided_at < q.until)
        if q.outcome is not None:
            stmt = stmt.where(DecisionRow.outcome == q.outcome)
        if q.review_state is not None:
            stmt = stmt.where(DecisionRow.review_state == q.review_state)
        if q.kiosk_id is not None:
            stmt = stmt.where(SessionRow.kiosk_id == q.kiosk_id)
        if q.mode is not None:
            stmt = stmt.where(SessionRow.mode == q.mode)
        if q.session_id is not None:
            prefix = q.session_id.lower()
            stmt = stmt.where(SessionRow.id == prefix) if len(prefix) == 32 else \
                stmt.where(and_(SessionRow.id >= prefix, SessionRow.id < prefix + "\x7f"))
        if q.reason is not None:  # the JSON list as text holds "CODE" with its quotes; the code has no wildcards
            stmt = stmt.where(cast(DecisionRow.reasons, String).like(f'%"{q.reason}"%'))
        return stmt

    def page(self, q: SessionQuery, limit: int = 50, offset: int = 0, oldest_first: bool = False) -> list[SessionSummary]:
        """One page of session summaries matching ``q`` (the queue: ``review_state='pending'``, oldest first)."""
        base = select(SessionRow, DecisionRow).join(DecisionRow, DecisionRow.session_id == SessionRow.id)
        order = DecisionRow.decided_at.asc() if oldest_first else DecisionRow.decided_at.desc()
        stmt = self._where(base, q).order_by(order, DecisionRow.id).limit(max(0, min(limit, 500))).offset(max(0, offset))
        with self._db.read() as s:
            return [self._summary(a, b) for a, b in s.execute(stmt).all()]

    def count(self, q: SessionQuery) -> int:
        """How many sessions match ``q``."""
        base = select(func.count()).select_from(SessionRow).join(DecisionRow, DecisionRow.session_id == SessionRow.id)
        with self._db.read() as s:
            return int(s.execute(self._where(base, q)).scalar_one())

    def _summary(self, srow: SessionRow, drow: DecisionRow) -> SessionSummary:
        return SessionSummary(srow.id, drow.id, srow.kiosk_id, srow.mode, srow.started_at, srow.ended_at,
                              drow.outcome, tuple(drow.reasons), drow.decided_at, drow.review_state,
                              drow.final_outcome, srow.document_key, self._integrity.row_problem(srow, drow))

    def same_document(self, document_key: str, exclude_session: str | None = None, limit: int = 20) -> list[SessionSummary]:
        """Earlier and later sessions of the same document (its keyed hash), newest first."""
        stmt = (select(SessionRow, DecisionRow).join(DecisionRow, DecisionRow.session_id == SessionRow.id)
                .where(SessionRow.document_key == document_key))
        if exclude_session is not None:
            stmt = stmt.where(SessionRow.id != exclude_session)
        stmt = stmt.order_by(DecisionRow.decided_at.desc(), DecisionRow.id).limit(limit)
        with self._db.read() as s:
            return [self._summary(a, b) for a, b in s.execute(stmt).all()]

    def decisions_between(self, since: datetime, until: datetime) -> list[tuple[datetime, str, tuple[str, ...], str]]:
        """(decided at, outcome, reasons, review state) of every decision in the window (the daily report)."""
        check_aware("since", since)
        check_aware("until", until)
        stmt = (select(DecisionRow.decided_at, DecisionRow.outcome, DecisionRow.reasons, DecisionRow.review_state)
                .where(DecisionRow.decided_at >= since, DecisionRow.decided_at < until).order_by(DecisionRow.decided_at))
        with self._db.read() as s:
            return [(a, b, tuple(c), d) for a, b, c, d in s.execute(stmt).all()]

    def reviews(self, since: datetime | None = None, limit: int = 100, offset: int = 0) -> list[ReviewEntry]:
        """Reviews newest first, with the operator and the decision time (time to review)."""
        stmt = (select(ReviewRow.id, ReviewRow.session_id, OperatorRow.username, ReviewRow.reviewed_at,
                       ReviewRow.verdict, DecisionRow.decided_at)
                .join(OperatorRow, OperatorRow.id == ReviewRow.operator_id)
                .join(DecisionRow, DecisionRow.session_id == ReviewRow.session_id))
        if since is not None:
            check_aware("since", since)
            stmt = stmt.where(ReviewRow.reviewed_at >= since)
        stmt = stmt.order_by(ReviewRow.reviewed_at.desc(), ReviewRow.id).limit(max(0, limit)).offset(max(0, offset))
        with self._db.read() as s:
            return [ReviewEntry(*r) for r in s.execute(stmt).all()]

    def kiosks_and_modes(self) -> tuple[list[str], list[str]]:
        """The distinct kiosk ids and modes (filter choices; both columns are indexed)."""
        with self._db.read() as s:
            kiosks = sorted(s.execute(select(SessionRow.kiosk_id).distinct()).scalars())
            modes = sorted(s.execute(select(SessionRow.mode).distinct()).scalars())
        return kiosks, modes
