"""``kiosk central migrate``: a schema-1 central store brought to schema 2 (signed key records).

Schema 1 trusted every ``fleet_kiosk_keys`` row, under free-text key ids, whoever wrote it. Migrating
re-registers each key it holds under a record signed by the back office (key id: the key's
fingerprint), re-signs its revocation, and renames the key ids its signed heads name (the head
signature covers kiosk id, seq and chain hash, not the key id). The back office vouches for those keys
by running it, so it prints every key it carried over: compare them with the kiosks' own
``kiosk fleet show`` and revoke any that is not theirs.
"""
from __future__ import annotations

from sqlalchemy import func, select, text

from storage.backoffice_signing import BackofficeSigner
from storage.central import schema
from storage.central.central_audit import CentralKind, append_central_event
from storage.central.errors import CentralConfigError, CentralConflictError
from storage.central.key_records import (
    ANCHOR_KEY,
    RECORD_DOMAIN,
    record_text,
    registration_fields,
    revocation_fields,
)
from storage.central.roles import setup_kiosk_role
from storage.central.store import _INIT_LOCK, CentralStore
from storage.head_signing import MalformedKeyError, key_fingerprint


def migrate_v1(central: CentralStore, signer: BackofficeSigner, actor: str) -> list[str]:
    """Migrate in one transaction (all or nothing); returns one line per key carried over or left out."""
    lines: list[str] = []
    with central.begin("central schema migration") as conn:
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_INIT_LOCK})"))
        meta = dict(conn.execute(select(schema.meta.c.key, schema.meta.c.value)).all())
        if meta.get("schema_version") != "1":
            raise CentralConfigError(f"nothing to migrate: the central schema is version {meta.get('schema_version')!r}")
        pinned = meta.get(ANCHOR_KEY)
        if pinned not in (None, signer.public_key):
            raise CentralConflictError("this central store already trusts another back-office signing key")
        central_id = str(meta["central_id"])
        conn.execute(text("ALTER TABLE fleet_kiosk_keys RENAME TO fleet_kiosk_keys_v1"))
        conn.execute(text("ALTER TABLE fleet_kiosk_keys_v1 RENAME CONSTRAINT pk_fleet_kiosk_keys TO "
                          "pk_fleet_kiosk_keys_v1"))
        schema.metadata.create_all(conn)
        setup_kiosk_role(conn)
        legacy = conn.execute(text("SELECT kiosk_id, key_id, public_key, registered_at, revoked_at FROM "
                                   "fleet_kiosk_keys_v1 ORDER BY registered_at, kiosk_id, key_id")).all()
        owners: dict[str, str] = {}
        sh = schema.signed_heads
        for old in legacy:
            try:
                fp = key_fingerprint(old.public_key)
            except MalformedKeyError:
                lines.append(f"kiosk {old.kiosk_id}: key {old.key_id} LEFT OUT (not an Ed25519 public key)")
                continue
            if owners.setdefault(fp, old.kiosk_id) != old.kiosk_id:
                lines.append(f"kiosk {old.kiosk_id}: key {old.key_id} LEFT OUT (the same public key is kiosk "
                             f"{owners[fp]}'s; a key belongs to one kiosk; its heads stay unverifiable)")
                continue
            conn.execute(sh.update().where(sh.c.kiosk_id == old.kiosk_id, sh.c.key_id == old.key_id).values(key_id=fp))
            if conn.execute(select(schema.kiosk_keys.c.key_id).where(schema.kiosk_keys.c.key_id == fp)).first() is None:
                record = record_text(registration_fields(central_id, old.kiosk_id, old.public_key, old.registered_at))
                conn.execute(schema.kiosk_keys.insert().values(
                    key_id=fp, kiosk_id=old.kiosk_id, public_key=old.public_key, registered_at=old.registered_at,
                    record=record, signer=signer.key_id, signature=signer.sign(RECORD_DOMAIN + record.encode("ascii"))))
                append_central_event(conn, kind=CentralKind.KIOSK_REGISTERED, actor=actor, kiosk_id=old.kiosk_id,
                                     session_id=None, details={"key_id": fp, "public_key": old.public_key,
                                                               "signer": signer.key_id, "migrated_from": old.key_id})
            state = "registered"
            if old.revoked_at is not None:
                upto = conn.execute(select(func.max(sh.c.seq)).where(
                    sh.c.kiosk_id == old.kiosk_id, sh.c.key_id == fp, sh.c.pushed_at < old.revoked_at)).scalar() or 0
                record = record_text(revocation_fields(central_id, old.kiosk_id, old.public_key, int(upto),
                                                       old.revoked_at))
                conn.execute(schema.key_revocations.insert().values(
                    key_id=fp, public_key=old.public_key, revoked_at=old.revoked_at, record=record,
                    signer=signer.key_id, signature=signer.sign(RECORD_DOMAIN + record.encode("ascii"))))
                append_central_event(conn, kind=CentralKind.KEY_REVOKED, actor=actor, kiosk_id=old.kiosk_id,
                                     session_id=None, details={"key_id": fp, "heads_upto": int(upto),
                                                               "signer": signer.key_id, "migrated_from": old.key_id})
                state = f"revoked (heads up to seq {upto})"
            lines.append(f"kiosk {old.kiosk_id}: key {old.key_id} -> {fp} {old.public_key} {state}")
        conn.execute(text("DROP TABLE fleet_kiosk_keys_v1"))
        if pinned is None:
            conn.execute(schema.meta.insert().values(key=ANCHOR_KEY, value=signer.public_key))
        conn.execute(schema.meta.update().where(schema.meta.c.key == "schema_version")
                     .values(value=schema.SCHEMA_VERSION))
    lines.append(f"central store migrated to schema {schema.SCHEMA_VERSION}: {len(legacy)} keys looked at; check each "
                 f"against its kiosk ('kiosk fleet show') and run 'kiosk audit verify --central URL'")
    return lines
