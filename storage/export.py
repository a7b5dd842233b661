"""Signed JSON-lines export of decisions for a back office, with an outbox of what was exported.

File format (one JSON object per line, UTF-8):
* line 1, ``{"type": "header", "format": "idkiosk-decisions/1", "batch_id", "created_at", "since",
  "key_id", "public_key"}`` (Ed25519 public key, base64, RFC 8032);
* then one ``{"type": "decision", ...}`` per decision: session and decision ids, kiosk, mode, times,
  outcome, reasons, review state, final outcome, policy version, config hash, document key (the
  keyed hash, never the number), no names and no images;
* every line carries ``"sig"``: base64 Ed25519 signature over the line's canonical JSON without
  ``sig`` (sorted keys, no spaces), which includes the batch id, so lines cannot be moved between
  batches. The last line is a ``{"type": "trailer", "count": n}`` so truncation is visible.
The outbox (``export_outbox``) records which session went out in which batch and when; the file is written
atomically before the outbox commit, so a crash never marks unexported records. What ``only_new`` skips is
not read from that table (rows inserted there would keep sessions from ever being exported): the ``export``
audit event names the batch's session ids, and :func:`exported_sessions` takes them from the chain. Batches
exported before events carried the ids are taken from the outbox, at most as many rows as their event counted.

Nothing is signed from a store that fails verification (``storage.integrity``: chain, anchors, row
seals both ways): the export refuses with ``ExportError`` naming the first bad row, since a signature
would turn a forged outcome into one the back office trusts.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import select
from sqlalchemy.orm import Session

from storage._fs import atomic_write
from storage.audit import AuditKind, AuditTrail
from storage.clock import Clock
from storage.crypto import KeyContext
from storage.db import Database
from storage.errors import ExportError
from storage.integrity import Integrity
from storage.tables import AuditEventRow, DecisionRow, OutboxRow, SessionRow, new_id

FORMAT = "idkiosk-decisions/1"


def _canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def public_key_b64(keys: KeyContext) -> str:
    """The export verification key (raw Ed25519 public key, base64) to give to the back office."""
    priv = Ed25519PrivateKey.from_private_bytes(keys.keys.export_signing_seed)
    return base64.b64encode(priv.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)).decode("ascii")


@dataclass(frozen=True)
class ExportReport:
    """One export batch."""

    batch_id: str
    count: int
    path: Path
    public_key: str
    audit_seq: int


class Exporter:
    """Writes signed export files and the outbox."""

    def __init__(self, db: Database, keys: KeyContext, audit: AuditTrail, clock: Clock,
                 integrity: Integrity) -> None:
        self._db = db
        self._keys = keys
        self._audit = audit
        self._clock = clock
        self._integrity = integrity

    def export(self, since: datetime, out: Path, actor: str, only_new: bool = False) -> ExportReport:
        """Export decisions made at or after ``since`` to ``out``; ``only_new`` skips ones already in the outbox."""
        if since.tzinfo is None:
            raise ExportError("the export start must be a timezone-aware time")
        self._keys.refresh()
        check = self._integrity.verify()
        if not check.ok:
            raise ExportError(f"nothing exported: the store fails verification at {check.where()}: {check.problem}; "
                              f"run 'kiosk audit verify'")
        priv = Ed25519PrivateKey.from_private_bytes(self._keys.keys.export_signing_seed)
        batch_id = new_id()
        now = self._clock.now()

        def signed(obj: dict[str, Any]) -> bytes:
            sig = base64.b64encode(priv.sign(_canonical(obj))).decode("ascii")
            return _canonical({**obj, "sig": sig}) + b"\n"

        lines = [signed({"type": "header", "format": FORMAT, "batch_id": batch_id, "created_at": now.isoformat(),
                         "since": since.isoformat(), "key_id": self._keys.keys.export_key_id,
                         "public_key": public_key_b64(self._keys)})]
        exported: list[str] = []
        with self._db.read() as s:
            stmt = (select(SessionRow, DecisionRow).join(DecisionRow, DecisionRow.session_id == SessionRow.id)
                    .where(DecisionRow.decided_at >= since).order_by(DecisionRow.decided_at, DecisionRow.id))
            done = exported_sessions(s) if only_new else set()
            for srow, drow in s.execute(stmt):
                if srow.id in done:
                    continue
                lines.append(signed({
                    "type": "decision", "batch_id": batch_id, "session_id": srow.id, "decision_id": drow.id,
                    "kiosk_id": srow.kiosk_id, "mode": srow.mode, "started_at": srow.started_at.isoformat(),
                    "ended_at": srow.ended_at.isoformat(), "decided_at": drow.decided_at.isoformat(),
                    "outcome": drow.outcome, "reasons": list(drow.reasons), "review_state": drow.review_state,
                    "final_outcome": drow.final_outcome, "policy_version": drow.policy_version,
                    "config_hash": srow.config_hash, "document_key": srow.document_key}))
                exported.append(srow.id)
        lines.append(signed({"type": "trailer", "batch_id": batch_id, "count": len(exported)}))
        out = Path(out)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(out, b"".join(lines), mode=0o600)
        except OSError as exc:
            raise ExportError(f"cannot write export file {out}: {exc.strerror}") from exc
        with self._db.write() as s:
            s.add_all(OutboxRow(session_id=sid, batch_id=batch_id, exported_at=now) for sid in exported)
            seq = self._audit.append(s, AuditKind.EXPORT, actor, {"batch_id": batch_id, "count": len(exported),
                                                                  "since": since.isoformat(), "file": out.name,
                                                                  "session_ids": exported})
        return ExportReport(batch_id, len(exported), out, public_key_b64(self._keys), seq)


def exported_sessions(s: Session) -> set[str]:
    """Ids of every session some export batch sent, from the ``export`` audit events (the caller verified the
    chain); a batch from before events named their sessions contributes its outbox rows, capped at its count."""
    done: set[str] = set()
    for (details,) in s.execute(select(AuditEventRow.details).where(AuditEventRow.kind == AuditKind.EXPORT)):
        d = json.loads(details)
        if isinstance(d.get("session_ids"), list):
            done.update(str(x) for x in d["session_ids"])
            continue
        legacy = s.execute(select(OutboxRow.session_id).where(OutboxRow.batch_id == str(d.get("batch_id")))
                           .order_by(OutboxRow.id).limit(max(0, int(d.get("count") or 0)))).scalars()
        done.update(legacy)
    return done


def read_signed_export(path: Path, public_key: str | None = None) -> Iterator[dict[str, Any]]:
    """Verify an export file line by line and yield its decision records.

    ``public_key`` (base64) pins the signer; without it the header's key is used (integrity only).
    Raises ``ExportError`` naming the first bad line.
    """
    try:
        raw_lines = Path(path).read_bytes().splitlines()
    except OSError as exc:
        raise ExportError(f"cannot read export file {path}: {exc.strerror}") from exc
    key: Ed25519PublicKey | None = None
    batch: str | None = None
    count = 0
    saw_trailer = False
    for no, raw in enumerate(raw_lines, start=1):
        try:
            obj = json.loads(raw)
            if not isinstance(obj, dict):
                raise ValueError("not an object")
            sig = base64.b64decode(obj.pop("sig"), validate=True)
            if no == 1:
                if obj.get("type") != "header" or obj.get("format") != FORMAT:
                    raise ValueError("first line is not an export header")
                key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key or obj["public_key"]))
                batch = obj["batch_id"]
            if key is None:
                raise ValueError("no header")
            key.verify(sig, _canonical(obj))
        except InvalidSignature as exc:
            raise ExportError(f"export line {no}: signature does not verify") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise ExportError(f"export line {no}: malformed ({exc})") from exc
        if saw_trailer:
            raise ExportError(f"export line {no}: data after the trailer")
        if obj.get("batch_id") != batch:
            raise ExportError(f"export line {no}: belongs to another batch")
        if obj.get("type") == "decision":
            count += 1
            yield obj
        elif obj.get("type") == "trailer":
            if obj.get("count") != count:
                raise ExportError(f"export line {no}: trailer counts {obj.get('count')} records, file has {count}")
            saw_trailer = True
        elif no != 1:
            raise ExportError(f"export line {no}: unknown record type")
    if not saw_trailer:
        raise ExportError("export file has no trailer (truncated?)")
