"""Whole-store verification: the audit chain, every sealed row against the chain (both ways), and
the chain head against the anchors kept outside the database.

What the chain announces (the *expected* rows):
* a ``decision`` event names its session, decision, image and template ids;
* a ``review`` event names its review id;
* a ``rows_bound`` event (written once, when a store from before row seals is first opened) names
  the rows it bound, and the sessions that were already gone then;
* an ``api_key_created`` event names its API key id (a revocation re-seals the row);
* an ``operator_added`` or ``operator_restored`` event names its operator account id, an
  ``operators_bound`` event (the first open after schema 0006) the accounts it bound (every change to
  an account re-seals the row);
* a ``purge`` event names what retention deleted (a purged session takes its decision, reviews,
  images and templates with it).
A row that is present must carry a valid seal (``storage.binding``) and be expected ("row without
event" otherwise); an expected row must be present ("event without row" otherwise). An image row's
evidence blob must authenticate against the row (AES-GCM, the row's id, session and kind as associated
data, and the sealed size): a swapped, altered, emptied or missing file is named with its session. The first
problem is reported as table, row id and field, in the order sessions, decisions, reviews, images,
templates.
"""
from __future__ import annotations

import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.anchor import HeadAnchor
from storage.audit import AuditKind, AuditTrail, AuditVerification, stored_head
from storage.binding import SEALED_TABLES, check_seal
from storage.blobs import BlobStore
from storage.records import CHIP_RECORD_KIND
from storage.crypto import KeyContext
from storage.db import Database
from storage.errors import IntegrityError
from storage.tables import AuditEventRow, AuditHeadRow, DecisionRow, ImageRow, ReviewRow, SessionRow, TemplateRow

TABLE_ORDER = ("sessions", "decisions", "reviews", "images", "templates", "api_keys", "operators")


@dataclass
class _Expected:
    """Rows the chain announced: table -> {row id: (event seq, session id)}; purged session ids."""

    rows: dict[str, dict[str, tuple[int, str | None]]] = field(
        default_factory=lambda: {t: {} for t in TABLE_ORDER})
    purged_sessions: set[str] = field(default_factory=set)

    def add(self, table: str, ids: Iterable[object], seq: int, session_id: str | None) -> None:
        for rid in ids:
            if isinstance(rid, str):
                self.rows[table][rid] = (seq, session_id)

    def visit(self, ev: AuditEventRow) -> None:
        """Fold one (already MAC-checked) event into the expectations."""
        if ev.kind not in (AuditKind.DECISION, AuditKind.REVIEW, AuditKind.PURGE, AuditKind.ROWS_BOUND,
                           AuditKind.API_KEY_CREATED, AuditKind.OPERATOR_ADDED, AuditKind.OPERATOR_RESTORED,
                           AuditKind.OPERATORS_BOUND):
            return
        d = json.loads(ev.details)
        sid = ev.session_id
        if ev.kind in (AuditKind.OPERATOR_ADDED, AuditKind.OPERATOR_RESTORED):
            if d.get("operator_id") is not None:  # events from before schema 0006 name no id
                self.add("operators", [str(d["operator_id"])], ev.seq, None)
        elif ev.kind == AuditKind.OPERATORS_BOUND:
            self.add("operators", [str(i) for i in d.get("bound") or []], ev.seq, None)
        elif ev.kind == AuditKind.API_KEY_CREATED:
            self.add("api_keys", [d.get("key_id")], ev.seq, None)
        elif ev.kind == AuditKind.DECISION:
            if sid is not None:
                self.add("sessions", [sid], ev.seq, sid)
            self.add("decisions", [d.get("decision_id")], ev.seq, sid)
            self.add("images", d.get("image_ids") or [], ev.seq, sid)
            self.add("templates", d.get("template_ids") or [], ev.seq, sid)
        elif ev.kind == AuditKind.REVIEW:
            self.add("reviews", [d.get("review_id")], ev.seq, sid)
        elif ev.kind == AuditKind.ROWS_BOUND:
            for table in TABLE_ORDER:
                for rid, owner in (d.get("bound", {}).get(table) or {}).items():
                    self.rows[table][rid] = (ev.seq, owner)
            self.purged_sessions.update(d.get("absent_sessions") or [])
        else:  # purge
            purged = d.get("purged") or {}
            self.purged_sessions.update(purged.get("sessions") or [])
            for table in ("images", "templates"):
                for rid in purged.get(table) or []:
                    self.rows[table].pop(rid, None)

    def alive(self, table: str) -> dict[str, tuple[int, str | None]]:
        """Expected rows of ``table`` that no purge removed."""
        return {rid: v for rid, v in self.rows[table].items()
                if v[1] not in self.purged_sessions and not (table == "sessions" and rid in self.purged_sessions)}


