"""The kiosk side of sealed evidence: the back-office public key it records, and the sealing of one
image or template at push time (``storage.sealing`` does the HPKE).

``kiosk fleet set-backoffice-key FILE`` records the key as ``backoffice_key.json`` in the data folder
(atomically, 0600; the change is a ``config_change`` audit event naming the old and new key ids, in
the same transaction). Only the public key is ever on the kiosk. Nothing is sealed at record time:
the local copy stays AES-GCM under the kiosk's data key (so the kiosk can still show and purge it),
and the sync seals each item when it pushes it (:func:`seal_image_for_central`,
:func:`seal_template_for_central`), always to the key recorded now, so after a rotation new pushes
use the new key.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from storage.audit import AuditKind
from storage.backoffice_keys import public_key_doc, public_key_from_doc
from storage.decisions import identity_aad, image_aad, template_aad
from storage.errors import KeyStoreError, NotFoundError
from storage.key_backup import read_json_file, write_json_file
from storage.sealing import BackofficeKeyMissingError, BackofficePublicKey, seal_evidence
from storage.tables import ImageRow, SessionRow, TemplateRow

if TYPE_CHECKING:
    from storage.store import Storage

RECORDED_KEY_FILE = "backoffice_key.json"
TEMPLATE_MEDIA_TYPE = "application/x-idkiosk-template-f32le"
IDENTITY_MEDIA_TYPE = "application/json"  # storage.records.IdentityFields as a JSON object


@dataclass(frozen=True)
class SealedEvidence:
    """One evidence item sealed for the central store; ``blob`` is stored there unchanged."""

    evidence_id: str  # the local image or template id
    session_id: str
    kind: str  # "image/<image kind>", "template/<template kind>" or "identity"
    media_type: str
    key_id: str  # the back-office key it is sealed to
    blob: bytes


def recorded_key_path(data_dir: Path) -> Path:
    """Where the kiosk keeps the back-office public key."""
    return Path(data_dir) / RECORDED_KEY_FILE


def recorded_backoffice_key(data_dir: Path) -> BackofficePublicKey:
    """The back-office public key evidence is sealed to; ``BackofficeKeyMissingError`` when none is recorded."""
    path = recorded_key_path(data_dir)
    if not path.exists():
        raise BackofficeKeyMissingError(
            f"no back-office public key is recorded in {Path(data_dir)}: evidence cannot be sealed for the central "
            f"store. Run 'kiosk fleet set-backoffice-key FILE' with the .pub file from 'kiosk backoffice keygen'")
    return public_key_from_doc(read_json_file(path, "recorded back-office key"), f"recorded back-office key {path}")


def record_backoffice_key(st: Storage, public: BackofficePublicKey, actor: str) -> str | None:
    """Make ``public`` the key new evidence is sealed to; returns the previous key id (``None`` if none).

    Recording the key already recorded changes nothing and appends no event.
    """
    path = recorded_key_path(st.data_dir)
    try:
        previous: str | None = recorded_backoffice_key(st.data_dir).key_id
    except BackofficeKeyMissingError:
        previous = None
    except KeyStoreError:
        previous = "unreadable"  # a damaged file is replaced; the event says so
    if previous == public.key_id:
        return previous
    with st.db.write() as s:
        st.audit.append(s, AuditKind.CONFIG_CHANGE, actor,
                        {"setting": "backoffice_key", "previous": previous, "current": public.key_id})
        # Written inside the transaction: if the file cannot be written, the event rolls back with it.
        write_json_file(path, {**public_key_doc(public), "recorded_at": st.clock.now().isoformat(),
                               "replaces": previous}, "recorded back-office key", overwrite=True)
    return previous


@contextmanager
def _local_row(st: Storage, model: Any, row_id: str, what: str,
               public_key: BackofficePublicKey | None) -> Iterator[tuple[Any, BackofficePublicKey]]:
    """The key to seal to (checked first: no decryption without it) and the local row, in one read transaction."""
    public_key = public_key or recorded_backoffice_key(st.data_dir)
    st.keys.refresh()
    with st.db.read() as s:
        row = s.get(model, row_id)
        if row is None:
            raise NotFoundError(f"{what} {row_id} not found (purged?)")
        yield row, public_key


def seal_image_for_central(st: Storage, image_id: str, *, kiosk_id: str,
                           public_key: BackofficePublicKey | None = None) -> SealedEvidence:
    """Decrypt one local image (in memory; not an ``image_viewed``: nobody sees it) and seal it to the
    recorded back-office key (or ``public_key``)."""
    with _local_row(st, ImageRow, image_id, "image", public_key) as (row, key):
        plain = st.blobs.get(image_id, image_aad(image_id, row.session_id, row.kind), st.keys.cipher)
        return _seal(plain, key, kiosk_id, row.session_id, image_id, f"image/{row.kind}", row.media_type)


def seal_template_for_central(st: Storage, template_id: str, *, kiosk_id: str,
                              public_key: BackofficePublicKey | None = None) -> SealedEvidence:
    """Decrypt one local face template (little-endian float32) and seal it like an image."""
    with _local_row(st, TemplateRow, template_id, "template", public_key) as (row, key):
        plain = st.keys.cipher.decrypt(row.key_id, row.ciphertext,
                                       template_aad(row.id, row.session_id, row.identity_key))
        return _seal(plain, key, kiosk_id, row.session_id, template_id, f"template/{row.kind}", TEMPLATE_MEDIA_TYPE)


def seal_identity_for_central(st: Storage, session_id: str, *, kiosk_id: str,
                              public_key: BackofficePublicKey | None = None) -> SealedEvidence | None:
    """Seal a session's identity fields (names, birth date...: JSON) under evidence id = the session id;
    ``None`` when the session holds none."""
    with _local_row(st, SessionRow, session_id, "session", public_key) as (row, key):
        if row.identity_ct is None or row.identity_kid is None:
            return None
        plain = st.keys.cipher.decrypt(row.identity_kid, row.identity_ct, identity_aad(session_id))
        return _seal(plain, key, kiosk_id, session_id, session_id, "identity", IDENTITY_MEDIA_TYPE)


def _seal(plain: bytes, public_key: BackofficePublicKey, kiosk_id: str, session_id: str, evidence_id: str,
          kind: str, media_type: str) -> SealedEvidence:
    blob = seal_evidence(plain, public_key=public_key, kiosk_id=kiosk_id, session_id=session_id,
                         evidence_id=evidence_id, kind=kind)
    return SealedEvidence(evidence_id, session_id, kind, media_type, public_key.key_id, blob)
