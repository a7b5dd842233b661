"""The public hash chain over a kiosk's audit events, and the digests that commit to pushed rows.

The kiosk's own chain is an HMAC chain (``storage.audit``): only the holder of the audit key can check
it, and the centre must not hold that key (it could then forge any kiosk's history). So the events
are also linked by a chain anyone can recompute::

    H_0 = 64 zero hex digits
    H_n = SHA-256("idkiosk-chain/1\\n" || H_{n-1} || "\\n" || JSON[seq, at, kind, actor, session_id,
                                                                details, key_id, mac])

and the kiosk signs ``(kiosk id, n, H_n)`` with its Ed25519 key (``storage.head_signing``) for the last
event of each pushed batch. ``H_n`` commits to every event up to ``n`` (SHA-256 collision resistance),
the signature to ``H_n``; so an event edited, inserted, deleted or reordered at the centre changes
every later ``H`` and fails the next signed head.

Rows are committed to the same way: a ``central_push`` audit event, appended by the kiosk just before
it pushes a batch, lists ``row_digest`` of each row it pushes. The digest covers every column of the
row as stored, seal included, so the centre can compare a row with what the kiosk announced.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from storage.binding import canonical_value

CHAIN_FORMAT = b"idkiosk-chain/1\n"
ROW_FORMAT = "idkiosk-fleet-row/1"
GENESIS_HASH = "0" * 64
PUSH_KIND = "central_push"  # the audit event kind a sync appends (details: row and evidence digests)


def iso_utc(at: datetime) -> str:
    """A timestamp as UTC ISO text, the same whichever session time zone a driver hands it back in."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(timezone.utc).isoformat()


def event_hash(prev_hash: str, seq: int, at: datetime, kind: str, actor: str, session_id: str | None,
               details: str, key_id: str, mac: str) -> str:
    """``H_n`` from ``H_{n-1}`` and event ``n`` exactly as stored (details as canonical text)."""
    body = json.dumps([seq, iso_utc(at), kind, actor, session_id, details, key_id, mac],
                      separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(CHAIN_FORMAT + prev_hash.encode("ascii") + b"\n" + body.encode("ascii")).hexdigest()


def event_hash_of(prev_hash: str, ev: Any) -> str:
    """:func:`event_hash` of an object with the event's attributes (an ORM row or a Core row)."""
    return event_hash(prev_hash, ev.seq, ev.at, ev.kind, ev.actor, ev.session_id, ev.details, ev.key_id, ev.mac)


def row_digest(table: str, values: Mapping[str, Any]) -> str:
    """SHA-256 over one row's columns as stored (``values``: local column name -> value), seal included.

    Byte strings enter through their SHA-256 (``storage.binding.canonical_value``), timestamps as UTC
    ISO text, so a row reads back to the same digest from SQLite and from PostgreSQL.
    """
    body = json.dumps([ROW_FORMAT, table, {k: canonical_value(v) for k, v in values.items()}], sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(body.encode("ascii")).hexdigest()


def evidence_digest(sealed: bytes) -> str:
    """SHA-256 of a sealed evidence blob, as announced in ``central_push`` events."""
    return hashlib.sha256(sealed).hexdigest()
