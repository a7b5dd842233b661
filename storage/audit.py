"""Tamper-evident audit trail: an HMAC chain over append-only events.

Each event ``n`` stores ``mac_n = HMAC-SHA-256(K_audit, mac_{n-1} || "\\n" || canonical(event_n))``
(RFC 2104), with ``mac_0`` = 64 zero hex digits and ``canonical`` a JSON array of the event's
fields (seq, time, kind, actor, session id, details text, key id). The audit key is separate from
the data keys and never stored in the database, so someone with only write access to the database
cannot forge a valid chain. The rows the events speak about (sessions, decisions, reviews, images,
templates) carry per-field seals under the same key (``storage.binding``) and are checked against the
events both ways by ``storage.integrity``. A one-row ``audit_head`` holds the last seq (a monotonic
counter) and mac, authenticated by its own ``head_mac`` = HMAC(K_audit, ["idkiosk-head/1", key id, seq,
mac]): appends lock it, and verification checks its MAC and compares it with the chain, so deleting
events at the end is caught (moving the head back to an earlier event needs the key: the earlier
event's MAC is in the database, the earlier head's MAC is not) as well as edited, deleted or
reordered events in the middle. After each commit that appended events the new head is published
to the anchors outside the database (``storage.anchor``: a head file, later a central copy), so a
rollback of the whole database is detected too. (An attacker who holds the audit key is out of
reach of any MAC; one who rolls back the database and every anchor together is out of reach of the
anchors.)

Appends are serialised: on SQLite every write transaction begins ``IMMEDIATE`` (the database write
lock, held until commit), on PostgreSQL the head row is read ``FOR UPDATE``. Either way two
processes can never read the same head and fork the chain.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.clock import Clock
from storage.crypto import KeyContext
from storage.db import Database
from storage.anchor import AnchoredHead, HeadAnchor
from storage.errors import IntegrityError, StorageInputError
from storage.tables import AuditEventRow, AuditHeadRow

log = logging.getLogger(__name__)

GENESIS_MAC = "0" * 64
HEAD_MAC_TAG = "idkiosk-head/1"


class AuditKind:
    """Event kinds written by storage (string constants; the column is free text for later kinds)."""

    DECISION = "decision"
    REVIEW = "review"
    PURGE = "purge"
    LOGIN_OK = "login_ok"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED = "login_locked"
    OPERATOR_ADDED = "operator_added"
    OPERATOR_DISABLED = "operator_disabled"
    PASSWORD_CHANGED = "password_changed"
    CONFIG_CHANGE = "config_change"
    KEY_ROTATION = "key_rotation"
    EXPORT = "export"
    SESSION_VIEWED = "session_viewed"
    IMAGE_VIEWED = "image_viewed"
    ROWS_BOUND = "rows_bound"
    ANCHOR_RESET = "anchor_reset"
    LOGOUT = "logout"                      # the operator console (kiosk/console)
    CONSOLE_LOCKED = "console_locked"      # idle auto-lock of the console
    OPERATOR_UNLOCKED = "operator_unlocked"
    CASE_EXPORTED = "case_exported"
    API_KEY_CREATED = "api_key_created"
    API_KEY_REVOKED = "api_key_revoked"
    API_CALL = "api_call"  # an integration-API call that read or wrote personal data (key id, endpoint)
    OPERATOR_ROLE_CHANGED = "operator_role_changed"
    OPERATOR_RESTORED = "operator_restored"  # an account that failed its seal, re-set from the command line
    OPERATORS_BOUND = "operators_bound"      # accounts from before operator seals (0006) bound at upgrade
    HEAD_AUTHENTICATED = "head_authenticated"  # once per store: from here on the head record carries its MAC


def canonical_details(details: Mapping[str, Any]) -> str:
    """Details as canonical JSON text (sorted keys, no spaces, ASCII): the exact text that is MACed."""
    try:
        return json.dumps(dict(details), sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise StorageInputError(f"audit details must be plain JSON values: {exc}") from exc


def event_mac(key: bytes, prev_mac: str, seq: int, at: datetime, kind: str, actor: str,
              session_id: str | None, details: str, key_id: str) -> str:
    """The chain MAC of one event given the previous event's MAC."""
    body = json.dumps([seq, at.isoformat(), kind, actor, session_id, details, key_id],
                      separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, prev_mac.encode("ascii") + b"\n" + body.encode("ascii"), hashlib.sha256).hexdigest()


