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
from storage.central.chain import GENESIS_HASH, iso_utc, row_digest

CENTRAL_FORMAT = b"idkiosk-central/1\n"
_APPEND_LOCK = 7106173


class CentralKind:
    """Kinds of central audit events."""

    KIOSK_REGISTERED = "kiosk_registered"
    KEY_REVOKED = "kiosk_key_revoked"
    REVIEW = "central_review"
    SESSION_VIEWED = "session_viewed"
    IMAGE_VIEWED = "image_viewed"


def central_hash(prev: str, seq: int, at: datetime, kind: str, actor: str, kiosk_id: str | None,
                 session_id: str | None, details: str) -> str:
    """The chain hash of one central event given the previous one's."""
    body = json.dumps([seq, iso_utc(at), kind, actor, kiosk_id, session_id, details], separators=(",", ":"),
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
    """Outcome of :func:`verify_central_audit`: the first bad event (``first_bad_seq``) or central review row."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None
    review_id: str | None = None
    state_session: tuple[str, str] | None = None  # (kiosk id, session id) of a bad fleet_review_state row

    def where(self) -> str:
        """The first bad item in words."""
        if self.state_session is not None:
            return f"review state of session {self.state_session[1]} (kiosk {self.state_session[0]})"
        return f"central review {self.review_id}" if self.review_id else f"seq {self.first_bad_seq}"


REVIEW_FIELDS = ("id", "kiosk_id", "session_id", "reviewer", "reviewed_at", "verdict", "note_kid", "note_ct")


def central_review_digest(values: Mapping[str, Any]) -> str:
    """The digest a ``central_review`` event records of its ``fleet_reviews_central`` row."""
    return row_digest("fleet_reviews_central", {k: values[k] for k in REVIEW_FIELDS})


def verify_central_audit(conn: Connection) -> CentralAuditCheck:
    """Walk the central chain, check every central review row against its event (both ways), then the
    review state the queue reads against those reviews (both ways)."""
    t = schema.central_audit
    prev, expected = GENESIS_HASH, 1
    announced: dict[str, tuple[int, str]] = {}  # review id -> (event seq, digest)
    revoked: dict[str, int] = {}  # key id -> its kiosk_key_revoked event
    for row in conn.execute(select(t).order_by(t.c.seq)):
        if row.seq != expected:
            return CentralAuditCheck(False, expected - 1, expected, f"central audit event {expected} is missing")
        if central_hash(prev, row.seq, row.at, row.kind, row.actor, row.kiosk_id, row.session_id,
                        row.details) != row.chain_hash:
            return CentralAuditCheck(False, expected - 1, row.seq, f"central audit event {row.seq} does not match "
                                     f"its chain hash (edited, or an earlier event was)")
        if row.kind == CentralKind.REVIEW:
            d = json.loads(row.details)
            announced[str(d.get("review_id"))] = (row.seq, str(d.get("digest")))
        elif row.kind == CentralKind.KEY_REVOKED:
            revoked.setdefault(str(json.loads(row.details).get("key_id")), row.seq)
        prev, expected = row.chain_hash, expected + 1
    events = expected - 1
    held = set(conn.execute(select(schema.key_revocations.c.key_id)).scalars())
    for key_id, seq in sorted(revoked.items(), key=lambda kv: kv[1]):
        if key_id not in held:  # a revoked key trusted again: the worst thing a deletion here could do
            return CentralAuditCheck(False, events, seq, f"the revocation of key {key_id} that central audit event "
                                     f"{seq} recorded is missing (deleted)")
    r = schema.central_reviews
    derived: dict[tuple[str, str], tuple[str, str | None, datetime]] = {}  # what the reviews make of each session
    for rv in conn.execute(select(r).order_by(r.c.audit_seq)):
        derived[(rv.kiosk_id, rv.session_id)] = (("pending", None, rv.reviewed_at) if rv.verdict == "reopen"
                                                 else ("reviewed", rv.verdict, rv.reviewed_at))
    for rv in conn.execute(select(r).order_by(r.c.id)):
        seq_digest = announced.pop(rv.id, None)
        if seq_digest is None:
            return CentralAuditCheck(False, events, None, f"central review {rv.id} has no central_review event "
                                     f"(inserted behind the console)", rv.id)
        if rv.audit_seq != seq_digest[0] or central_review_digest(rv._mapping) != seq_digest[1]:
            return CentralAuditCheck(False, events, None, f"central review {rv.id} differs from what central audit "
                                     f"event {seq_digest[0]} recorded (edited)", rv.id)
    if announced:
        rid, (seq, _) = min(announced.items(), key=lambda kv: kv[1][0])
        return CentralAuditCheck(False, events, None, f"central review {rid} is missing but central audit event {seq} "
                                 f"recorded it (deleted)", rid)
    return _check_review_state(conn, events, derived)


def _check_review_state(conn: Connection, events: int,
                        derived: dict[tuple[str, str], tuple[str, str | None, datetime]]) -> CentralAuditCheck:
    """``fleet_review_state`` (what the queue reads) must be exactly what the checked central reviews give:
    the latest review of each session by audit seq, ``reopen`` making it pending again."""
    rs = schema.review_state
    for row in conn.execute(select(rs).order_by(rs.c.origin_kiosk, rs.c.session_id)):
        key = (row.origin_kiosk, row.session_id)
        want = derived.pop(key, None)
        if want is None:
            return CentralAuditCheck(False, events, None, f"the review state of session {row.session_id} (kiosk "
                                     f"{row.origin_kiosk}) is set by no central review (inserted behind the console)",
                                     state_session=key)
        if (row.review_state, row.final_outcome, iso_utc(row.updated_at)) != (want[0], want[1], iso_utc(want[2])):
            return CentralAuditCheck(False, events, None, f"the review state of session {row.session_id} (kiosk "
                                     f"{row.origin_kiosk}) is {row.review_state}/{row.final_outcome}, but its central "
                                     f"reviews make it {want[0]}/{want[1]} (edited)", state_session=key)
    if derived:
        key = min(derived)
        return CentralAuditCheck(False, events, None, f"the review state of session {key[1]} (kiosk {key[0]}) is "
                                 f"missing although central reviews set it (deleted)", state_session=key)
    return CentralAuditCheck(True, events)
