"""Row seals: every stored fact a decision, review or export relies on is MACed under the audit key.

A *seal* is kept in the ``seal`` column of the sessions, decisions, reviews, images, templates, API key
and operator account rows: ``{"k": audit key id, "f": {field: mac}}`` with, for each bound field,
``mac = HMAC-SHA-256(K_audit, ["idkiosk-row/1", table, row id, field, canonical value])`` truncated
to 128 bits (RFC 2104 section 5 allows truncation; 128 bits is far above the 80-bit floor of NIST
SP 800-107). One MAC per field lets ``kiosk audit verify`` name the field that was edited; the
table and row id inside the MAC stop a seal (or a value) being moved to another row.

The seal says "storage wrote this value"; whether a row that *should* exist is still there, or a row
exists that no audit event announced, is checked against the chain by ``storage.integrity``.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone
from typing import Any

from storage.keys import KeyMaterial
from storage.tables import ApiKeyRow, DecisionRow, ImageRow, OperatorRow, ReviewRow, SessionRow, TemplateRow

SEAL_FORMAT = "idkiosk-row/1"
MAC_HEX = 32  # 128-bit truncated HMAC-SHA-256

# The fields bound per table, in reporting order. Everything a decision, a review or an export reads.
BOUND_FIELDS: dict[str, tuple[str, ...]] = {
    "sessions": ("kiosk_id", "mode", "started_at", "ended_at", "created_at", "document_key", "identity_kid",
                 "identity_ct", "chip", "checks", "model_versions", "config_hash"),
    "decisions": ("session_id", "outcome", "reasons", "policy_version", "decided_at", "review_state",
                  "final_outcome"),
    "reviews": ("session_id", "operator_id", "reviewed_at", "verdict", "note_kid", "note_ct"),
    "images": ("session_id", "kind", "media_type", "key_id", "size", "created_at"),
    "templates": ("session_id", "identity_key", "kind", "dim", "key_id", "ciphertext", "created_at"),
    "api_keys": ("name", "key_hash", "scopes", "created_at", "revoked_at"),
    # Everything a login and a review rely on: a forged role, a swapped hash or a cleared lock fails it.
    "operators": ("username", "role", "password_hash", "disabled", "failed_logins", "locked_until", "created_at",
                  "password_changed_at"),
}
SEALED_TABLES: dict[str, type] = {
    "sessions": SessionRow, "decisions": DecisionRow, "reviews": ReviewRow, "images": ImageRow,
    "templates": TemplateRow, "api_keys": ApiKeyRow, "operators": OperatorRow,
}
TableRow = SessionRow | DecisionRow | ReviewRow | ImageRow | TemplateRow | ApiKeyRow | OperatorRow


def canonical_value(value: Any) -> Any:
    """A field value as a JSON-able value that reads back identically from SQLite and PostgreSQL."""
    if isinstance(value, datetime):
        if value.tzinfo is None:  # UTCDateTime stores naive UTC; the ORM hands back aware UTC
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat(timespec="microseconds")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return value


def field_mac(key: bytes, table: str, row_id: str, name: str, value: Any) -> str:
    """The truncated HMAC of one field of one row."""
    body = json.dumps([SEAL_FORMAT, table, row_id, name, canonical_value(value)], sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    # hmac.digest: the one-shot C path (verification computes one of these per stored field).
    return hmac.digest(key, body.encode("ascii"), "sha256").hex()[:MAC_HEX]


def table_of(row: TableRow) -> str:
    """The table name of a sealed ORM row."""
    return str(row.__tablename__)


def make_seal(keys: KeyMaterial, row: TableRow) -> str:
    """The seal text for ``row`` under the active audit key (call after every change to a bound field)."""
    table = table_of(row)
    kid = keys.active_audit_key
    key = keys.audit_keys[kid]
    macs = {name: field_mac(key, table, str(row.id), name, getattr(row, name)) for name in BOUND_FIELDS[table]}
    return json.dumps({"k": kid, "f": macs}, sort_keys=True, separators=(",", ":"))


def seal(keys: KeyMaterial, *rows: TableRow) -> None:
    """Set the ``seal`` column of each row."""
    for row in rows:
        row.seal = make_seal(keys, row)


def check_seal(keys: KeyMaterial, row: TableRow) -> tuple[str | None, str] | None:
    """``None`` when the row's seal is valid, else ``(field or None, problem)`` for the first bad field."""
    table = table_of(row)
    raw = row.seal
    if raw is None:
        return None, "has no seal (written outside storage, or never bound)"
    try:
        doc = json.loads(raw)
        kid, macs = doc["k"], doc["f"]
        if not isinstance(macs, dict) or not isinstance(kid, str):
            raise TypeError("seal layout")
    except (ValueError, KeyError, TypeError):
        return None, "has a malformed seal"
    key = keys.audit_keys.get(kid)
    if key is None:
        return None, f"is sealed under unknown audit key {kid!r}"
    for name in BOUND_FIELDS[table]:
        stored = macs.get(name)
        expected = field_mac(key, table, str(row.id), name, getattr(row, name))
        if not isinstance(stored, str) or not hmac.compare_digest(stored, expected):
            return name, f"field {name} does not match its seal (edited outside storage)"
    return None
