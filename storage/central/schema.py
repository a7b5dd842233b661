"""Central (fleet) schema on PostgreSQL: what kiosks push, keyed by (kiosk id, local id).

Every table is prefixed ``fleet_`` so a central database can never be mistaken for a kiosk store.
* ``fleet_meta``: ``central_id`` (random, made by ``kiosk central init``; kiosks key their
  acknowledgement cursor by it, so a fresh central database is filled from the start) and the schema version.
* ``fleet_kiosks`` / ``fleet_kiosk_keys``: registered kiosks and their Ed25519 head-signing public keys,
  each key with the registration record the back office signed (``storage.central.key_records``); its
  key id is the key's fingerprint. ``fleet_key_revocations``: signed revocations, of public keys.
* ``fleet_kiosk_logins``: each kiosk's own database login and the kiosk it may push as
  (``storage.central.roles``: grants and row-level security).
* ``fleet_audit_events``: each kiosk's audit events byte for byte as stored locally (MACs included)
  plus ``chain_hash``, the public hash chain after that event (``storage.central.chain``).
* ``fleet_signed_heads``: the kiosk's Ed25519 signature over (kiosk id, seq, chain hash) for the last
  event of every pushed batch.
* ``fleet_sessions``, ``fleet_decisions``, ``fleet_reviews``, ``fleet_images``: the local rows, every
  local column as stored (row seals too), plus ``origin_kiosk`` (the pushing kiosk: the key's first
  half, since ``sessions.kiosk_id`` is a column of its own), ``digest`` (``storage.central.chain.row_digest``)
  and ``announced_seq`` (the kiosk's ``central_push`` event that announced this version).
* ``fleet_evidence``: evidence sealed to the back office's public key (HPKE, ``storage.sealing``).
* ``fleet_central_audit``: the centre's own audit events (central reviews, evidence views), hash-chained.
* ``fleet_reviews_central``, ``fleet_review_state``: reviews made at the centre and the review state they
  give a session (the kiosk's rows stay as the kiosk wrote and signed them).
"""
from __future__ import annotations

