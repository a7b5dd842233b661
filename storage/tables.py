"""SQLAlchemy 2.x ORM tables of the decision log ("tables", since "models" means ML models here).

What is stored where (see the README section "Storage"): personal fields are only ever in ``*_ct`` columns
(AES-GCM, key id in the matching ``*_kid`` column); the document number only as ``document_key``
(HMAC-SHA-256); images in the encrypted blob store, one ``images`` row each; audit events carry no
personal data. Row ids are random UUID hex strings made by the application before insert, so a
ciphertext's associated data can name its row, and the schema works unchanged on PostgreSQL.
Changing anything here needs a new Alembic revision in ``storage/migrations/versions``.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A fresh random row id (32 hex characters)."""
    return uuid.uuid4().hex


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC, returns aware UTC; refuses naive input (no silent local-time bugs)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware datetime -> naive UTC for the database."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware (UTC)")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Naive UTC from the database -> aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable names for migrations)."""

    metadata = MetaData(naming_convention=NAMING)


class SessionRow(Base):
    """One kiosk session: who (pseudonymously), where, when, what was checked."""

    __tablename__ = "sessions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), nullable=False)
    mode: Mapped[str] = mapped_column(String(32), nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    document_key: Mapped[str | None] = mapped_column(String(64), index=True)
    identity_kid: Mapped[str | None] = mapped_column(String(16))
    identity_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    chip: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    model_versions: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    config_hash: Mapped[str] = mapped_column(String(128), nullable=False)
    seal: Mapped[str | None] = mapped_column(Text)  # storage.binding: per-field MACs under the audit key

    decision: Mapped["DecisionRow"] = relationship(back_populates="session", uselist=False, passive_deletes=True)

    # Console filters (migration 0004): a kiosk's or a mode's sessions without scanning the log.
    __table_args__ = (Index("ix_sessions_kiosk_id_created_at", "kiosk_id", "created_at"),
                      Index("ix_sessions_mode_created_at", "mode", "created_at"))


class DecisionRow(Base):
    """The policy's decision for a session with reason codes, and its review state."""

    __tablename__ = "decisions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    outcome: Mapped[str] = mapped_column(String(8), nullable=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    policy_version: Mapped[str] = mapped_column(String(64), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    review_state: Mapped[str] = mapped_column(String(16), nullable=False)  # none | pending | reviewed
    final_outcome: Mapped[str | None] = mapped_column(String(8))
    seal: Mapped[str | None] = mapped_column(Text)  # storage.binding: per-field MACs under the audit key

    session: Mapped[SessionRow] = relationship(back_populates="decision")

    __table_args__ = (Index("ix_decisions_review_state_decided_at", "review_state", "decided_at"),
                      Index("ix_decisions_outcome_decided_at", "outcome", "decided_at"))  # console search (0004)


class OperatorRow(Base):
    """A back-office operator account."""

    __tablename__ = "operators"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    seal: Mapped[str | None] = mapped_column(Text)  # storage.binding: role, hash, lock... MACed under the audit key


class ReviewRow(Base):
    """An operator's review of a flagged session (the note may hold personal data: encrypted)."""

    __tablename__ = "reviews"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operators.id"), nullable=False)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    verdict: Mapped[str] = mapped_column(String(8), nullable=False)
    note_kid: Mapped[str | None] = mapped_column(String(16))
    note_ct: Mapped[bytes | None] = mapped_column(LargeBinary)
    seal: Mapped[str | None] = mapped_column(Text)  # storage.binding: per-field MACs under the audit key


class ImageRow(Base):
    """One evidence image; the encrypted bytes live in the blob store under this id."""

    __tablename__ = "images"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    media_type: Mapped[str] = mapped_column(String(32), nullable=False)
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    seal: Mapped[str | None] = mapped_column(Text)  # storage.binding: per-field MACs under the audit key


class TemplateRow(Base):
    """An encrypted face template (float32 vector) for 1:N duplicate search."""

    __tablename__ = "templates"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    identity_key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    dim: Mapped[int] = mapped_column(Integer, nullable=False)
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    seal: Mapped[str | None] = mapped_column(Text)  # storage.binding: per-field MACs under the audit key


