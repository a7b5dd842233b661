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

from sqlalchemy import String, and_, case, cast, func, select
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


@dataclass(frozen=True)
class LogTables:
    """Which session and decision tables the queries read, and how a decision's review state is found.

    The kiosk's own log: ``sessions``/``decisions``, the state in the decision row. The central store
    (``storage.central.fleet_view``) passes its ``fleet_`` mirrors and a review-state table that central
    reviews write (the kiosk's rows stay as the kiosk signed them), so both stores share these queries.
    """

    session: Any
    decision: Any
    state: Any = None  # optional table (origin_kiosk, session_id, review_state, final_outcome) overriding the row's

    def join(self, stmt: Select[Any]) -> Select[Any]:
        """``stmt`` joined from the session table to its decision (and the override state, if any)."""
        S, D = self.session, self.decision
        stmt = stmt.join(D, D.session_id == S.id)
        if self.state is not None:
            stmt = stmt.outerjoin(self.state, and_(self.state.c.session_id == S.id,
                                                   self.state.c.origin_kiosk == S.origin_kiosk))
        return stmt

    @property
    def review_state(self) -> Any:
        """The effective review state column expression."""
        if self.state is None:
            return self.decision.review_state
        return func.coalesce(self.state.c.review_state, self.decision.review_state)

    @property
    def final_outcome(self) -> Any:
        """The effective final outcome column expression."""
        if self.state is None:
            return self.decision.final_outcome
        return case((self.state.c.review_state.is_not(None), self.state.c.final_outcome),
                    else_=self.decision.final_outcome)


LOCAL_TABLES = LogTables(SessionRow, DecisionRow)


class ReviewQueries:
    """The console's read side over one database."""

    def __init__(self, db: Database, integrity: Integrity | None, tables: LogTables = LOCAL_TABLES) -> None:
        self._db = db
        self._integrity = integrity
        self._t = tables

    def _where(self, stmt: Select[Any], q: SessionQuery) -> Select[Any]:
        q = q.checked()
        SessionRow, DecisionRow = self._t.session, self._t.decision  # noqa: N806 (the tables, as in the local log)
        if q.since is not None:
            stmt = stmt.where(DecisionRow.decided_at >= q.since)
        if q.until is not None:
            stmt = stmt.where(DecisionRow.decided_at < q.until)
        if q.outcome is not None:
            stmt = stmt.where(DecisionRow.outcome == q.outcome)
        if q.review_state is not None:
            stmt = stmt.where(self._t.review_state == q.review_state)
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

    def _rows(self) -> Select[Any]:
        t = self._t
        return t.join(select(t.session, t.decision, t.review_state, t.final_outcome).select_from(t.session))

    def page(self, q: SessionQuery, limit: int = 50, offset: int = 0, oldest_first: bool = False) -> list[SessionSummary]:
        """One page of session summaries matching ``q`` (the queue: ``review_state='pending'``, oldest first)."""
        D = self._t.decision  # noqa: N806
        order = D.decided_at.asc() if oldest_first else D.decided_at.desc()
        stmt = self._where(self._rows(), q).order_by(order, D.id).limit(max(0, min(limit, 500))).offset(max(0, offset))
        with self._db.read() as s:
            return [self._summary(*r) for r in s.execute(stmt).all()]

    def count(self, q: SessionQuery) -> int:
        """How many sessions match ``q``."""
        base = self._t.join(select(func.count()).select_from(self._t.session))
        with self._db.read() as s:
            return int(s.execute(self._where(base, q)).scalar_one())

    def _summary(self, srow: Any, drow: Any, state: str, final: str | None) -> SessionSummary:
        # The central store's rows carry kiosk seals the centre cannot check: `kiosk audit verify --central` does.
        problem = self._integrity.row_problem(srow, drow) if self._integrity is not None else None
        return SessionSummary(srow.id, drow.id, srow.kiosk_id, srow.mode, srow.started_at, srow.ended_at,
                              drow.outcome, tuple(drow.reasons), drow.decided_at, state,
                              final, srow.document_key, problem)

    def same_document(self, document_key: str, exclude_session: str | None = None, limit: int = 20) -> list[SessionSummary]:
        """Earlier and later sessions of the same document (its keyed hash), newest first."""
        S, D = self._t.session, self._t.decision  # noqa: N806
        stmt = self._rows().where(S.document_key == document_key)
        if exclude_session is not None:
            stmt = stmt.where(S.id != exclude_session)
        stmt = stmt.order_by(D.decided_at.desc(), D.id).limit(limit)
        with self._db.read() as s:
            return [self._summary(*r) for r in s.execute(stmt).all()]

    def decisions_between(self, since: datetime, until: datetime) -> list[tuple[datetime, str, tuple[str, ...], str]]:
        """(decided at, outcome, reasons, review state) of every decision in the window (the daily report)."""
        check_aware("since", since)
        check_aware("until", until)
        t, D = self._t, self._t.decision  # noqa: N806
        stmt = t.join(select(D.decided_at, D.outcome, D.reasons, t.review_state).select_from(t.session)) \
            .where(D.decided_at >= since, D.decided_at < until).order_by(D.decided_at)
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
        S = self._t.session  # noqa: N806
        with self._db.read() as s:
            kiosks = sorted(s.execute(select(S.kiosk_id).distinct()).scalars())
            modes = sorted(s.execute(select(S.mode).distinct()).scalars())
        return kiosks, modes
