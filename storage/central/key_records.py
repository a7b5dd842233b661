"""Signed key records: the back office's authority over which kiosk head-signing keys the centre trusts.

A kiosk key is trusted only through a *registration record* signed with the back office's Ed25519
signing key (``storage.backoffice_signing``), whose public key is pinned in ``fleet_meta`` by
``kiosk central init --backoffice-signing-key FILE``; a key is distrusted for ever by a signed
*revocation record* of its public key. Records are canonical JSON, signed as
``b"idkiosk-key-record/1\\n" + record``::

    {"action": "register", "central_id", "kiosk_id", "key_id", "public_key", "at"}
    {"action": "revoke", "central_id", "kiosk_id", "key_id", "public_key", "heads_upto", "at"}

``key_id`` is the key's fingerprint (``storage.head_signing.key_fingerprint``), recomputed here, never
taken from the row; ``central_id`` binds a record to one central store (a record cannot be replayed
into another); ``heads_upto`` is the kiosk's highest signed head under that key when it was revoked:
a head beyond it is refused however its (kiosk-written) push time reads.

The checks here run wherever the centre's code runs: before a push is accepted (``storage.central.push``)
and in ``kiosk audit verify --central`` (``storage.central.verify``), which is what the back office relies
on: a row written into the key tables with the kiosks' database access, without the signing key, is named.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select

from storage.central import schema
from storage.central.chain import iso_utc
from storage.head_signing import MalformedKeyError, key_fingerprint

RECORD_DOMAIN = b"idkiosk-key-record/1\n"
ANCHOR_KEY = "backoffice_signing_key"  # fleet_meta key of the pinned signing public key (base64)


def record_text(fields: dict[str, Any]) -> str:
    """The canonical JSON of a record (sorted keys, no spaces, ASCII)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def registration_fields(central_id: str, kiosk_id: str, public_key: str, at: datetime) -> dict[str, Any]:
    """What a registration record says."""
    return {"action": "register", "central_id": central_id, "kiosk_id": kiosk_id,
            "key_id": key_fingerprint(public_key), "public_key": public_key, "at": iso_utc(at)}


def revocation_fields(central_id: str, kiosk_id: str | None, public_key: str, heads_upto: int,
                      at: datetime) -> dict[str, Any]:
    """What a revocation record says."""
    return {"action": "revoke", "central_id": central_id, "kiosk_id": kiosk_id,
            "key_id": key_fingerprint(public_key), "public_key": public_key, "heads_upto": heads_upto,
            "at": iso_utc(at)}


def pinned_signing_key(conn: Connection) -> str | None:
    """The back-office signing public key pinned in ``fleet_meta`` (base64), if any."""
    return conn.execute(select(schema.meta.c.value).where(schema.meta.c.key == ANCHOR_KEY)).scalar()


def check_record(anchor: str | None, central_id: str, record: str, signature: str, want: dict[str, Any]) -> str | None:
    """``None`` when ``record`` is signed by ``anchor`` and says everything in ``want`` (at least);
    otherwise what is wrong, in words."""
    if anchor is None:
        return "the central store has no back-office signing key pinned ('kiosk central init --backoffice-signing-key')"
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(anchor, validate=True)).verify(
            base64.b64decode(signature, validate=True), RECORD_DOMAIN + record.encode("ascii"))
        fields = json.loads(record)
    except (InvalidSignature, ValueError, binascii.Error, TypeError, UnicodeEncodeError):
        return "its record is not signed by the back office's signing key"
    if not isinstance(fields, dict) or fields.get("central_id") != central_id:
        return "its signed record was made for another central store"
    for name, value in want.items():
        if fields.get(name) != value:
            return f"its signed record says {name} {fields.get(name)!r}, the row {value!r}"
    return None


@dataclass(frozen=True)
class KioskKey:
    """One registered head-signing key, as far as the back office's records make it trusted."""

    kiosk_id: str
    key_id: str
    public_key: str
    registered_at: datetime
    revoked_at: datetime | None  # set by a revocation record of the public key (valid or not: fail closed)
    heads_upto: int | None  # the highest head the (signed) revocation still covers
    problem: str | None  # why the key is not trusted at all (no valid registration), else None
    revocation_problem: str | None = None  # why its revocation row is not the back office's, if it is not


@dataclass(frozen=True)
class Revocation:
    """One row of ``fleet_key_revocations`` and whether the back office signed it."""

    key_id: str
    public_key: str
    revoked_at: datetime
    heads_upto: int | None
    problem: str | None


def revocations(conn: Connection, central_id: str, anchor: str | None) -> dict[str, Revocation]:
    """Every revocation row by the fingerprint of its public key (not by its key id column)."""
    t = schema.key_revocations
    out: dict[str, Revocation] = {}
    for r in conn.execute(select(t)):
        try:
            fp = key_fingerprint(r.public_key)
        except MalformedKeyError:
            continue
        problem = check_record(anchor, central_id, r.record, r.signature,
                               {"action": "revoke", "key_id": fp, "public_key": r.public_key})
        if problem is None and r.key_id != fp:
            problem = f"its key id {r.key_id!r} is not the key's fingerprint {fp}"
        upto = json.loads(r.record).get("heads_upto") if problem is None else None
        prev = out.get(fp)
        if prev is None or (prev.problem is not None and problem is None):
            out[fp] = Revocation(fp, r.public_key, r.revoked_at, upto if isinstance(upto, int) else None, problem)
    return out


def kiosk_keys(conn: Connection, kiosk_id: str, central_id: str) -> dict[str, KioskKey]:
    """The key rows of one kiosk by key id, each checked against its signed registration record and
    against every revocation of its public key (under whatever id)."""
    anchor = pinned_signing_key(conn)
    revoked = revocations(conn, central_id, anchor)
    t = schema.kiosk_keys
    out: dict[str, KioskKey] = {}
    for r in conn.execute(select(t).where(t.c.kiosk_id == kiosk_id).order_by(t.c.key_id)):
        try:
            fp = key_fingerprint(r.public_key)
        except MalformedKeyError:
            fp = None
        problem = None
        if fp is None or r.key_id != fp:
            problem = f"its key id {r.key_id!r} is not the fingerprint of its public key"
        else:
            problem = check_record(anchor, central_id, r.record, r.signature,
                                   {"action": "register", "kiosk_id": kiosk_id, "key_id": fp,
                                    "public_key": r.public_key})
        rev = revoked.get(fp) if fp is not None else None
        out[r.key_id] = KioskKey(kiosk_id, r.key_id, r.public_key, r.registered_at,
                                 rev.revoked_at if rev is not None else None,
                                 rev.heads_upto if rev is not None and rev.problem is None else None, problem,
                                 rev.problem if rev is not None else None)
    return out