from sqlalchemy import (
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from storage.tables import DecisionRow, ImageRow, ReviewRow, SessionRow, UTCDateTime

SCHEMA_VERSION = "2"  # 2: key ids are fingerprints, registrations and revocations signed

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

meta = Table("fleet_meta", metadata, Column("key", String(64), primary_key=True), Column("value", Text, nullable=False))

kiosks = Table(
    "fleet_kiosks", metadata,
    Column("kiosk_id", String(64), primary_key=True),
    Column("registered_at", UTCDateTime, nullable=False),
    Column("registered_by", String(96), nullable=False),
)

kiosk_keys = Table(
    "fleet_kiosk_keys", metadata,
    Column("key_id", String(32), primary_key=True),  # the key's fingerprint: one key, one kiosk
    Column("kiosk_id", String(64), nullable=False, index=True),
    Column("public_key", Text, nullable=False),  # raw Ed25519 public key, base64
    Column("registered_at", UTCDateTime, nullable=False),
    Column("record", Text, nullable=False),  # the registration record the back office signed
    Column("signer", String(32), nullable=False),  # its signing key id (bos-...)
    Column("signature", Text, nullable=False),
)

key_revocations = Table(
    "fleet_key_revocations", metadata,
    Column("key_id", String(32), primary_key=True),  # fingerprint of the revoked public key
    Column("public_key", Text, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=False),
    Column("record", Text, nullable=False),
    Column("signer", String(32), nullable=False),
    Column("signature", Text, nullable=False),
)

# A kiosk's own database login -> the one kiosk whose rows it may write (storage.central.roles).
kiosk_logins = Table(
    "fleet_kiosk_logins", metadata,
    Column("role_name", String(63), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
)

audit_events = Table(
    "fleet_audit_events", metadata,
    Column("kiosk_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(96), nullable=False),
    Column("session_id", String(32), index=True),
    Column("details", Text, nullable=False),
    Column("key_id", String(16), nullable=False),
    Column("mac", String(64), nullable=False),
    Column("chain_hash", String(64), nullable=False),
    PrimaryKeyConstraint("kiosk_id", "seq"),
)

signed_heads = Table(
    "fleet_signed_heads", metadata,
    Column("kiosk_id", String(64), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("chain_hash", String(64), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("signature", Text, nullable=False),
    Column("pushed_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("kiosk_id", "seq"),
)


def _mirror(name: str, local: Table, *indexes: tuple[str, ...]) -> Table:
    """A central copy of a local table: the same columns (no foreign keys), keyed by (origin_kiosk, id),
    with the indexes the console's queue and search use."""
    cols = [Column(c.name, c.type, nullable=c.nullable) for c in local.columns]
    if "session_id" in local.columns:
        indexes += (("session_id",),)
    return Table(
        name, metadata,
        Column("origin_kiosk", String(64), nullable=False),
        *cols,
        Column("digest", String(64), nullable=False),
        Column("announced_seq", Integer, nullable=False),
        PrimaryKeyConstraint("origin_kiosk", "id"),
        *[Index(f"ix_{name}_{'_'.join(cols)}", *cols) for cols in indexes],
    )


# local table name -> central mirror, in push and verification order
ROW_TABLES: dict[str, Table] = {
    "sessions": _mirror("fleet_sessions", SessionRow.__table__, ("kiosk_id", "created_at"),  # type: ignore[arg-type]
                        ("document_key",)),
    "decisions": _mirror("fleet_decisions", DecisionRow.__table__,  # type: ignore[arg-type]
                         ("review_state", "decided_at"), ("decided_at",)),
    "reviews": _mirror("fleet_reviews", ReviewRow.__table__),  # type: ignore[arg-type]
    "images": _mirror("fleet_images", ImageRow.__table__),  # type: ignore[arg-type]
}
LOCAL_COLUMNS: dict[str, tuple[str, ...]] = {
    t: tuple(c.name for c in m.__table__.columns)  # type: ignore[attr-defined]
    for t, m in (("sessions", SessionRow), ("decisions", DecisionRow), ("reviews", ReviewRow), ("images", ImageRow))
}

evidence = Table(
    "fleet_evidence", metadata,
    Column("kiosk_id", String(64), nullable=False),
    Column("evidence_id", String(32), nullable=False),
    Column("session_id", String(32), nullable=False, index=True),
    Column("kind", String(48), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("sealed", LargeBinary, nullable=False),
    Column("pushed_at", UTCDateTime, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("announced_seq", Integer, nullable=False),
    PrimaryKeyConstraint("kiosk_id", "evidence_id"),
)

central_audit = Table(
    "fleet_central_audit", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(96), nullable=False),
    Column("kiosk_id", String(64)),
    Column("session_id", String(32), index=True),
    Column("details", Text, nullable=False),
    Column("chain_hash", String(64), nullable=False),
)

central_reviews = Table(
    "fleet_reviews_central", metadata,
    Column("id", String(32), primary_key=True),
    Column("kiosk_id", String(64), nullable=False),
    Column("session_id", String(32), nullable=False, index=True),
    Column("reviewer", String(64), nullable=False),
    Column("reviewed_at", UTCDateTime, nullable=False),
    Column("verdict", String(8), nullable=False),
    Column("note_kid", String(16)),  # the note, encrypted under the back office's own data key
    Column("note_ct", LargeBinary),
    Column("audit_seq", Integer, nullable=False),  # its central_review event in fleet_central_audit
)

# The review state central reviews give a session (the kiosk's decision row stays as the kiosk signed it).
review_state = Table(
    "fleet_review_state", metadata,
    Column("origin_kiosk", String(64), nullable=False),
    Column("session_id", String(32), nullable=False),
    Column("review_state", String(16), nullable=False),
    Column("final_outcome", String(8)),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("origin_kiosk", "session_id"),
)