class BankEntryRow(Base):
    """A face-bank identity's list: which owner's list (``kiosk.facebank``) the session belongs to (migration 0008).

    An index for the 1:N search and the list pages, derived from what the session's sealed ``checks`` say
    (which stay the authority: ``kiosk.facebank`` confirms an owner there before it shows an id). The row goes with
    its session (foreign key cascade)."""

    __tablename__ = "bank_entries"
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), nullable=False)
    list_name: Mapped[str] = mapped_column(String(40), nullable=False)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    generation: Mapped[int] = mapped_column(Integer, nullable=False)  # the list's generation its enrolment made

    __table_args__ = (Index("ix_bank_entries_owner_list_enrolled", "owner", "list_name", "enrolled_at", "session_id"),
                      Index("ix_bank_entries_owner_list_generation", "owner", "list_name", "generation"))


class BankListRow(Base):
    """One (owner, list)'s generation: raised in the transaction of every change to the list's identities or their
    templates (enrolment, withdrawal, retention purge), so an in-memory index in any process knows when it is stale.
    Never lowered, and kept when the list empties (a refilled list must not repeat a generation)."""

    __tablename__ = "bank_lists"
    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    list_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, nullable=False)


class AttemptRow(Base):
    """A finished session counted against a document key and a kiosk (attempt limits)."""

    __tablename__ = "attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(8), nullable=False)  # document | kiosk
    subject_key: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    failed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    session_id: Mapped[str | None] = mapped_column(ForeignKey("sessions.id", ondelete="SET NULL"))

    __table_args__ = (Index("ix_attempts_subject_key_at", "subject", "subject_key", "at"),)


class AuditEventRow(Base):
    """One link of the tamper-evident audit chain; ``mac`` = HMAC(key, previous mac || this event)."""

    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    actor: Mapped[str] = mapped_column(String(96), nullable=False)
    session_id: Mapped[str | None] = mapped_column(String(32), index=True)  # no FK: events outlive purged sessions
    details: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON text, MACed as stored
    key_id: Mapped[str] = mapped_column(String(16), nullable=False)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)


class AuditHeadRow(Base):
    """Single row (id 1): the last event's seq (the head's monotonic counter) and mac, authenticated by
    ``head_mac`` under the audit key ``key_id`` (migration 0007); appends lock it, truncation is detected by it."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    mac: Mapped[str] = mapped_column(String(64), nullable=False)
    head_mac: Mapped[str | None] = mapped_column(String(64))  # storage.audit.head_mac; NULL only before 0007's upgrade
    key_id: Mapped[str | None] = mapped_column(String(16))


class OutboxRow(Base):
    """A decision exported to the back office (which batch, when)."""

    __tablename__ = "export_outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[str] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True)
    batch_id: Mapped[str] = mapped_column(String(32), nullable=False)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("session_id", "batch_id", name="uq_export_outbox_session_batch"),)


class ApiKeyRow(Base):
    """An integration-API key: only its SHA-256 is kept (the key itself is shown once, at creation)."""

    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seal: Mapped[str | None] = mapped_column(Text)  # storage.binding: per-field MACs under the audit key


class StateRow(Base):
    """Small key/value state (last configuration hash seen, ...)."""

    __tablename__ = "storage_state"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


class SyncCursorRow(Base):
    """Per central store (its random ``central_id``): how far this store's audit chain was acknowledged.

    Updated only after the central transaction of a batch committed (``storage.central.push``).
    """

    __tablename__ = "sync_cursor"
    central_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # highest acknowledged audit seq
    chain_hash: Mapped[str] = mapped_column(String(64), nullable=False)  # public chain hash at ``seq``
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Every row change up to this local seq is acknowledged (later ones are named by later events), and
    # whether evidence was pushed then: lets a sync look only at the sessions newer events name.
    planned_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    planned_evidence: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class SyncAckRow(Base):
    """A row (or sealed evidence item) the central store acknowledged, with the digest it acknowledged.

    A row whose current digest differs (a review changed a decision, a key rotation re-encrypted a
    field) is pushed again; retention keeps rows that are not acknowledged as they are now.
    """

    __tablename__ = "sync_acks"
    central_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tbl: Mapped[str] = mapped_column(String(16), primary_key=True)  # sessions | decisions | reviews | images | evidence
    row_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)  # the central_push event that announced it
