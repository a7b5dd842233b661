"""The operator console on the central store: one queue across kiosks, central reviews stored and audited.

:func:`open_fleet_console_storage` gives the console (``kiosk.console.Console``) an ordinary ``Storage``
of the back office, opened on the central PostgreSQL database with its own keys folder (operator
accounts, logins and lockouts, its own HMAC audit chain, as on a kiosk), in which three services are
swapped for central ones, so the console code runs unchanged:

* ``queries``: ``storage.review_queries.ReviewQueries`` itself, over the ``fleet_`` mirrors of every
  kiosk's sessions and decisions, with the review state central reviews give a session;
* ``decisions``: :class:`FleetDecisions`: a case is read from the mirrors, its images and identity
  fields from the sealed evidence (opened with the back office's private keys,
  ``storage.central.evidence``), and a review is stored in ``fleet_reviews_central`` with a
  ``central_review`` event in the centre's audit chain (``fleet_central_audit``), one transaction;
* ``duplicates``: none (1:N search runs on each kiosk; the centre holds templates only sealed).

A central review never changes a kiosk's pushed rows (they stay verifiable against the kiosk's
signed history); it does not flow back to the kiosk either: the kiosk's own queue keeps the session
until a kiosk operator reviews it, or retention removes it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import DeclarativeBase

from storage.accounts import require_intact
from storage.central import schema
from storage.central.central_audit import CentralKind, append_central_event, central_review_digest
from storage.central.evidence import list_central_evidence, open_central_evidence
from storage.central.store import CentralStore
from storage.clock import Clock
from storage.config import StorageConfig
from storage.crypto import aad
from storage.errors import NotFoundError, StorageConfigError, StorageInputError
from storage.records import CHIP_RECORD_KIND, IdentityFields, ImageInfo, ReviewInfo, SessionDetail, SessionSummary
from storage.review_queries import LogTables, ReviewEntry, ReviewQueries
from storage.review_rules import PastReview, check_review_allowed
from storage.store import Storage, open_storage
from storage.tables import OperatorRow, new_id


class _FleetBase(DeclarativeBase):
    metadata = schema.metadata


class FleetSession(_FleetBase):
    """ORM view of ``fleet_sessions`` (the local session columns plus ``origin_kiosk``)."""

    __table__ = schema.ROW_TABLES["sessions"]


class FleetDecision(_FleetBase):
    """ORM view of ``fleet_decisions``."""

    __table__ = schema.ROW_TABLES["decisions"]


FLEET_TABLES = LogTables(FleetSession, FleetDecision, schema.review_state)


def central_note_aad(review_id: str, kiosk_id: str, session_id: str) -> bytes:
    """Associated data of a central review's note (encrypted under the back office's data key)."""
    return aad("fleet_reviews_central.note", review_id, kiosk_id, session_id)


class FleetQueries(ReviewQueries):
    """The console's list queries over every kiosk's pushed sessions."""

    def __init__(self, st: Storage) -> None:
        super().__init__(st.db, None, FLEET_TABLES)

    def case_rows(self, session_id: str) -> tuple[FleetSession, FleetDecision, str, str | None]:
        """One pushed session's rows and its effective review state and final outcome."""
        with self._db.read() as s:
            row = s.execute(self._rows().where(FleetSession.id == session_id)).first()
        if row is None:
            raise NotFoundError(f"session {session_id} is not at the central store (not pushed yet?)")
        return row[0], row[1], row[2], row[3]

    def summary(self, srow: FleetSession, drow: FleetDecision, state: str, final: str | None) -> SessionSummary:
        """The list entry of one session (as the queue shows it)."""
        return self._summary(srow, drow, state, final)

    def reviews(self, since: datetime | None = None, limit: int = 100, offset: int = 0) -> list[ReviewEntry]:
        """Central reviews newest first, with the reviewer and the decision time."""
        r, D = schema.central_reviews, FleetDecision  # noqa: N806
        stmt = (select(r.c.id, r.c.session_id, r.c.reviewer, r.c.reviewed_at, r.c.verdict, D.decided_at)
                .join(D, (D.session_id == r.c.session_id) & (D.origin_kiosk == r.c.kiosk_id)))
        if since is not None:
            stmt = stmt.where(r.c.reviewed_at >= since)
        stmt = stmt.order_by(r.c.reviewed_at.desc(), r.c.id).limit(max(0, limit)).offset(max(0, offset))
        with self._db.read() as s:
            return [ReviewEntry(*row) for row in s.execute(stmt).all()]


class _NoDuplicates:
    """The centre runs no 1:N search (templates are held sealed there)."""

    def session_hits(self, session_id: str) -> list[Any]:
        """No duplicate hits at the centre."""
        return []

    def clear_cache(self) -> None:
        """Nothing is cached."""


