"""A session's chip record read back with its place in the audit chain, for ``kiosk evidence export``.

The record is stored as evidence of kind ``chip_record`` (AES-GCM under the data key, bound to its row,
session and kind) and announced in the session's ``decision`` event with its SHA-256
(``storage.decisions``). :func:`load_chip_record` reads it only after the session's rows pass their
seals and events (``load_session``), walks the whole HMAC chain (a chain broken anywhere exports
nothing) and computes, on the way, the public hash chain of ``storage.central.chain`` up to the
announcing event: the position a verifier holding the chain, or the central copy, can place it at.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.audit import AuditKind
from storage.central.chain import GENESIS_HASH, event_hash_of, iso_utc
from storage.errors import IntegrityError, NotFoundError
from storage.tables import AuditEventRow

if TYPE_CHECKING:
    from storage.store import Storage


@dataclass(frozen=True)
class ChainPosition:
    """The event that announced a record: its fields as stored, the public chain hash before it and its own."""

    seq: int
    prev_hash: str
    hash: str
    event: dict[str, Any]  # at (ISO UTC), kind, actor, session_id, details (canonical text), key_id, mac


@dataclass(frozen=True)
class StoredChipRecord:
    """One session's chip record (the stored bytes) and where the chain announced it."""

    session_id: str
    kiosk_id: str
    record_id: str
    data: bytes
    position: ChainPosition


def load_chip_record(st: Storage, session_id: str, actor: str) -> StoredChipRecord:
    """The chip record of ``session_id`` with its chain position; the reads are audited (``session_viewed``,
    ``image_viewed`` of the record). ``NotFoundError`` when the session or its record is absent;
    ``IntegrityError`` when its rows, the chain or the announced digest do not hold."""
    detail = st.decisions.load_session(session_id, actor)
    info = detail.chip_record
    if info is None:
        raise NotFoundError(f"session {session_id} keeps no chip record (no chip was read, it was recorded before "
                            f"chip records were kept, or retention purged it)")
    _, data = st.decisions.load_image(info.image_id, actor)
    found: list[ChainPosition] = []
    prev = [GENESIS_HASH]

    def visit(row: AuditEventRow) -> None:
        h = event_hash_of(prev[0], row)
        if row.kind == AuditKind.DECISION and row.session_id == session_id and not found:
            announced = json.loads(row.details).get("chip_record") or {}
            if announced.get("id") == info.image_id:
                if not hmac.compare_digest(str(announced.get("sha256")), hashlib.sha256(data).hexdigest()):
                    raise IntegrityError("images", info.image_id, "blob",
                                         f"the chip record of session {session_id} is not the one its decision "
                                         f"event (seq {row.seq}) announced")
                found.append(ChainPosition(row.seq, prev[0], h, {
                    "at": iso_utc(row.at), "kind": row.kind, "actor": row.actor, "session_id": row.session_id,
                    "details": row.details, "key_id": row.key_id, "mac": row.mac}))
        prev[0] = h

    with st.db.read() as s:
        check = st.audit.verify_in(s, visit=visit)
    if not check.ok:
        raise IntegrityError(None, None, None, f"the audit chain is broken at {check.where()}: {check.problem}; "
                                               "run 'kiosk audit verify'")
    if not found:
        raise IntegrityError("images", info.image_id, None,
                             f"no decision event announces the chip record of session {session_id}")
    return StoredChipRecord(session_id, detail.summary.kiosk_id, info.image_id, data, found[0])