def head_mac(key: bytes, key_id: str, seq: int, mac: str) -> str:
    """The head record's own MAC: binds the counter ``seq`` to the last event's ``mac`` under the audit key."""
    body = json.dumps([HEAD_MAC_TAG, key_id, seq, mac], separators=(",", ":"), ensure_ascii=True)
    return hmac.new(key, body.encode("ascii"), hashlib.sha256).hexdigest()


def stored_head(row: AuditHeadRow) -> AnchoredHead:
    """The head record of the ``audit_head`` row as an :class:`AnchoredHead` (with its own MAC, if any)."""
    return AnchoredHead(row.seq, row.mac, row.head_mac, row.key_id)


@dataclass(frozen=True)
class AuditVerification:
    """Outcome of :meth:`AuditTrail.verify`: ``ok``, events checked, and the first bad row if any."""

    ok: bool
    events: int
    first_bad_seq: int | None = None
    problem: str | None = None
    table: str | None = None  # set when a stored row (not an event) is the first bad row
    row_id: str | None = None
    field: str | None = None
    rows: int = 0  # sealed rows checked (full verification only)

    def where(self) -> str:
        """The first bad row in words: ``seq N``, ``table T, id X, field F``, or ``head record``."""
        if self.table is not None:
            return f"table {self.table}, id {self.row_id}" + (f", field {self.field}" if self.field else "")
        if self.first_bad_seq is not None:
            return f"seq {self.first_bad_seq}"
        return "head record"


@dataclass(frozen=True)
class AuditEvent:
    """One audit event as read back (details parsed)."""

    seq: int
    at: datetime
    kind: str
    actor: str
    session_id: str | None
    details: dict[str, Any]


