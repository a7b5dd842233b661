"""Registered kiosks and their Ed25519 head-signing public keys (``kiosk central register``)."""
from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, select
from sqlalchemy.dialects.postgresql import insert

from storage.central import schema
from storage.central.central_audit import CentralKind, append_central_event
from storage.central.errors import CentralConflictError, KioskNotRegisteredError
from storage.central.store import CentralStore
from storage.errors import StorageInputError


@dataclass(frozen=True)
class KioskKey:
    """One registered head-signing key."""

    kiosk_id: str
    key_id: str
    public_key: str
    registered_at: datetime
    revoked_at: datetime | None


def _check_public_key(public_key_b64: str) -> None:
    try:
        raw = base64.b64decode(public_key_b64, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise StorageInputError("the public key must be a raw Ed25519 public key in base64 (32 bytes, as "
                                "printed by 'kiosk fleet register')") from exc


def register_kiosk_key(central: CentralStore, kiosk_id: str, key_id: str, public_key_b64: str, actor: str) -> bool:
    """Register a kiosk and one of its head-signing keys; ``False`` when exactly this was registered already.

    A different public key under an existing (kiosk id, key id) is refused (``CentralConflictError``): a
    stolen and re-keyed kiosk must not silently replace the key its earlier history is checked with.
    """
    if not kiosk_id or len(kiosk_id) > 64 or not key_id or len(key_id) > 32:
        raise StorageInputError("a kiosk id is 1-64 characters and a key id 1-32")
    _check_public_key(public_key_b64)
    now = datetime.now(timezone.utc)
    with central.begin("kiosk registration") as conn:
        central.central_id(conn)
        conn.execute(insert(schema.kiosks).values(kiosk_id=kiosk_id, registered_at=now, registered_by=actor[:96])
                     .on_conflict_do_nothing())
        existing = conn.execute(select(schema.kiosk_keys.c.public_key).where(
            schema.kiosk_keys.c.kiosk_id == kiosk_id, schema.kiosk_keys.c.key_id == key_id)).scalar()
        if existing is not None:
            if existing != public_key_b64:
                raise CentralConflictError(f"kiosk {kiosk_id} already has a different public key registered under key "
                                           f"id {key_id}; refusing to replace it (revoke it and register a new key id)")
            return False
        conn.execute(schema.kiosk_keys.insert().values(kiosk_id=kiosk_id, key_id=key_id, public_key=public_key_b64,
                                                       registered_at=now, revoked_at=None))
        append_central_event(conn, kind=CentralKind.KIOSK_REGISTERED, actor=actor, kiosk_id=kiosk_id, session_id=None,
                             details={"key_id": key_id, "public_key": public_key_b64}, at=now)
    return True


def revoke_kiosk_key(central: CentralStore, kiosk_id: str, key_id: str, actor: str) -> datetime:
    """Revoke one registered head-signing key (a stolen kiosk): its pushes are refused from now on, and
    heads pushed after this moment fail central verification. Returns the revocation time; revoking a
    revoked key keeps the first time."""
    t = schema.kiosk_keys
    now = datetime.now(timezone.utc)
    with central.begin("key revocation") as conn:
        row = conn.execute(select(t.c.revoked_at).where(t.c.kiosk_id == kiosk_id, t.c.key_id == key_id)
                           .with_for_update()).first()
        if row is None:
            raise KioskNotRegisteredError(f"kiosk {kiosk_id} has no registered key {key_id}")
        if row.revoked_at is not None:
            return row.revoked_at  # type: ignore[no-any-return]
        conn.execute(t.update().where(t.c.kiosk_id == kiosk_id, t.c.key_id == key_id).values(revoked_at=now))
        append_central_event(conn, kind=CentralKind.KEY_REVOKED, actor=actor, kiosk_id=kiosk_id, session_id=None,
                             details={"key_id": key_id}, at=now)
    return now


def kiosk_keys(conn: Connection, kiosk_id: str) -> dict[str, KioskKey]:
    """The registered keys of one kiosk by key id (empty when the kiosk is unknown)."""
    t = schema.kiosk_keys
    return {r.key_id: KioskKey(r.kiosk_id, r.key_id, r.public_key, r.registered_at, r.revoked_at)
            for r in conn.execute(select(t).where(t.c.kiosk_id == kiosk_id))}


def require_registered(conn: Connection, kiosk_id: str, key_id: str, public_key_b64: str) -> None:
    """Refuse a push from an unregistered kiosk or with a key the centre does not hold for it."""
    key = kiosk_keys(conn, kiosk_id).get(key_id)
    if key is None or key.public_key != public_key_b64:
        raise KioskNotRegisteredError(
            f"kiosk {kiosk_id} with head-signing key {key_id} is not registered at the central store; run "
            f"'kiosk fleet register --kiosk-id {kiosk_id}' on the kiosk and the command it prints at the centre")
    if key.revoked_at is not None:
        raise KioskNotRegisteredError(f"the head-signing key {key_id} of kiosk {kiosk_id} was revoked at the centre")


def registered_kiosks(conn: Connection) -> list[str]:
    """Every registered kiosk id, sorted."""
    return sorted(conn.execute(select(schema.kiosks.c.kiosk_id)).scalars())
