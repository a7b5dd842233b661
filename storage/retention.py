"""Retention: delete what is due, exactly, and audit every purge (GDPR art. 5(1)(e)).

Due (ages counted from the row's creation, against the injected clock):
* images older than ``retention.images_days``: row deleted, blob file unlinked;
* a session's chip record (an evidence blob of kind ``chip_record``: personal data, it identifies one
  document, but holds no name, number or image) older than ``retention.chip_records_days``, the same way;
* templates older than ``retention.templates_days``;
* whole sessions older than ``retention.decisions_days``: session, evidence, decision, reviews,
  remaining images and templates, outbox rows (foreign keys cascade);
* attempt rows older than ``retention.attempts_days``;
* orphan blob files (no row; left by a crash between blob write and commit) older than
  ``retention.orphan_blob_minutes``.
Audit events are never purged (they hold no personal data and the chain must stay whole). The
``purge`` event lists the ids of the sessions, images and templates it deleted (random ids, no
personal data), so ``storage.integrity`` can tell a purged row from one deleted outside storage.

With sync to a central store configured (``[storage.sync] central_url``), a due row that the central
store has not acknowledged as it is now is kept until it has (``storage.central.acks``); the ``purge``
event counts what was held back.

Order: rows are deleted and the ``purge`` audit event appended in one transaction, then the blob
files are unlinked. A crash in between leaves orphan files, which the next purge sweeps.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import CursorResult, Delete, delete, select
from sqlalchemy.orm import Session

from storage.central.acks import held_back
from storage.audit import AuditKind, AuditTrail
from storage.bank_generation import bump_sessions
from storage.blobs import BlobStore
from storage.clock import Clock
from storage.config import RetentionConfig, SyncConfig
from storage.db import Database
from storage.records import CHIP_RECORD_KIND
from storage.errors import NotFoundError, StorageError
from storage.tables import AttemptRow, ImageRow, SessionRow, TemplateRow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PurgeReport:
    """What one purge removed, and the cutoffs it used."""

    images: int
    templates: int
    sessions: int
    attempts: int
    orphan_blobs: int
    blob_files: int
    audit_seq: int
    now: datetime
    held_back: int = 0  # due rows kept because the central store has not acknowledged them yet


def _deleted(s: Session, stmt: Delete) -> int:
    """Run a DELETE and return how many rows it removed."""
    result = s.execute(stmt)
    assert isinstance(result, CursorResult)  # DML always yields a cursor result
    return int(result.rowcount)


def _delete_ids(s: Session, model: type[SessionRow] | type[ImageRow] | type[TemplateRow], ids: list[str]) -> int:
    """Delete rows by id in chunks (no huge IN lists); returns how many went."""
    return sum(_deleted(s, delete(model).where(model.id.in_(ids[i:i + 500]))) for i in range(0, len(ids), 500))


class Retention:
    """Applies :class:`RetentionConfig`."""

    def __init__(self, db: Database, blobs: BlobStore, audit: AuditTrail, config: RetentionConfig,
                 clock: Clock, sync: SyncConfig | None = None) -> None:
        self._db = db
        self._blobs = blobs
        self._audit = audit
        self._config = config
        self._clock = clock
        self._sync = sync if sync is not None and sync.central_url else None

    def erase_session(self, session_id: str, actor: str, reason: str) -> int:
        """Delete one session now (e.g. a face-bank entry withdrawn), with its decision, images and templates.

        Audited as a ``purge`` event naming the deleted ids (so verification tells it from a deletion
        behind storage's back) and the ``reason``; returns the event's seq. ``NotFoundError`` if absent.
        """
        with self._db.write() as s:
            if s.get(SessionRow, session_id) is None:
                raise NotFoundError(f"session {session_id} not found (purged?)")
            images = sorted(s.execute(select(ImageRow.id).where(ImageRow.session_id == session_id)).scalars())
            templates = sorted(s.execute(select(TemplateRow.id).where(TemplateRow.session_id == session_id)).scalars())
            bump_sessions(s, [session_id])  # before its bank entry goes with it: indexes of its list reload
            _deleted(s, delete(TemplateRow).where(TemplateRow.session_id == session_id))
            _deleted(s, delete(ImageRow).where(ImageRow.session_id == session_id))
            _deleted(s, delete(SessionRow).where(SessionRow.id == session_id))
            seq = self._audit.append(s, AuditKind.PURGE, actor, {
                "reason": reason[:200], "images": len(images), "templates": len(templates), "sessions": 1,
                "purged": {"sessions": [session_id], "images": images, "templates": templates}})
        for bid in images:
            try:
                self._blobs.delete(bid)
            except (OSError, StorageError) as exc:
                log.warning("could not delete blob %s: %s (the orphan sweep retries)", bid, exc)
        return seq

    def purge(self, actor: str) -> PurgeReport:
        """Delete everything due now; returns counts; appends one ``purge`` audit event."""
        now = self._clock.now()
        c = self._config
        image_cut = now - timedelta(days=c.images_days)
        chip_record_cut = now - timedelta(days=c.chip_records_days)
        template_cut = now - timedelta(days=c.templates_days)
        session_cut = now - timedelta(days=c.decisions_days)
        attempt_cut = now - timedelta(days=c.attempts_days)
        with self._db.write() as s:
            # Ids first (for the purge event and the sync hold-back), then deleted by id in bounded chunks;
            # the write lock is held, so nothing changes in between.
            session_due = select(SessionRow.id).where(SessionRow.created_at < session_cut)
            doomed_sessions = set(s.execute(session_due).scalars())
            pictures = ImageRow.kind != CHIP_RECORD_KIND
            image_rows = s.execute(select(ImageRow.id, ImageRow.session_id).where(
                (pictures & (ImageRow.created_at < image_cut))
                | ((ImageRow.kind == CHIP_RECORD_KIND) & (ImageRow.created_at < chip_record_cut))
                | ImageRow.session_id.in_(session_due))).all()
            template_rows = s.execute(select(TemplateRow.id, TemplateRow.session_id).where(
                (TemplateRow.created_at < template_cut) | TemplateRow.session_id.in_(session_due))).all()
            held = 0
            if self._sync is not None:
                hold = held_back(s, doomed_sessions, [i for i, _ in image_rows], [t for t, _ in template_rows],
                                 self._sync.push_evidence)
                held = len(hold.sessions) + len(hold.images) + len(hold.templates)
                doomed_sessions -= hold.sessions
                image_rows = [(i, sid) for i, sid in image_rows if i not in hold.images and sid not in hold.sessions]
                template_rows = [(t, sid) for t, sid in template_rows
                                 if t not in hold.templates and sid not in hold.sessions]
            doomed_images = sorted(i for i, _ in image_rows)
            doomed_templates = sorted(t for t, _ in template_rows)
            # Face-bank lists losing identities or templates: their in-memory indexes (any process) must reload.
            bump_sessions(s, doomed_sessions | {sid for _, sid in template_rows})
            n_templates = _delete_ids(s, TemplateRow, doomed_templates)
            n_images = _delete_ids(s, ImageRow, doomed_images)
            n_sessions = _delete_ids(s, SessionRow, sorted(doomed_sessions))
            n_attempts = _deleted(s, delete(AttemptRow).where(AttemptRow.at < attempt_cut))
            live_images = set(s.execute(select(ImageRow.id)).scalars())
            orphan_cut = now - timedelta(minutes=c.orphan_blob_minutes)
            orphans = [bid for bid, mtime in self._blobs.scan()
                       if bid not in live_images and bid not in doomed_images and mtime < orphan_cut]
            seq = self._audit.append(s, AuditKind.PURGE, actor, {
                "images": n_images, "templates": n_templates, "sessions": n_sessions, "attempts": n_attempts,
                "orphan_blobs": len(orphans), "image_cutoff": image_cut.isoformat(),
                "chip_record_cutoff": chip_record_cut.isoformat(),
                "template_cutoff": template_cut.isoformat(), "session_cutoff": session_cut.isoformat(),
                "attempt_cutoff": attempt_cut.isoformat(),
                # The ids let `kiosk audit verify` tell a purged row from one deleted behind storage's back.
                "purged": {"sessions": sorted(doomed_sessions), "images": doomed_images,
                           "templates": doomed_templates},
                **({"held_for_sync": held} if self._sync is not None else {})})
        partial = [f for f, mtime in self._blobs.scan_partial() if mtime < orphan_cut]
        for f in partial:
            try:
                f.unlink()
            except OSError as exc:
                log.warning("could not delete partial blob %s: %s", f.name, exc)
        removed = 0
        for bid in [*doomed_images, *orphans]:
            try:
                removed += self._blobs.delete(bid)
            except (OSError, StorageError) as exc:
                log.warning("could not delete blob %s: %s (next purge retries)", bid, exc)
        report = PurgeReport(n_images, n_templates, n_sessions, n_attempts, len(orphans) + len(partial), removed, seq,
                             now, held)
        log.info("purge: %s", {k: v for k, v in asdict(report).items() if k != "now"})
        return report