class AuditTrail:
    """Appends chained events and verifies the chain."""

    def __init__(self, db: Database, keys: KeyContext, clock: Clock,
                 anchors: list[HeadAnchor] | None = None) -> None:
        self._db = db
        self._keys = keys
        self._clock = clock
        self.anchors: list[HeadAnchor] = list(anchors or [])
        db.after_commit.append(self._publish_committed)

    def _publish_committed(self, info: dict[str, Any]) -> None:
        head = info.get("audit_head")
        if head is not None:
            self.publish(head)

    def sign_head(self, seq: int, mac: str) -> AnchoredHead:
        """The head ``(seq, mac)`` authenticated under the active audit key."""
        kid = self._keys.keys.active_audit_key
        return AnchoredHead(seq, mac, head_mac(self._keys.keys.audit_keys[kid], kid, seq, mac), kid)

    def head_problem(self, head: AnchoredHead) -> str | None:
        """``None`` when ``head``'s own MAC verifies under the audit key it names, else why not."""
        if head.head_mac is None or head.key_id is None:
            return "carries no head MAC (written outside storage, or by code from before authenticated heads)"
        key = self._keys.keys.audit_keys.get(head.key_id)
        if key is None:
            return f"names unknown audit key {head.key_id!r}"
        if not hmac.compare_digest(head_mac(key, head.key_id, head.seq, head.mac), head.head_mac):
            return (f"(counter {head.seq}) does not authenticate under the audit key: rewritten outside "
                    f"storage, e.g. moved back to an earlier event")
        return None

    def publish(self, head: AnchoredHead) -> None:
        """Hand a committed head to every anchor. A failing anchor is logged, not raised: the
        transaction is already durable, and a lagging anchor only narrows rollback detection."""
        for anchor in self.anchors:
            try:
                anchor.publish(head)
            except (OSError, ValueError) as exc:
                log.error("could not update audit head anchor %s: %s", anchor.describe(), exc)

    def head(self) -> AnchoredHead:
        """The database's current chain head."""
        with self._db.read() as session:
            row = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
            return stored_head(row)

    def lock_chain(self, session: Session) -> None:
        """Take the chain lock inside a write transaction (a global write mutex for storage).

        SQLite: already held, every write transaction begins IMMEDIATE. PostgreSQL: ``SELECT ...
        FOR UPDATE`` on the head row, held until commit. Writers that must see the newest keyring
        (``record_session``, key rotation's final step) take it before checking the keys.
        """
        if self._db.backend == "postgresql":
            session.execute(select(AuditHeadRow.seq).where(AuditHeadRow.id == 1).with_for_update())

    def append(self, session: Session, kind: str, actor: str, details: Mapping[str, Any] | None = None,
               session_id: str | None = None) -> int:
        """Append an event inside the caller's *write* transaction (``Database.write()``); returns its seq.

        The event commits or rolls back with the caller's other changes (a decision and its audit
        event are one atomic unit).
        """
        if not kind or not actor:
            raise StorageInputError("audit events need a kind and an actor")
        text = canonical_details(details or {})
        stmt = select(AuditHeadRow).where(AuditHeadRow.id == 1)
        if self._db.backend == "postgresql":
            stmt = stmt.with_for_update()
        head = session.execute(stmt).scalar_one()
        seq = head.seq + 1
        at = self._clock.now()
        kid = self._keys.keys.active_audit_key
        mac = event_mac(self._keys.keys.audit_keys[kid], head.mac, seq, at, kind, actor, session_id, text, kid)
        session.add(AuditEventRow(seq=seq, at=at, kind=kind, actor=actor, session_id=session_id,
                                  details=text, key_id=kid, mac=mac))
        signed = self.sign_head(seq, mac)
        head.seq, head.mac, head.head_mac, head.key_id = seq, mac, signed.head_mac, signed.key_id
        session.flush()
        session.info["audit_head"] = signed  # published to the anchors once committed (Database.write)
        return seq

    def record(self, kind: str, actor: str, details: Mapping[str, Any] | None = None,
               session_id: str | None = None) -> int:
        """Append an event in its own transaction; returns its seq."""
        with self._db.write() as session:
            return self.append(session, kind, actor, details, session_id)

    def events(self, since_seq: int = 0, limit: int = 1000) -> list[AuditEvent]:
        """Events after ``since_seq`` in chain order (for display; use :meth:`verify` to trust them)."""
        with self._db.read() as session:
            rows = session.execute(
                select(AuditEventRow).where(AuditEventRow.seq > since_seq).order_by(AuditEventRow.seq).limit(limit)
            ).scalars().all()
            return [AuditEvent(r.seq, r.at, r.kind, r.actor, r.session_id, json.loads(r.details)) for r in rows]

    def verify(self) -> AuditVerification:
        """Walk the whole chain; report the first event that is missing, edited or out of place."""
        with self._db.read() as session:
            return self.verify_in(session)

    def verify_in(self, session: Session, visit: Callable[[AuditEventRow], None] | None = None,
                  head_authenticated: bool = True, from_seq: int = 1) -> AuditVerification:
        """:meth:`verify` inside the caller's read transaction; ``visit`` sees each event once its MAC checked.

        ``head_authenticated=False`` skips only the head record's own MAC (the one-time upgrade of a store
        from before authenticated heads, ``storage.head_upgrade``). ``from_seq`` checks only the events from
        that one to the authenticated head (the suffix: nothing after ``from_seq`` was edited, removed or
        renumbered), taking the stored MAC of the event before it as given."""
        self._keys.refresh()
        audit_keys = self._keys.keys.audit_keys
        prev_mac = GENESIS_MAC
        expected = max(1, from_seq)
        if expected > 1:
            stored = session.execute(select(AuditEventRow.mac).where(AuditEventRow.seq == expected - 1)).scalar_one_or_none()
            if stored is None:
                return AuditVerification(False, 0, expected - 1, f"audit event {expected - 1} is missing")
            prev_mac = stored
        head = session.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one_or_none()
        rows = session.execute(select(AuditEventRow).where(AuditEventRow.seq >= expected).order_by(AuditEventRow.seq)
                               .execution_options(yield_per=1000)).scalars()
        for row in rows:
            if row.seq != expected:
                return AuditVerification(
                    False, expected - 1, expected,
                    f"audit event {expected} is missing (deleted or renumbered); next row is seq {row.seq}",
                )
            key = audit_keys.get(row.key_id)
            if key is None:
                return AuditVerification(False, expected - 1, row.seq,
                                         f"audit event {row.seq} names unknown audit key {row.key_id!r}")
            mac = event_mac(key, prev_mac, row.seq, row.at, row.kind, row.actor, row.session_id,
                            row.details, row.key_id)
            if not hmac.compare_digest(mac, row.mac):
                return AuditVerification(
                    False, expected - 1, row.seq,
                    f"audit event {row.seq} fails its MAC (edited, reordered, or a previous event was altered)",
                )
            if visit is not None:
                visit(row)
            prev_mac = row.mac
            expected += 1
        count = expected - 1
        if head is None:
            return AuditVerification(False, count, None, "audit head row is missing")
        problem = self.head_problem(stored_head(head))
        if head_authenticated and problem is not None:
            return AuditVerification(False, count, None, f"the audit head record {problem}")
        if head.seq != count or not hmac.compare_digest(head.mac, prev_mac):
            first_bad = min(head.seq, count) + 1 if head.seq != count else count
            return AuditVerification(
                False, count, first_bad,
                f"audit head counter records {head.seq} events but the chain ends at {count}: "
                f"events from seq {first_bad} on were deleted or the head was altered",
            )
        return AuditVerification(True, count)

    def newest(self, kind: str, match: Callable[[dict[str, Any]], bool]) -> AuditEvent | None:
        """The newest event of ``kind`` whose details ``match``, proven newest: every event after it up to the
        authenticated head is checked (:meth:`verify_in` from its seq; the whole chain when there is none), so
        it cannot have been hidden by deleting, editing or renumbering events. ``None`` when the chain holds
        none; ``IntegrityError`` naming the first bad event when the checked part of the chain is broken."""
        with self._db.read() as session:
            found: AuditEventRow | None = None
            rows = session.execute(select(AuditEventRow).where(AuditEventRow.kind == kind)
                                   .order_by(AuditEventRow.seq.desc()).execution_options(yield_per=100)).scalars()
            for row in rows:
                try:
                    details = json.loads(row.details)
                except ValueError:
                    details = None
                if isinstance(details, dict) and match(details):
                    found = row
                    break
            check = self.verify_in(session, from_seq=found.seq if found is not None else 1)
            if not check.ok:
                raise IntegrityError(None, None, None, f"the audit chain is broken at {check.where()}: {check.problem}")
            if found is None:
                return None
            return AuditEvent(found.seq, found.at, found.kind, found.actor, found.session_id, json.loads(found.details))

    def event_is_authentic(self, session: Session, row: AuditEventRow) -> bool:
        """Whether one event's MAC checks against its predecessor's (a cheap spot check of one link)."""
        key = self._keys.keys.audit_keys.get(row.key_id)
        if key is None:
            return False
        prev = GENESIS_MAC if row.seq == 1 else session.execute(
            select(AuditEventRow.mac).where(AuditEventRow.seq == row.seq - 1)).scalar_one_or_none()
        if prev is None:
            return False
        mac = event_mac(key, prev, row.seq, row.at, row.kind, row.actor, row.session_id, row.details, row.key_id)
        return hmac.compare_digest(mac, row.mac)
