"""The centre's own audit events (kiosks registered, central reviews, evidence opened).

Appended inside the caller's central transaction, serialised by a transaction-level advisory lock, and
hash-chained like the kiosks' public chains (``storage.central.chain``), so an edit, insertion or
deletion in the middle is found by :func:`verify_central_audit`. The centre holds no signing key of its
own, so someone who can rewrite the whole table can rewrite the whole chain: the kiosks' pushed data
does not depend on this chain (it is signed by the kiosks), only the centre's own actions do.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, select, text

from storage.audit import canonical_details
from storage.central import schema
from storage.central.chain import GENESIS_HASH, _iso

CENTRAL_FORMAT = b"idkiosk-central/1\n"
_APPEND_LOCK = 7106173


class CentralKind:
    """Kinds of central audit events."""

    KIOSK_REGISTERED = "kiosk_registered"
    REVIEW = "central_review"
    SESSION_VIEWED = "session_viewed"
    IMAGE_VIEWED = "image_viewed"


def central_hash(prev: str, seq: int, at: datetime, kind: str, actor: str, kiosk_id: str | None,
                 session_id: str | None, details: str) -> str:
    """The chain hash of one central event given the previous one's."""
    body = json.dumps([seq, _iso(at), kind, actor, kiosk_id, session_id, details], separators=(",", ":"),
                      ensure_ascii=True)
    return hashlib.sha256(CENTRAL_FORMAT + prev.encode("ascii") + b"\n" + body.encode("ascii")).hexdigest()


def append_central_event(conn: Connection, *, kind: str, actor: str, kiosk_id: str | None, session_id: str | None,
                         details: Mapping[str, Any], at: datetime | None = None) -> int:
    """Append one central audit event inside the caller's transaction; returns its seq."""
    conn.execute(text(f"SELECT pg_advisory_xact_lock({_APPEND_LOCK})"))
    t = schema.central_audit
    last = conn.execute(select(t.c.seq, t.c.chain_hash).order_by(t.c.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last is not None else (1, GENESIS_HASH)
    at = at or datetime.now(timezone.utc)
    body = canonical_details(details)
    conn.execute(t.insert().values(seq=seq, at=at, kind=kind, actor=actor, kiosk_id=kiosk_id, session_id=session_id,
                                   details=body, chain_hash=central_hash(prev, seq, at, kind, actor, kiosk_id,
                                                                         session_id, body)))
    return int(seq)


@dataclass(frozen=True)
class CentralAuditCheck:
    """Outcome of :func:`verify_central_audit`."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None


def verify_central_audit(conn: Connection) -> CentralAuditCheck:
    """Walk the central chain; name the first event that is missing, edited or out of place."""
    t = schema.central_audit
    prev, expected = GENESIS_HASH, 1
    for row in conn.execute(select(t).order_by(t.c.seq)):
        if row.seq != expected:
            return CentralAuditCheck(False, expected - 1, expected, f"central audit event {expected} is missing")
        if central_hash(prev, row.seq, row.at, row.kind, row.actor, row.kiosk_id, row.session_id,
                        row.details) != row.chain_hash:
            return CentralAuditCheck(False, expected - 1, row.seq, f"central audit event {row.seq} does not match "
                                     f"its chain hash (edited, or an earlier event was)")
        prev, expected = row.chain_hash, expected + 1
    return CentralAuditCheck(True, expected - 1)
