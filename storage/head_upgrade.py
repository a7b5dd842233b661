"""Authenticating the audit head of a store, once in its life, at the first open with the keys.

Schema 0007 adds ``audit_head.head_mac`` (``storage.audit.head_mac``) but the migration has no key, so a
new store, or one written by code from before authenticated heads, opens with a head that carries no
MAC. :func:`authenticate_head` then verifies the chain (everything except the missing head MAC) and
appends one ``head_authenticated`` event, whose append authenticates the head and publishes it to the
anchors. The event is what makes this happen only once: a head without a MAC in a chain that already
holds a ``head_authenticated`` event was stripped by hand, and is left for ``kiosk audit verify`` to
name, never re-authenticated (otherwise deleting the newest events and clearing the head's MAC would
get the truncated chain blessed at the next open).
"""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.audit import AuditKind, AuditTrail
from storage.db import Database
from storage.tables import AuditEventRow, AuditHeadRow

log = logging.getLogger(__name__)


def _marked(s: Session) -> bool:
    return s.execute(select(AuditEventRow.seq).where(
        AuditEventRow.kind == AuditKind.HEAD_AUTHENTICATED).limit(1)).first() is not None


def authenticate_head(db: Database, audit: AuditTrail, actor: str = "system:upgrade") -> int | None:
    """Authenticate a head that carries no MAC (new or pre-0007 store); returns the event's seq, or ``None``
    when nothing was done (already authenticated, already done once, or the chain is broken)."""
    with db.read() as s:
        head = s.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one_or_none()
        if head is None or head.head_mac is not None:
            return None
        if _marked(s):
            log.error("the audit head carries no MAC although it was authenticated before: not re-authenticated")
            return None
        chain = audit.verify_in(s, head_authenticated=False)
    if not chain.ok:
        log.error("the audit head was not authenticated: the audit chain is broken (%s)", chain.problem)
        return None
    with db.write() as s:
        head = s.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
        if head.head_mac is not None or _marked(s):  # another process did it meanwhile
            return None
        return audit.append(s, AuditKind.HEAD_AUTHENTICATED, actor, {"events_before": head.seq})
