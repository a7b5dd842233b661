"""The review queue and the search: filters in the operator's terms (days, reason, kiosk, mode,
outcome, session id) turned into ``storage.review_queries.SessionQuery``, one page at a time."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from storage.records import SessionSummary
from storage.review_queries import SessionQuery
from storage.store import Storage

from kiosk.errors import BadInputError

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    """What the operator chose; ``None`` is "any". Days are whole UTC days, ``day_to`` included."""

    day_from: dt.date | None = None
    day_to: dt.date | None = None
    reason: str | None = None
    kiosk_id: str | None = None
    mode: str | None = None
    outcome: str | None = None
    session_id: str | None = None

    def query(self, review_state: str | None) -> SessionQuery:
        """The storage query for this filter."""
        if self.day_from and self.day_to and self.day_to < self.day_from:
            raise BadInputError("the end day is before the start day")
        since = dt.datetime.combine(self.day_from, dt.time(), dt.timezone.utc) if self.day_from else None
        until = (dt.datetime.combine(self.day_to, dt.time(), dt.timezone.utc) + dt.timedelta(days=1)
                 if self.day_to else None)
        sid = (self.session_id or "").strip().lower() or None
        reason = (self.reason or "").strip().upper() or None
        return SessionQuery(since=since, until=until, outcome=self.outcome or None, review_state=review_state,
                            reason=reason, kiosk_id=self.kiosk_id or None, mode=self.mode or None, session_id=sid)


@dataclass(frozen=True)
class QueuePage:
    """One page of results with the total count."""

    items: tuple[SessionSummary, ...]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the total fills (at least one)."""
        return max(1, -(-self.total // self.page_size))


def waiting_text(s: SessionSummary, now: dt.datetime) -> str:
    """How long a pending case has waited ("5.2 h", "3.1 d" from two days on); empty when not pending."""
    if s.review_state != "pending":
        return ""
    hours = (now - s.decided_at).total_seconds() / 3600
    return f"{hours / 24:.1f} d" if hours >= 48 else f"{hours:.1f} h"


def review_queue(st: Storage, f: QueueFilter, page: int = 0, page_size: int = PAGE_SIZE) -> QueuePage:
    """REVIEW sessions waiting for an operator, oldest first."""
    q = f.query("pending")
    items = st.queries.page(q, limit=page_size, offset=max(0, page) * page_size, oldest_first=True)
    return QueuePage(tuple(items), st.queries.count(q), max(0, page), page_size)


def search(st: Storage, f: QueueFilter, page: int = 0, page_size: int = PAGE_SIZE) -> QueuePage:
    """Any session (every outcome and review state), newest first."""
    q = f.query(None)
    items = st.queries.page(q, limit=page_size, offset=max(0, page) * page_size, oldest_first=False)
    return QueuePage(tuple(items), st.queries.count(q), max(0, page), page_size)
