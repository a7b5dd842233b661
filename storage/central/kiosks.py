"""Registered kiosks and their Ed25519 head-signing keys (``kiosk central register|revoke``).

Registering and revoking need the back office's signing key (``storage.backoffice_signing``): each
writes a record signed with it (``storage.central.key_records``), and only keys with a valid signed
registration, and no revocation of their public key, are trusted by a push or by verification. A key's
id is its fingerprint, so a revoked public key stays revoked under any id, for any kiosk.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, func, select
from sqlalchemy.dialects.postgresql import insert

from storage.backoffice_signing import BackofficeSigner
from storage.central import schema
from storage.central.central_audit import CentralKind, append_central_event
from storage.central.errors import CentralConflictError, KioskNotRegisteredError
from storage.central.key_records import (
    RECORD_DOMAIN,
    KioskKey,
    kiosk_keys,
    pinned_signing_key,
    record_text,
    registration_fields,
    revocation_fields,
    revocations,
)
from storage.central.store import CentralStore
from storage.errors import StorageInputError
from storage.head_signing import MalformedKeyError, key_fingerprint

_REGISTRY_LOCK = 7106174  # pg_advisory_xact_lock key: registrations and revocations one at a time
_PUSH_LOCK = 7106175  # with hashtext(kiosk id): one kiosk's pushes (and its revocation) one at a time

__all__ = ["KioskKey", "kiosk_keys", "register_kiosk_key", "registered_kiosks", "require_registered",
           "revoke_kiosk_key"]


def _fingerprint(public_key_b64: str) -> str:
    try:
        return key_fingerprint(public_key_b64)
    except MalformedKeyError as exc:
        raise StorageInputError("the public key must be a raw Ed25519 public key in base64 (32 bytes, as "
                                "printed by 'kiosk fleet register')") from exc


def _require_signer(conn: Connection, signer: BackofficeSigner) -> None:
    pinned = pinned_signing_key(conn)
    if pinned is None:
        raise KioskNotRegisteredError("this central store trusts no back-office signing key yet; run 'kiosk central "
                                      "init --central URL --backoffice-signing-key FILE.pub' first")
    if pinned != signer.public_key:
        raise StorageInputError(f"the signing key {signer.key_id} is not the back-office signing key this central "
                                f"store trusts; give the .key file whose .pub was pinned at 'kiosk central init'")


def register_kiosk_key(central: CentralStore, kiosk_id: str, public_key_b64: str, signer: BackofficeSigner,
                       actor: str) -> tuple[str, bool]:
    """Register one head-signing key of a kiosk under a record signed by the back office.

    Returns ``(key id, added)``; ``added`` is ``False`` when exactly this was registered already. A key
    registered for another kiosk, or a revoked key, is refused (``CentralConflictError``).
    """
    if not kiosk_id or len(kiosk_id) > 64:
        raise StorageInputError("a kiosk id is 1-64 characters")
    key_id = _fingerprint(public_key_b64)
    now = datetime.now(timezone.utc)
    t = schema.kiosk_keys
    with central.begin("kiosk registration") as conn:
        central_id = central.central_id(conn)
        _require_signer(conn, signer)
        conn.execute(select(func.pg_advisory_xact_lock(_REGISTRY_LOCK)))
        revoked = revocations(conn, central_id, pinned_signing_key(conn)).get(key_id)
        if revoked is not None:
            raise CentralConflictError(f"key {key_id} was revoked at {revoked.revoked_at.isoformat()}; a revoked key "
                                       f"is never trusted again: give the kiosk a new key ('kiosk keys rotate')")
        owner = conn.execute(select(t.c.kiosk_id).where(t.c.key_id == key_id)).scalar()
        if owner is not None:
            if owner != kiosk_id:
                raise CentralConflictError(f"key {key_id} is registered for kiosk {owner}; a key belongs to one kiosk")
            return key_id, False
        record = record_text(registration_fields(central_id, kiosk_id, public_key_b64, now))
        conn.execute(insert(schema.kiosks).values(kiosk_id=kiosk_id, registered_at=now, registered_by=actor[:96])
                     .on_conflict_do_nothing())
        conn.execute(t.insert().values(key_id=key_id, kiosk_id=kiosk_id, public_key=public_key_b64, registered_at=now,
                                       record=record, signer=signer.key_id,
                                       signature=signer.sign(RECORD_DOMAIN + record.encode("ascii"))))
        append_central_event(conn, kind=CentralKind.KIOSK_REGISTERED, actor=actor, kiosk_id=kiosk_id, session_id=None,
                             details={"key_id": key_id, "public_key": public_key_b64, "signer": signer.key_id}, at=now)
    return key_id, True


def revoke_kiosk_key(central: CentralStore, key_id: str, signer: BackofficeSigner, actor: str) -> datetime:
    """Revoke a registered head-signing key (a stolen kiosk) for ever, by a record signed by the back office:
    its pushes are refused from now on, and a head beyond the kiosk's last one under it fails central
    verification. Returns the revocation time; revoking a revoked key keeps the first time."""
    t = schema.kiosk_keys
    now = datetime.now(timezone.utc)
    with central.begin("key revocation") as conn:
        central_id = central.central_id(conn)
        _require_signer(conn, signer)
        conn.execute(select(func.pg_advisory_xact_lock(_REGISTRY_LOCK)))
        row = conn.execute(select(t).where(t.c.key_id == key_id)).first()
        if row is None:
            raise KioskNotRegisteredError(f"no kiosk has a registered key {key_id} (key ids are 'ed-' fingerprints, "
                                          f"as 'kiosk fleet register' prints them)")
        done = revocations(conn, central_id, pinned_signing_key(conn)).get(key_id)
        if done is not None and done.problem is None:
            return done.revoked_at
        # A kiosk's pushes serialise on this lock (storage.central.push): no head slips in after the snapshot.
        conn.execute(select(func.pg_advisory_xact_lock(_PUSH_LOCK, func.hashtext(row.kiosk_id))))
        sh = schema.signed_heads
        upto = conn.execute(select(func.max(sh.c.seq)).where(sh.c.kiosk_id == row.kiosk_id,
                                                             sh.c.key_id == key_id)).scalar() or 0
        record = record_text(revocation_fields(central_id, row.kiosk_id, row.public_key, int(upto), now))
        r = schema.key_revocations
        values = dict(public_key=row.public_key, revoked_at=now, record=record, signer=signer.key_id,
                      signature=signer.sign(RECORD_DOMAIN + record.encode("ascii")))
        conn.execute(insert(r).values(key_id=key_id, **values).on_conflict_do_update(index_elements=["key_id"],
                                                                                       set_=values))
        append_central_event(conn, kind=CentralKind.KEY_REVOKED, actor=actor, kiosk_id=row.kiosk_id, session_id=None,
                             details={"key_id": key_id, "heads_upto": int(upto), "signer": signer.key_id}, at=now)
    return now


def push_lock(conn: Connection, kiosk_id: str) -> None:
    """Serialise the pushes of one kiosk with each other and with a revocation of its key (transaction lock)."""
    conn.execute(select(func.pg_advisory_xact_lock(_PUSH_LOCK, func.hashtext(kiosk_id))))


def require_registered(conn: Connection, central_id: str, kiosk_id: str, key_id: str, public_key_b64: str) -> None:
    """Refuse a push from a kiosk whose key the back office did not register for it, or revoked."""
    key = kiosk_keys(conn, kiosk_id, central_id).get(key_id)
    if key is None or key.public_key != public_key_b64:
        raise KioskNotRegisteredError(
            f"kiosk {kiosk_id} with head-signing key {key_id} is not registered at the central store; run "
            f"'kiosk fleet register --kiosk-id {kiosk_id}' on the kiosk and the command it prints at the back office")
    if key.problem is not None:
        raise KioskNotRegisteredError(f"the head-signing key {key_id} of kiosk {kiosk_id} is not trusted: {key.problem}"
                                      f"; the back office registers keys ('kiosk central register --signing-key')")
    if key.revoked_at is not None:
        raise KioskNotRegisteredError(f"the head-signing key {key_id} of kiosk {kiosk_id} was revoked at the centre")


def untrusted_head_keys(conn: Connection, central_id: str, kiosk_id: str) -> list[str]:
    """Key ids under which the centre holds signed heads of ``kiosk_id`` that the back office never
    (validly) registered for it: someone else pushed as this kiosk."""
    keys = kiosk_keys(conn, kiosk_id, central_id)
    sh = schema.signed_heads
    used = conn.execute(select(sh.c.key_id).where(sh.c.kiosk_id == kiosk_id).distinct()).scalars()
    return sorted(k for k in used if k not in keys or keys[k].problem is not None)


def registered_kiosks(conn: Connection) -> list[str]:
    """Every registered kiosk id, sorted."""
    return sorted(conn.execute(select(schema.kiosks.c.kiosk_id)).scalars())