class FleetDecisions:
    """Case reads and reviews at the centre (the parts of ``DecisionLog`` the console uses)."""

    def __init__(self, st: Storage, central: CentralStore, keyring: Any | None) -> None:
        self._st = st
        self._central = central
        self._keyring = keyring
        self._queries = FleetQueries(st)

    def _need_keys(self) -> Any:
        if self._keyring is None:
            raise StorageConfigError("the back office's private keys are needed to open sealed evidence: start the "
                                     "console with --backoffice-keys DIR")
        return self._keyring

    def load_session(self, session_id: str, actor: str) -> SessionDetail:
        """One pushed session: rows from the mirrors, identity from the sealed copy; audited centrally."""
        srow, drow, state, final = self._queries.case_rows(session_id)
        kiosk = srow.origin_kiosk
        sealed = {e.evidence_id: e for e in list_central_evidence(self._central, kiosk_id=kiosk, session_id=session_id)}
        identity = None
        if session_id in sealed:  # the identity fields' evidence id is the session id
            _, raw = open_central_evidence(self._central, self._need_keys(), kiosk_id=kiosk, evidence_id=session_id,
                                           actor=actor)
            identity = IdentityFields(**json.loads(raw))
        images_t, reviews_t, central_t = schema.ROW_TABLES["images"], schema.ROW_TABLES["reviews"], schema.central_reviews
        self._st.keys.refresh()
        with self._central.begin("case read", snapshot=True) as conn:
            stored = [ImageInfo(r.id, r.kind, r.media_type, r.size, r.created_at) for r in conn.execute(
                select(images_t).where(images_t.c.origin_kiosk == kiosk, images_t.c.session_id == session_id)
                .order_by(images_t.c.kind, images_t.c.id)) if r.id in sealed]
            images = tuple(i for i in stored if i.kind != CHIP_RECORD_KIND)  # pictures only, as at the kiosk
            chip_record = next((i for i in stored if i.kind == CHIP_RECORD_KIND), None)
            reviews = [ReviewInfo(r.id, f"{kiosk} operator #{r.operator_id}", r.reviewed_at, r.verdict, None)
                       for r in conn.execute(select(reviews_t).where(reviews_t.c.origin_kiosk == kiosk,
                                                                     reviews_t.c.session_id == session_id))]
            for r in conn.execute(select(central_t).where(central_t.c.kiosk_id == kiosk,
                                                          central_t.c.session_id == session_id)):
                note = None
                if r.note_ct is not None:
                    note = self._st.keys.cipher.decrypt(r.note_kid, r.note_ct,
                                                        central_note_aad(r.id, kiosk, session_id)).decode("utf-8")
                reviews.append(ReviewInfo(r.id, r.reviewer, r.reviewed_at, r.verdict, note))
        with self._central.begin("central audit") as conn:
            append_central_event(conn, kind=CentralKind.SESSION_VIEWED, actor=actor, kiosk_id=kiosk,
                                 session_id=session_id, details={})
        return SessionDetail(self._queries.summary(srow, drow, state, final), identity, dict(srow.chip), dict(srow.checks), dict(srow.model_versions),
                             srow.config_hash, images, tuple(sorted(reviews, key=lambda x: x.reviewed_at)),
                             chip_record)

    def load_chip_record(self, session_id: str, actor: str) -> tuple[Any, Any]:
        """The session's chip record from its sealed copy, placed in the central copy of its kiosk's chain
        (``storage.central.chip_evidence``); audited centrally."""
        from storage.central.chip_evidence import central_chip_record

        detail = self.load_session(session_id, actor)
        if detail.chip_record is None:
            raise NotFoundError(f"session {session_id} has no chip record at the central store (none kept, not "
                                f"pushed with evidence, or purged)")
        kiosk = self._queries.case_rows(session_id)[0].origin_kiosk
        return central_chip_record(self._central, self._need_keys(), kiosk_id=kiosk, session_id=session_id,
                                   record_id=detail.chip_record.image_id, actor=actor)

    def load_image(self, image_id: str, actor: str) -> tuple[ImageInfo, bytes]:
        """One image, opened from its sealed copy (audited centrally as ``image_viewed``)."""
        t = schema.ROW_TABLES["images"]
        with self._central.begin("image read", snapshot=True) as conn:
            row = conn.execute(select(t).where(t.c.id == image_id)).first()
        if row is None:
            raise NotFoundError(f"image {image_id} is not at the central store")
        _, data = open_central_evidence(self._central, self._need_keys(), kiosk_id=row.origin_kiosk,
                                        evidence_id=image_id, actor=actor)
        return ImageInfo(row.id, row.kind, row.media_type, row.size, row.created_at), data

    def record_review(self, session_id: str, operator: str, verdict: str, note: str | None = None) -> str:
        """A central reviewer's verdict (``accept``/``reject``) on a pending session; same rules as at the
        kiosk (once, unless reopened; four eyes: ``storage.review_rules``). Returns the review id."""
        if verdict not in ("accept", "reject"):
            raise StorageInputError("a review verdict is 'accept' or 'reject'")
        return self._write_review(session_id, operator, verdict, note)

    def reopen_review(self, session_id: str, operator: str, note: str) -> str:
        """A supervisor puts a centrally reviewed session back in the queue, with a note (``storage.review_rules``)."""
        if not note or not note.strip():
            raise StorageInputError("reopening a review needs a note saying why")
        return self._write_review(session_id, operator, "reopen", note)

    def _write_review(self, session_id: str, operator: str, verdict: str, note: str | None) -> str:
        with self._st.db.read() as s:
            op = s.execute(select(OperatorRow).where(OperatorRow.username == operator)).scalar_one_or_none()
            if op is not None:
                self._st.keys.refresh()
                require_intact(self._st.keys, op)  # a role forged in the database decides nothing
            role, disabled = (op.role, op.disabled) if op is not None else (None, True)
        if disabled:
            raise StorageInputError(f"operator {operator!r} does not exist or is disabled")
        srow, drow, _, _ = self._queries.case_rows(session_id)
        kiosk = srow.origin_kiosk
        review_id = new_id()
        now = self._st.clock.now()
        self._st.keys.refresh()
        note_kid = note_ct = None
        if note:
            note_kid, note_ct = self._st.keys.cipher.encrypt(note.encode("utf-8"),
                                                             central_note_aad(review_id, kiosk, session_id))
        rs = schema.review_state
        with self._central.begin("central review") as conn:
            # The session's state row (or the session row itself) locked: two reviewers cannot both review it.
            conn.execute(select(schema.ROW_TABLES["sessions"].c.id).where(
                schema.ROW_TABLES["sessions"].c.origin_kiosk == kiosk,
                schema.ROW_TABLES["sessions"].c.id == session_id).with_for_update())
            current = conn.execute(select(rs).where(rs.c.origin_kiosk == kiosk, rs.c.session_id == session_id)).first()
            state = current.review_state if current is not None else drow.review_state
            previous = current.final_outcome if current is not None else drow.final_outcome
            cr = schema.central_reviews
            history = [PastReview(r.reviewer, r.verdict) for r in conn.execute(
                select(cr.c.reviewer, cr.c.verdict).where(cr.c.kiosk_id == kiosk, cr.c.session_id == session_id)
                .order_by(cr.c.audit_seq))]
            check_review_allowed(verdict, state, role, srow.checks, operator, history)
            new_state, final = ("pending", None) if verdict == "reopen" else ("reviewed", verdict)
            row = dict(id=review_id, kiosk_id=kiosk, session_id=session_id, reviewer=operator, reviewed_at=now,
                       verdict=verdict, note_kid=note_kid, note_ct=note_ct)
            seq = append_central_event(conn, kind=CentralKind.REVIEW, actor=f"operator:{operator}", kiosk_id=kiosk,
                                       session_id=session_id, at=now, details={
                                           "review_id": review_id, "verdict": verdict, "previous": previous,
                                           "decision_id": drow.id, "note": note is not None,
                                           "digest": central_review_digest(row)})
            conn.execute(schema.central_reviews.insert().values(**row, audit_seq=seq))
            stmt = insert(rs).values(origin_kiosk=kiosk, session_id=session_id, review_state=new_state,
                                     final_outcome=final, updated_at=now)
            conn.execute(stmt.on_conflict_do_update(index_elements=["origin_kiosk", "session_id"], set_={
                "review_state": new_state, "final_outcome": final, "updated_at": now}))
        return review_id



