"""``kiosk keys rotate``: a new data key, every ciphertext re-encrypted under it, old keys retired.

Steps, each safe to interrupt (re-running finishes the job):
1. save the keyring with a new *active* data key (old keys kept, so everything stays readable);
2. re-encrypt, in batches, every identity field, review note, template and blob file whose key id
   is not the active one (blob files are replaced atomically before their row's key id changes;
   the blob header names the key actually used, so a crash in between is harmless);
3. under the database write lock, check that nothing still names an old key, save the keyring
   without the old keys, append the ``key_rotation`` audit event and commit. Writers in other
   processes reload the keyring after taking that same lock (``DecisionLog.record_session``), so
   none can commit a record under a retired key.
Optionally a new audit MAC key is started too (old audit keys are kept: earlier events verify with them).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.audit import AuditKind, AuditTrail
from storage.binding import seal
from storage.blobs import BlobStore
from storage.crypto import KeyContext
from storage.db import Database
from storage.decisions import identity_aad, image_aad, note_aad, template_aad
from storage.errors import StorageError
from storage.tables import ImageRow, ReviewRow, SessionRow, TemplateRow

BATCH = 200


@dataclass(frozen=True)
class RotationReport:
    """What a rotation did."""

    new_key_id: str
    retired_key_ids: tuple[str, ...]
    fields: int
    blobs: int
    audit_key_id: str
    audit_seq: int


class KeyRotation:
    """Re-encrypts the store under a fresh data key."""

    def __init__(self, db: Database, keys: KeyContext, blobs: BlobStore, audit: AuditTrail) -> None:
        self._db = db
        self._keys = keys
        self._blobs = blobs
        self._audit = audit

    def rotate(self, actor: str, new_audit_key: bool = False) -> RotationReport:
        """Run all three steps; returns counts."""
        self._keys.refresh()
        keys = self._keys.keys.with_new_data_key()
        if new_audit_key:
            keys = keys.with_new_audit_key()
        self._keys.set(keys)
        active = keys.active_data_key
        fields = blobs = 0
        for _ in range(5):
            f, b = self._reencrypt_pass(active)
            fields, blobs = fields + f, blobs + b
            with self._db.write() as s:
                self._audit.lock_chain(s)  # writers check the keyring under this same lock
                if self._stale_rows(s, active):
                    continue  # a writer slipped in with the old key: another pass
                self._keys.refresh()
                retired = set(self._keys.keys.data_keys) - {active}
                self._keys.set(self._keys.keys.without_data_keys(retired))
                seq = self._audit.append(s, AuditKind.KEY_ROTATION, actor, {
                    "new_key_id": active, "retired": sorted(retired), "fields": fields, "blobs": blobs,
                    "audit_key_id": self._keys.keys.active_audit_key})
                return RotationReport(active, tuple(sorted(retired)), fields, blobs,
                                      self._keys.keys.active_audit_key, seq)
        raise StorageError("key rotation could not finish: records keep appearing under the old key; try again")

    @staticmethod
    def _stale_rows(s: Session, active: str) -> int:
        total = 0
        for col in (SessionRow.identity_kid, ReviewRow.note_kid, TemplateRow.key_id, ImageRow.key_id):
            total += int(s.execute(select(func.count()).where(col.is_not(None), col != active)).scalar_one())
        return total

    def _reencrypt_pass(self, active: str) -> tuple[int, int]:
        cipher = self._keys.cipher
        fields = blobs = 0
        while True:
            with self._db.write() as s:
                rows = list(s.execute(select(SessionRow).where(SessionRow.identity_kid.is_not(None),
                                                               SessionRow.identity_kid != active).limit(BATCH)).scalars())
                for r in rows:
                    a = identity_aad(r.id)
                    assert r.identity_kid is not None and r.identity_ct is not None  # selected so
                    r.identity_kid, r.identity_ct = cipher.encrypt(cipher.decrypt(r.identity_kid, r.identity_ct, a), a)
                    seal(self._keys.keys, r)  # the key id and ciphertext are bound fields
                notes = list(s.execute(select(ReviewRow).where(ReviewRow.note_kid.is_not(None),
                                                               ReviewRow.note_kid != active).limit(BATCH)).scalars())
                for n in notes:
                    a = note_aad(n.id, n.session_id)
                    assert n.note_kid is not None and n.note_ct is not None  # selected so
                    n.note_kid, n.note_ct = cipher.encrypt(cipher.decrypt(n.note_kid, n.note_ct, a), a)
                    seal(self._keys.keys, n)
                temps = list(s.execute(select(TemplateRow).where(TemplateRow.key_id != active).limit(BATCH)).scalars())
                for t in temps:
                    a = template_aad(t.id, t.session_id, t.identity_key)
                    t.key_id, t.ciphertext = cipher.encrypt(cipher.decrypt(t.key_id, t.ciphertext, a), a)
                    seal(self._keys.keys, t)
                fields += len(rows) + len(notes) + len(temps)
                if not (rows or notes or temps):
                    break
        while True:
            with self._db.read() as s:
                imgs = [(i.id, i.session_id, i.kind) for i in s.execute(
                    select(ImageRow).where(ImageRow.key_id != active).limit(BATCH)).scalars()]
            if not imgs:
                break
            done = []
            for image_id, session_id, kind in imgs:
                a = image_aad(image_id, session_id, kind)
                kid, _sealed = self._blobs.read_raw(image_id)
                if kid != active:
                    self._blobs.put(image_id, self._blobs.get(image_id, a, cipher), a, cipher)
                    blobs += 1
                done.append(image_id)
            with self._db.write() as s:
                for i in s.execute(select(ImageRow).where(ImageRow.id.in_(done))).scalars():
                    i.key_id = active
                    seal(self._keys.keys, i)
        return fields, blobs
