"""The central reviewer's side of sealed evidence: list a session's sealed items, open one with the back
office's private keys (``storage.backoffice_keys.BackofficeKeyring``), every opening audited centrally.

Opening re-derives the binding from the row's own columns (kiosk id, session id, evidence id, kind;
the key id from the blob), so a blob copied onto another row, or a row whose columns were edited, fails
to open (``DamagedBlobError``). A failed opening is itself recorded (``evidence_open_failed``, with the
error's class) before the error is raised; bytes are returned only once the ``image_viewed`` /
``evidence_opened`` event is committed, so nothing is shown unaudited.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy import Row, select

from storage._fs import atomic_write
from storage.central import schema
from storage.central.central_audit import CentralKind, append_central_event
from storage.central.store import CentralStore
from storage.errors import NotFoundError, StorageInputError
from storage.sealing import PrivateKeySource, SealingError, open_evidence

EVIDENCE_OPENED = "evidence_opened"  # identity fields, templates (images are CentralKind.IMAGE_VIEWED)
EVIDENCE_OPEN_FAILED = "evidence_open_failed"


@dataclass(frozen=True)
class CentralEvidence:
    """One sealed item held centrally (no content)."""

    kiosk_id: str
    evidence_id: str
    session_id: str
    kind: str
    media_type: str
    key_id: str
    size: int  # of the sealed blob
    pushed_at: datetime


def _info(row: Row) -> CentralEvidence:  # type: ignore[type-arg]
    return CentralEvidence(row.kiosk_id, row.evidence_id, row.session_id, row.kind, row.media_type, row.key_id,
                           len(row.sealed), row.pushed_at)


def list_central_evidence(central: CentralStore, *, kiosk_id: str, session_id: str) -> list[CentralEvidence]:
    """The sealed items of one session (metadata only: nothing is opened, so nothing is audited)."""
    t = schema.evidence
    with central.begin("evidence list", snapshot=True) as conn:
        rows = conn.execute(select(t).where(t.c.kiosk_id == kiosk_id, t.c.session_id == session_id)
                            .order_by(t.c.kind, t.c.evidence_id)).all()
    return [_info(r) for r in rows]


def open_central_evidence(central: CentralStore, keys: PrivateKeySource | Mapping[str, X25519PrivateKey], *,
                          kiosk_id: str, evidence_id: str, actor: str) -> tuple[CentralEvidence, bytes]:
    """Open one sealed item of ``kiosk_id``; audited centrally as ``image_viewed`` (images) or ``evidence_opened``.

    ``NotFoundError`` when the centre holds no such item; the ``storage.sealing`` errors (unknown or wrong
    key, damaged or moved blob) after recording the failed attempt.
    """
    t = schema.evidence
    with central.begin("evidence read", snapshot=True) as conn:
        row = conn.execute(select(t).where(t.c.kiosk_id == kiosk_id, t.c.evidence_id == evidence_id)).first()
    if row is None:
        raise NotFoundError(f"the central store holds no evidence {evidence_id} of kiosk {kiosk_id} "
                            f"(not pushed yet, or pushed without evidence)")
    info = _info(row)
    details = {"evidence_id": evidence_id, "kind": info.kind, "key_id": info.key_id}
    try:
        data = open_evidence(row.sealed, private_keys=keys, kiosk_id=row.kiosk_id, session_id=row.session_id,
                             evidence_id=row.evidence_id, kind=row.kind)
    except SealingError as exc:
        with central.begin("central audit") as conn:
            append_central_event(conn, kind=EVIDENCE_OPEN_FAILED, actor=actor, kiosk_id=kiosk_id,
                                 session_id=info.session_id, details={**details, "error": type(exc).__name__})
        raise
    kind = CentralKind.IMAGE_VIEWED if info.kind.startswith("image/") else EVIDENCE_OPENED
    with central.begin("central audit") as conn:
        append_central_event(conn, kind=kind, actor=actor, kiosk_id=kiosk_id, session_id=info.session_id,
                             details=details)
    return info, data


def save_opened_evidence(path: Path, data: bytes) -> None:
    """Write opened evidence to ``path`` atomically with mode 0600 (it is personal data);
    ``StorageInputError`` naming the path when it cannot be written."""
    try:
        atomic_write(Path(path), data, mode=0o600)
    except OSError as exc:
        raise StorageInputError(f"cannot write {path}: {exc.strerror}") from exc
