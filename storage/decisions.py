"""DecisionLog: records a finished session (evidence, encrypted identity and images, templates,
decision, attempts, audit event) atomically, and serves the operator review screen. What a record
must satisfy before anything is written is in ``storage.record_checks``.

Every session, decision, review, image and template row is sealed under the audit key
(``storage.binding``) in the transaction that writes it, and the ``decision`` event names the ids of
the rows it created, so ``storage.integrity`` can check rows and events both ways. The review screen
API refuses (``load_session``) or flags (``pending_reviews``/``list_sessions``) a session whose rows
fail that check.

Write order, chosen for crash safety (DESIGN.md section 4, "no committed decision lost"):
1. images are encrypted and written to the blob store, each file fsynced;
2. one database transaction inserts the session, decision, image rows, templates, attempts and
   the ``decision`` audit event, and commits with ``synchronous=FULL``.
A crash before 2 commits leaves only unreferenced blob files, which the orphan sweep of
``storage.retention`` deletes; a crash after leaves everything. ``record_session`` returns only
after the commit is durable, so a caller may report the decision as stored once it returns.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from storage.accounts import require_intact
from storage.audit import AuditKind, AuditTrail
from storage.bank_generation import bump
from storage.binding import seal
from storage.blobs import BlobStore, image_aad
from storage.clock import Clock
from storage.crypto import KeyContext, aad
from storage.db import Database
from storage.errors import IntegrityError, NotFoundError, StorageError, StorageInputError, StoreBusyError
from storage.integrity import Integrity
from storage.record_checks import check_aware, normalise_record, template_bytes, validate_record
from storage.records import (
    CHIP_RECORD_KIND,
    IdentityFields,
    ImageInfo,
    RecordedSession,
    ReviewInfo,
    SessionDetail,
    SessionRecord,
    SessionSummary,
)
from storage.review_rules import PastReview, check_review_allowed
from storage.tables import (
    AuditEventRow,
    BankEntryRow,
    DecisionRow,
    ImageRow,
    OperatorRow,
    ReviewRow,
    SessionRow,
    TemplateRow,
    new_id,
)

log = logging.getLogger(__name__)

_MAX_KEY_RACE_RETRIES = 3


def identity_aad(session_id: str) -> bytes:
    """Associated data of a session's encrypted identity fields."""
    return aad("sessions.identity", session_id)


def template_aad(template_id: str, session_id: str, identity_key: str) -> bytes:
    """Associated data of an encrypted template."""
    return aad("templates.vector", template_id, session_id, identity_key)


def note_aad(review_id: str, session_id: str) -> bytes:
    """Associated data of a review note."""
    return aad("reviews.note", review_id, session_id)


def _announce_chip_record(rec: SessionRecord, image_rows: list[ImageRow]) -> dict[str, Any]:
    """The decision event's announcement of the session's chip record: its id and the SHA-256 of its bytes,
    so an exported record can be placed in the chain (``kiosk evidence export``) and a swapped one named.
    A digest of a record full of signatures reveals nothing of it."""
    for img, row in zip(rec.images, image_rows, strict=True):
        if img.kind == CHIP_RECORD_KIND:
            return {"chip_record": {"id": row.id, "sha256": hashlib.sha256(bytes(img.data)).hexdigest()}}
    return {}


