"""A pushed session's chip record at the central store, placed in the central copy of its kiosk's chain.

The kiosk pushes the record like an image (sealed to the back-office key, ``image/chip_record``) and its
``decision`` event with the record's id and SHA-256 (``storage.decisions``). Here the back office opens the
record (audited centrally), finds that event in ``fleet_audit_events`` with the public chain hash before it
and its own, and the first signed head of the kiosk at or after it; :func:`verify_central` checks that
kiosk's whole central copy (every event re-hashed, every signed head against its registered key, every row
against what the kiosk announced). No kiosk secret is needed: what a kiosk-signed export proves by the
kiosk's signature, the centre proves by the kiosk's signed heads.
"""
from __future__ import annotations

import hmac
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from storage.central import schema
from storage.central.chain import GENESIS_HASH, iso_utc
from storage.central.evidence import open_central_evidence
from storage.central.store import CentralStore
from storage.central.verify import verify_central
from storage.errors import IntegrityError, NotFoundError
from storage.evidence_position import ChainPosition, StoredChipRecord


@dataclass(frozen=True)
class SignedHeadCover:
    """The kiosk's signed head that covers the announcing event, and whether the central copy verified."""

    seq: int | None
    key_id: str | None
    verified: bool
    problem: str | None


def central_chip_record(central: CentralStore, keys: Any, *, kiosk_id: str, session_id: str, record_id: str,
                        actor: str) -> tuple[StoredChipRecord, SignedHeadCover]:
    """Open ``record_id`` of ``kiosk_id`` (audited centrally) and place it in the central copy of the kiosk's
    chain. ``NotFoundError`` when the record or its event were not pushed; ``IntegrityError`` when the record
    is not the one its event announced."""
    _, data = open_central_evidence(central, keys, kiosk_id=kiosk_id, evidence_id=record_id, actor=actor)
    ev_t, heads = schema.audit_events, schema.signed_heads
    with central.begin("chip record position", snapshot=True) as conn:
        found = None
        for row in conn.execute(select(ev_t).where(ev_t.c.kiosk_id == kiosk_id, ev_t.c.session_id == session_id,
                                                   ev_t.c.kind == "decision").order_by(ev_t.c.seq)):
            if (json.loads(row.details).get("chip_record") or {}).get("id") == record_id:
                found = row
                break
        if found is None:
            raise NotFoundError(f"the central store holds no event of kiosk {kiosk_id} announcing chip record "
                                f"{record_id} (not pushed yet?)")
        prev = GENESIS_HASH if found.seq == 1 else conn.execute(select(ev_t.c.chain_hash).where(
            ev_t.c.kiosk_id == kiosk_id, ev_t.c.seq == found.seq - 1)).scalar_one_or_none()
        head = conn.execute(select(heads.c.seq, heads.c.key_id).where(heads.c.kiosk_id == kiosk_id,
                                                                      heads.c.seq >= found.seq)
                            .order_by(heads.c.seq).limit(1)).first()
    announced = json.loads(found.details).get("chip_record") or {}
    if not hmac.compare_digest(str(announced.get("sha256")), hashlib.sha256(data).hexdigest()):
        raise IntegrityError("evidence", record_id, "sealed", f"the chip record of session {session_id} at the "
                             f"central store is not the one its decision event (seq {found.seq}) announced")
    check = verify_central(central, kiosk_id).kiosks[0]
    position = ChainPosition(found.seq, prev or "", found.chain_hash, {
        "at": iso_utc(found.at), "kind": found.kind, "actor": found.actor, "session_id": found.session_id,
        "details": found.details, "key_id": found.key_id, "mac": found.mac})
    cover = SignedHeadCover(head.seq if head else None, head.key_id if head else None,
                            check.ok and head is not None, None if check.ok else f"{check.where()}: {check.problem}")
    return StoredChipRecord(session_id, kiosk_id, record_id, data, position), cover