def _bad(table: str, row_id: str, fld: str | None, problem: str, events: int, rows: int) -> AuditVerification:
    return AuditVerification(False, events, None, f"{table} row {row_id} {problem}", table=table, row_id=row_id,
                             field=fld, rows=rows)


class Integrity:
    """Verifies the whole store, or one session for the review screen."""

    def __init__(self, db: Database, keys: KeyContext, audit: AuditTrail, anchors: list[HeadAnchor],
                 require_anchor: bool, blobs: BlobStore | None = None) -> None:
        self._db = db
        self._blobs = blobs
        self._keys = keys
        self._audit = audit
        self._anchors = anchors
        self._require_anchor = require_anchor

    def _snapshot(self, s: Session) -> None:
        # One consistent snapshot for events and rows: SQLite's read transaction already is one;
        # PostgreSQL's default READ COMMITTED would let rows committed mid-check look unannounced.
        if self._db.backend == "postgresql":
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})

    def verify(self) -> AuditVerification:
        """Chain, anchors, then every sealed row both ways; the first problem names its row."""
        expected = _Expected()
        with self._db.read() as s:
            self._snapshot(s)
            chain = self._audit.verify_in(s, expected.visit)
            if not chain.ok:
                return chain
            anchored = self.check_anchors(s)
            if anchored is not None:
                return AuditVerification(False, chain.events, anchored[0], anchored[1])
            checked = 0
            keys = self._keys.keys
            for table in TABLE_ORDER:
                alive = expected.alive(table)
                model = SEALED_TABLES[table]
                for row in s.execute(select(model).order_by(model.id).execution_options(yield_per=500)).scalars():
                    checked += 1
                    bad = check_seal(keys, row)
                    rid = str(row.id)  # operator ids are integers
                    if bad is not None:
                        return _bad(table, rid, bad[0], bad[1], chain.events, checked)
                    if alive.pop(rid, None) is None:
                        return _bad(table, rid, None, "has no audit event announcing it (inserted outside storage)",
                                    chain.events, checked)
                    if isinstance(row, ImageRow) and self._blobs is not None:
                        blob = self._blobs.problem(row.id, row.session_id, row.kind, row.size, self._keys.cipher)
                        if blob is not None:
                            what = "chip record" if row.kind == CHIP_RECORD_KIND else f"{row.kind} image"
                            return _bad(table, row.id, "blob", f"(session {row.session_id}, {what}): its "
                                        f"evidence blob {blob}", chain.events, checked)
                if alive:
                    rid, (seq, _owner) = min(alive.items(), key=lambda kv: (kv[1][0], kv[0]))
                    return _bad(table, rid, None, f"is missing but audit event {seq} recorded it "
                                f"(deleted outside storage, or the store was restored from an older copy)",
                                chain.events, checked)
        return AuditVerification(True, chain.events, rows=checked)

    def check_anchors(self, s: Session) -> tuple[int | None, str] | None:
        """``None`` when every anchor agrees with the database head, else ``(seq, problem)``."""
        head = s.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
        for anchor in self._anchors:
            try:
                anchored = anchor.read()
            except (OSError, ValueError) as exc:
                return None, f"audit head anchor {anchor.describe()} is unreadable ({exc})"
            if anchored is None:
                if self._require_anchor and head.seq > 0:
                    return None, (f"audit head anchor {anchor.describe()} is missing although the chain has "
                                  f"{head.seq} events (deleted to hide a rollback?)")
                continue
            problem = self._audit.head_problem(anchored)
            if problem is not None:
                return None, f"audit head anchor {anchor.describe()} {problem}"
            if anchored.seq > head.seq:
                return head.seq + 1, (f"the database chain ends at seq {head.seq} but the anchor "
                                      f"{anchor.describe()} records seq {anchored.seq}: the database was rolled "
                                      f"back to an older copy (events {head.seq + 1}..{anchored.seq} are gone)")
            mac = s.execute(select(AuditEventRow.mac).where(AuditEventRow.seq == anchored.seq)).scalar_one_or_none()
            if anchored.seq > 0 and (mac is None or not hmac.compare_digest(mac, anchored.mac)):
                return anchored.seq, (f"audit event {anchored.seq} differs from the one anchor {anchor.describe()} "
                                      f"recorded: the database was replaced or its chain forked")
        return None

    def check_session(self, s: Session, srow: SessionRow, drow: DecisionRow) -> None:
        """Raise ``IntegrityError`` unless one session's rows are sealed, announced by an authentic
        event, the head record authenticates and the database is not behind its anchors (what the review
        screen relies on)."""
        keys = self._keys.keys
        rows: list[SessionRow | DecisionRow | ReviewRow | ImageRow | TemplateRow] = [srow, drow]
        for model in (ReviewRow, ImageRow, TemplateRow):
            rows += list(s.execute(select(model).where(model.session_id == srow.id).order_by(model.id)).scalars())
        for row in rows:
            bad = check_seal(keys, row)
            if bad is not None:
                table = str(row.__tablename__)
                raise IntegrityError(table, row.id, bad[0], f"session {srow.id} fails verification: {table} row "
                                     f"{row.id} {bad[1]}; run 'kiosk audit verify'")
        events = list(s.execute(select(AuditEventRow).where(AuditEventRow.session_id == srow.id,
                                                             AuditEventRow.kind.in_([AuditKind.DECISION,
                                                                                     AuditKind.REVIEW]))))
        decision_ok = any(e.kind == AuditKind.DECISION and json.loads(e.details).get("decision_id") == drow.id
                          and self._audit.event_is_authentic(s, e) for (e,) in events)
        if not decision_ok:
            raise IntegrityError("decisions", drow.id, None, f"session {srow.id} fails verification: no authentic "
                                 f"decision audit event for decision {drow.id}; run 'kiosk audit verify'")
        reviewed = {json.loads(e.details).get("review_id") for (e,) in events if e.kind == AuditKind.REVIEW}
        for row in rows:
            if isinstance(row, ReviewRow) and row.id not in reviewed:
                raise IntegrityError("reviews", row.id, None, f"session {srow.id} fails verification: review "
                                     f"{row.id} has no audit event; run 'kiosk audit verify'")
        head = s.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
        problem = self._audit.head_problem(stored_head(head))
        if problem is not None:
            raise IntegrityError(None, None, None, f"the store fails verification: the audit head record {problem}; "
                                 f"run 'kiosk audit verify'")
        anchored = self.check_anchors(s)
        if anchored is not None:
            raise IntegrityError(None, None, None, f"the store fails verification: {anchored[1]}")

    def row_problem(self, *rows: SessionRow | DecisionRow) -> str | None:
        """The first seal problem among ``rows`` as text (for flagging list entries), ``None`` when sealed."""
        keys = self._keys.keys
        for row in rows:
            bad = check_seal(keys, row)
            if bad is not None:
                return f"{row.__tablename__} row {row.id} {bad[1]}"
        return None

    def reanchor(self, actor: str, reason: str) -> int:
        """Accept the database as it is (after a deliberate restore of a backup): append an
        ``anchor_reset`` event recording what each anchor held, then point every anchor at the new head.
        Refused while the chain itself is broken. Returns the event's seq."""
        if not reason.strip():
            raise IntegrityError(None, None, None, "say why the database head is being accepted (a reason is required)")
        chain = self._audit.verify()
        if not chain.ok:
            raise IntegrityError(None, None, None, f"the audit chain itself is broken ({chain.problem}); "
                                 f"re-anchoring would not repair it")
        held = []
        for anchor in self._anchors:
            try:
                old = anchor.read()
            except (OSError, ValueError):
                old = None
            held.append({"anchor": anchor.describe(), "seq": old.seq if old else None,
                         "mac": old.mac if old else None})
        with self._db.write() as s:
            seq = self._audit.append(s, AuditKind.ANCHOR_RESET, actor,
                                     {"reason": reason.strip()[:500], "previous": held})
            row = s.execute(select(AuditHeadRow).where(AuditHeadRow.id == 1)).scalar_one()
            head = stored_head(row)
        for anchor in self._anchors:
            anchor.reset(head)
        return seq