class DecisionLog:
    """Repository of sessions and decisions (see the module docstring for the write order)."""

    def __init__(self, db: Database, keys: KeyContext, blobs: BlobStore, audit: AuditTrail, clock: Clock,
                 integrity: Integrity, busy_retries: int = 2) -> None:
        self._db = db
        self._keys = keys
        self._blobs = blobs
        self._audit = audit
        self._clock = clock
        self._integrity = integrity
        self._busy_retries = busy_retries

    # ---------------------------------------------------------------- writing
    def record_session(self, rec: SessionRecord) -> RecordedSession:
        """Store one finished session atomically; returns only once the commit is durable.

        Raises ``StorageInputError`` for unusable input (nothing is written), ``StoreBusyError`` when
        another process kept the write lock through the busy timeout and every retry (nothing is
        written; call again), and ``StorageError`` when the database or blob store fails (nothing is
        committed; blob files written are removed).
        """
        return self.record_sessions([rec])[0]

    def record_sessions(self, recs: list[SessionRecord]) -> list[RecordedSession]:
        """Store several finished sessions in one transaction (all or none), each exactly as
        :meth:`record_session` would, with its own seals and ``decision`` event: an import or a
        benchmark store pays one commit for many sessions. Same errors as :meth:`record_session`."""
        recs = [normalise_record(r) for r in recs]
        for rec in recs:
            validate_record(rec)
        self._keys.refresh()
        busy = 0
        key_races = 0
        while key_races < _MAX_KEY_RACE_RETRIES:
            try:
                result = self._try_record(recs)
            except StoreBusyError:
                # Another process held the write lock for the whole busy timeout (a long export, a
                # backup tool): nothing of this attempt was committed and its blobs are gone; wait again.
                busy += 1
                if busy > self._busy_retries:
                    raise
                log.warning("database write lock held by another writer; retrying the session write (%d/%d)",
                            busy, self._busy_retries)
                continue
            if result is not None:
                return result
            key_races += 1
        raise StorageError("the data key changed repeatedly while recording (key rotation running?); try again")

    def _prepare(self, rec: SessionRecord, now: datetime, written: list[str]) -> _Prepared:
        """Encrypt and write one record's blobs, encrypt its fields; the rows are built in the transaction."""
        session_id = new_id()
        cipher = self._keys.cipher
        doc_key = (self._keys.document_key(rec.issuing_state, rec.document_number)
                   if rec.document_number is not None and rec.issuing_state is not None else None)
        image_rows: list[ImageRow] = []
        for img in rec.images:
            image_id = new_id()
            used = self._blobs.put(image_id, bytes(img.data), image_aad(image_id, session_id, img.kind), cipher)
            written.append(image_id)
            image_rows.append(ImageRow(id=image_id, session_id=session_id, kind=img.kind,
                                       media_type=img.media_type[:32], key_id=used, size=len(img.data),
                                       created_at=now))
        identity_kid = identity_ct = None
        if rec.identity is not None:
            identity_kid, identity_ct = cipher.encrypt(
                json.dumps(asdict(rec.identity), ensure_ascii=False).encode("utf-8"), identity_aad(session_id))
        template_rows = []
        for t in rec.templates:
            raw, dim = template_bytes(t.vector)
            tid = new_id()
            assert doc_key is not None
            tkid, tct = cipher.encrypt(raw, template_aad(tid, session_id, doc_key))
            template_rows.append(TemplateRow(id=tid, session_id=session_id, identity_key=doc_key, kind=t.kind[:16],
                                             dim=dim, key_id=tkid, ciphertext=tct, created_at=now))
        srow = SessionRow(id=session_id, kiosk_id=rec.kiosk_id[:64], mode=rec.mode[:32],
                          started_at=rec.started_at, ended_at=rec.ended_at, created_at=now,
                          document_key=doc_key, identity_kid=identity_kid, identity_ct=identity_ct,
                          chip=dict(rec.chip), checks=dict(rec.checks),
                          model_versions=dict(rec.model_versions), config_hash=rec.config_hash[:128])
        drow = DecisionRow(id=new_id(), session_id=session_id, outcome=rec.decision.outcome,
                           reasons=list(rec.decision.reasons), policy_version=rec.decision.policy_version[:64],
                           decided_at=now,
                           review_state="pending" if rec.decision.outcome == "review" else "none",
                           final_outcome=None if rec.decision.outcome == "review" else rec.decision.outcome)
        return _Prepared(rec, srow, drow, image_rows, template_rows, doc_key)

    def _try_record(self, recs: list[SessionRecord]) -> list[RecordedSession] | None:
        kid = self._keys.cipher.active_key_id
        written: list[str] = []
        now = self._clock.now()
        out: list[RecordedSession] = []
        try:
            prepared = [self._prepare(rec, now, written) for rec in recs]
            with self._db.write() as s:
                # Holding the write lock now: if `kiosk keys rotate` changed the keys meanwhile, start over
                # so nothing is committed under a key rotation may already have retired.
                self._audit.lock_chain(s)
                if self._keys.refresh() and self._keys.cipher.active_key_id != kid:
                    raise _KeyChanged()
                for p in prepared:
                    out.append(self._insert(s, p, now))
                out = self._raise_generations(s, recs, out)
        except _KeyChanged:
            self._remove_blobs(written)
            return None
        except BaseException:
            self._remove_blobs(written)
            raise
        return out

    def _insert(self, s: Any, p: _Prepared, now: datetime) -> RecordedSession:
        rec, srow, drow, image_rows, template_rows = p.rec, p.srow, p.drow, p.image_rows, p.template_rows
        failed = rec.counts_as_failure if rec.counts_as_failure is not None else rec.decision.outcome == "reject"
        # Sealed under the keyring read after taking the lock (a rotation may have started a new audit key).
        seal(self._keys.keys, srow, drow, *image_rows, *template_rows)
        s.add(srow)
        s.flush()
        s.add(drow)
        s.add_all(image_rows)
        s.add_all(template_rows)
        seq = self._audit.append(
            s, AuditKind.DECISION, f"kiosk:{rec.kiosk_id}",
            {"decision_id": drow.id, "outcome": rec.decision.outcome,
             "reasons": list(rec.decision.reasons), "policy_version": rec.decision.policy_version,
             "config_hash": rec.config_hash, "images": len(image_rows), "templates": len(template_rows),
             "failed": failed,  # counted by the attempt limits (storage.attempts derives them from these events)
             "image_ids": [r.id for r in image_rows], "template_ids": [r.id for r in template_rows],
             **_announce_chip_record(rec, image_rows)},
            session_id=srow.id)
        return RecordedSession(srow.id, drow.id, seq, tuple(r.id for r in image_rows), p.doc_key)

    @staticmethod
    def _raise_generations(s: Any, recs: list[SessionRecord], out: list[RecordedSession]) -> list[RecordedSession]:
        """File the face-bank identities under their lists: one generation step per identity, one update per list;
        each entry and each result carry the generation their own enrolment brought the list to (so an index can
        read just the entries newer than the generation it holds)."""
        per_list: dict[tuple[str, str], list[int]] = {}
        for i, rec in enumerate(recs):
            if rec.bank is not None:
                per_list.setdefault((rec.bank.owner, rec.bank.list_name), []).append(i)
        for (owner, list_name), idx in sorted(per_list.items()):
            last = bump(s, owner, list_name, len(idx))
            for step, i in enumerate(idx, start=last - len(idx) + 1):
                s.add(BankEntryRow(session_id=out[i].session_id, owner=owner, list_name=list_name,
                                   enrolled_at=recs[i].started_at, generation=step))
                out[i] = replace(out[i], bank_generation=step)
        return out

    def _remove_blobs(self, ids: list[str]) -> None:
        for image_id in ids:
            try:
                self._blobs.delete(image_id)
            except (OSError, StorageError):  # the orphan sweep will get it
                log.warning("could not remove blob %s after a failed write", image_id)

    def record_review(self, session_id: str, operator: str, verdict: str, note: str | None = None) -> str:
        """An operator's verdict (``accept`` or ``reject``) on a session waiting for review; returns the review id.

        A session is reviewed once: one that is not pending (already reviewed, or never flagged) is
        refused for every role; a supervisor reopens it first (:meth:`reopen_review`). Four eyes
        (``storage.review_rules``): not an admin, not the clerk who ran an assisted session
        (``checks["assisted_by"]``), not the supervisor who reopened it. Audited as ``review``.
        """
        if verdict not in ("accept", "reject"):
            raise StorageInputError("a review verdict is 'accept' or 'reject'")
        return self._write_review(session_id, operator, verdict, note)

    def reopen_review(self, session_id: str, operator: str, note: str) -> str:
        """A supervisor puts a reviewed session back in the queue, with a mandatory note (not the author of
        the verdict, not the clerk of an assisted session: ``storage.review_rules``).

        Stored as a review row with verdict ``reopen`` (note encrypted) and audited as ``review``; the
        decision's final outcome is cleared until the next review.
        """
        if not note or not note.strip():
            raise StorageInputError("reopening a review needs a note saying why")
        return self._write_review(session_id, operator, "reopen", note)

    def _write_review(self, session_id: str, operator: str, verdict: str, note: str | None) -> str:
        self._keys.refresh()
        review_id = new_id()
        now = self._clock.now()
        with self._db.write() as s:
            self._audit.lock_chain(s)  # first: no other review of this case can commit between our reads and write
            op = s.execute(select(OperatorRow).where(OperatorRow.username == operator)).scalar_one_or_none()
            if op is None or op.disabled:
                raise StorageInputError(f"operator {operator!r} does not exist or is disabled")
            require_intact(self._keys, op)  # a role forged in the database decides nothing
            row = s.execute(select(SessionRow, DecisionRow).join(DecisionRow, DecisionRow.session_id == SessionRow.id)
                            .where(SessionRow.id == session_id)).one_or_none()
            if row is None:
                raise NotFoundError(f"session {session_id} not found (purged?)")
            srow, dec = row
            check_review_allowed(verdict, dec.review_state, op.role, srow.checks, operator,
                                 self._review_history(s, session_id))
            note_kid = note_ct = None
            if note:
                note_kid, note_ct = self._keys.cipher.encrypt(note.encode("utf-8"), note_aad(review_id, session_id))
            self._keys.refresh()
            problem = self._integrity.row_problem(srow, dec)
            if problem is not None:  # never build a review on a forged decision (and re-seal it as genuine)
                raise IntegrityError("decisions", dec.id, None, f"cannot review: {problem}; run 'kiosk audit verify'")
            review = ReviewRow(id=review_id, session_id=session_id, operator_id=op.id, reviewed_at=now,
                               verdict=verdict, note_kid=note_kid, note_ct=note_ct)
            previous = dec.final_outcome
            dec.review_state = "pending" if verdict == "reopen" else "reviewed"
            dec.final_outcome = None if verdict == "reopen" else verdict
            seal(self._keys.keys, review, dec)
            s.add(review)
            self._audit.append(s, AuditKind.REVIEW, f"operator:{operator}",
                               {"review_id": review_id, "verdict": verdict, "previous": previous,
                                "decision_id": dec.id, "note": note is not None}, session_id=session_id)
        return review_id

    @staticmethod
    def _review_history(s: Any, session_id: str) -> list[PastReview]:
        """The session's reviews in chain order (the audit sequence orders them exactly; times may tie)."""
        out = []
        for actor, details in s.execute(select(AuditEventRow.actor, AuditEventRow.details)
                                        .where(AuditEventRow.session_id == session_id,
                                               AuditEventRow.kind == AuditKind.REVIEW)
                                        .order_by(AuditEventRow.seq)):
            name = actor.removeprefix("operator:")
            out.append(PastReview(name, str(json.loads(details).get("verdict"))))
        return out

    # ---------------------------------------------------------------- reading
    def _summary(self, srow: SessionRow, drow: DecisionRow) -> SessionSummary:
        return SessionSummary(srow.id, drow.id, srow.kiosk_id, srow.mode, srow.started_at, srow.ended_at,
                              drow.outcome, tuple(drow.reasons), drow.decided_at, drow.review_state,
                              drow.final_outcome, srow.document_key, self._integrity.row_problem(srow, drow))

    def pending_reviews(self, limit: int = 50, offset: int = 0) -> list[SessionSummary]:
        """Flagged sessions waiting for an operator, oldest first (no decryption, not audited)."""
        return self.list_sessions(review_state="pending", limit=limit, offset=offset, newest_first=False)

    def pending_count(self) -> int:
        """How many sessions wait for an operator review (for a badge on the review screen)."""
        with self._db.read() as s:
            return int(s.execute(select(func.count()).select_from(DecisionRow)
                                 .where(DecisionRow.review_state == "pending")).scalar_one())

    def list_sessions(self, since: datetime | None = None, until: datetime | None = None,
                      outcome: str | None = None, review_state: str | None = None,
                      limit: int = 100, offset: int = 0, newest_first: bool = True) -> list[SessionSummary]:
        """Session summaries filtered by decision time, outcome and review state."""
        stmt = select(SessionRow, DecisionRow).join(DecisionRow, DecisionRow.session_id == SessionRow.id)
        if since is not None:
            check_aware("since", since)
            stmt = stmt.where(DecisionRow.decided_at >= since)
        if until is not None:
            check_aware("until", until)
            stmt = stmt.where(DecisionRow.decided_at < until)
        if outcome is not None:
            stmt = stmt.where(DecisionRow.outcome == outcome)
        if review_state is not None:
            stmt = stmt.where(DecisionRow.review_state == review_state)
        order = DecisionRow.decided_at.desc() if newest_first else DecisionRow.decided_at.asc()
        stmt = stmt.order_by(order, DecisionRow.id).limit(max(0, limit)).offset(max(0, offset))
        self._keys.refresh()
        with self._db.read() as s:
            return [self._summary(a, b) for a, b in s.execute(stmt).all()]

    def load_session(self, session_id: str, actor: str) -> SessionDetail:
        """Full detail of one session with identity and notes decrypted; audited as ``session_viewed``.

        Raises ``IntegrityError`` (naming table, row and field) when the session's rows fail their seals
        or their audit events, or the database is behind its chain-head anchor: the screen must not
        show a forged decision as if it were genuine.
        """
        self._keys.refresh()
        cipher = self._keys.cipher
        with self._db.read() as s:
            row = s.execute(select(SessionRow, DecisionRow).join(DecisionRow, DecisionRow.session_id == SessionRow.id)
                            .where(SessionRow.id == session_id)).one_or_none()
            if row is None:
                raise NotFoundError(f"session {session_id} not found (purged?)")
            srow, drow = row
            self._integrity.check_session(s, srow, drow)
            identity = None
            if srow.identity_ct is not None and srow.identity_kid is not None:
                plain = cipher.decrypt(srow.identity_kid, srow.identity_ct, identity_aad(srow.id))
                identity = IdentityFields(**json.loads(plain))
            stored = [ImageInfo(i.id, i.kind, i.media_type, i.size, i.created_at) for i in s.execute(
                select(ImageRow).where(ImageRow.session_id == session_id).order_by(ImageRow.kind, ImageRow.id)).scalars()]
            images = tuple(i for i in stored if i.kind != CHIP_RECORD_KIND)
            chip_record = next((i for i in stored if i.kind == CHIP_RECORD_KIND), None)
            reviews = []
            for rv, username in s.execute(select(ReviewRow, OperatorRow.username)
                                          .join(OperatorRow, OperatorRow.id == ReviewRow.operator_id)
                                          .where(ReviewRow.session_id == session_id).order_by(ReviewRow.reviewed_at)):
                note = None
                if rv.note_ct is not None and rv.note_kid is not None:
                    note = cipher.decrypt(rv.note_kid, rv.note_ct, note_aad(rv.id, session_id)).decode("utf-8")
                reviews.append(ReviewInfo(rv.id, username, rv.reviewed_at, rv.verdict, note))
            detail = SessionDetail(self._summary(srow, drow), identity, dict(srow.chip), dict(srow.checks),
                                   dict(srow.model_versions), srow.config_hash, images, tuple(reviews), chip_record)
        self._audit.record(AuditKind.SESSION_VIEWED, actor, {}, session_id=session_id)
        return detail

    def load_image(self, image_id: str, actor: str) -> tuple[ImageInfo, bytes]:
        """An image's metadata and decrypted bytes (in memory only); audited as ``image_viewed``."""
        self._keys.refresh()
        with self._db.read() as s:
            row = s.get(ImageRow, image_id)
            if row is None:
                raise NotFoundError(f"image {image_id} not found (purged?)")
            info = ImageInfo(row.id, row.kind, row.media_type, row.size, row.created_at)
            session_id, kind = row.session_id, row.kind
        data = self._blobs.get(image_id, image_aad(image_id, session_id, kind), self._keys.cipher)
        self._audit.record(AuditKind.IMAGE_VIEWED, actor, {"image_id": image_id, "kind": kind}, session_id=session_id)
        return info, data

    def session_ids_of(self, kiosk_id: str, mode: str) -> set[str]:
        """Ids of the sessions recorded by ``kiosk_id`` in ``mode`` (e.g. one face bank's entries)."""
        with self._db.read() as s:
            return set(s.execute(select(SessionRow.id).where(SessionRow.kiosk_id == kiosk_id,
                                                             SessionRow.mode == mode)).scalars())

    def checks_of(self, kiosk_id: str, mode: str) -> dict[str, dict[str, Any]]:
        """``{session id: checks}`` of the sessions recorded by ``kiosk_id`` in ``mode`` (not audited: the
        checks column holds measurements and bookkeeping such as a face-bank entry's owner, no personal data)."""
        with self._db.read() as s:
            return {sid: dict(checks or {}) for sid, checks in s.execute(
                select(SessionRow.id, SessionRow.checks).where(SessionRow.kiosk_id == kiosk_id,
                                                               SessionRow.mode == mode))}

    def checks_of_ids(self, session_ids: list[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """``{session id: (mode, checks)}`` of the given sessions that exist (not audited: no personal data)."""
        out: dict[str, tuple[str, dict[str, Any]]] = {}
        with self._db.read() as s:
            for i in range(0, len(session_ids), 500):
                out.update({sid: (mode, dict(checks or {})) for sid, mode, checks in s.execute(
                    select(SessionRow.id, SessionRow.mode, SessionRow.checks)
                    .where(SessionRow.id.in_(session_ids[i:i + 500])))})
        return out

    def session_origin(self, session_id: str) -> tuple[str, str] | None:
        """``(kiosk_id, mode)`` of a session, ``None`` when there is no such session (not audited: no personal data)."""
        with self._db.read() as s:
            row = s.execute(select(SessionRow.kiosk_id, SessionRow.mode).where(SessionRow.id == session_id)).first()
            return (row[0], row[1]) if row is not None else None

    def decision_exists(self, decision_id: str) -> bool:
        """Whether a decision id is in the log (crash-safety checks, idempotent retries)."""
        with self._db.read() as s:
            return s.get(DecisionRow, decision_id) is not None


@dataclass
class _Prepared:
    """One record's encrypted parts and rows, ready to insert."""

    rec: SessionRecord
    srow: SessionRow
    drow: DecisionRow
    image_rows: list[ImageRow]
    template_rows: list[TemplateRow]
    doc_key: str | None


class _KeyChanged(Exception):
    """Internal: the active data key changed between encryption and commit."""