@dataclass
class FleetStorage(Storage):
    """The back office's ``Storage`` with the central services swapped in (see the module docstring)."""

    central: CentralStore | None = None

    def close(self) -> None:
        """Close the back-office store and the central connections."""
        super().close()
        if self.central is not None:
            self.central.dispose()


def open_fleet_console_storage(backoffice_dir: Path, central_url: str, keyring: Any | None = None,
                               config: StorageConfig | None = None, clock: Clock | None = None) -> FleetStorage:
    """The console's store at the centre: the back office's own store (keys in ``backoffice_dir``, tables
    in the central database) with the fleet queue, cases and reviews. ``keyring``: a
    ``storage.backoffice_keys.BackofficeKeyring`` to open sealed evidence (without it, cases open without
    images and identity fields refuse to load)."""
    config = (config or StorageConfig()).model_copy(update={"database_url": central_url})
    central = CentralStore(central_url)
    try:
        central.central_id()
        st = open_storage(Path(backoffice_dir), config, clock=clock)
    except BaseException:
        central.dispose()
        raise
    values: dict[str, Any] = {f.name: getattr(st, f.name) for f in fields(Storage)}
    values.update(queries=FleetQueries(st), decisions=FleetDecisions(st, central, keyring), duplicates=_NoDuplicates(),
                  central=central)
    return FleetStorage(**values)

