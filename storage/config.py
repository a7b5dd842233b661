"""Storage configuration: database URL, durability, key file, retention, attempt limits, lockout.

A pure pydantic v2 model (``extra="forbid"`` so a typo fails loudly, a description on every field);
loading a file is done by the caller (``kiosk/config.py``) or by :func:`load_storage_config`.
Retention periods follow GDPR art. 5(1)(e) (storage limitation) and art. 9 (biometric data is
special-category): biometric images and templates are kept briefly, decision records as long as
anti-money-laundering record keeping requires (5 years is the usual KYC period).
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from storage.errors import StorageConfigError


class RetentionConfig(BaseModel):
    """How long each kind of record is kept before ``kiosk purge`` (or start-up) deletes it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    images_days: int = Field(
        default=30, ge=1, le=3650, description="Days to keep evidence images (DG2 portrait, live and audit frames)."
    )
    chip_records_days: int = Field(
        default=5 * 365 + 1,
        ge=1,
        le=36500,
        description="Days to keep a session's chip record (EF.SOD, DG14/DG15, data-group hashes, the chip's "
                    "signatures: personal data that identifies one document, but no name, number or image). "
                    "Kept like the decision by default, so an auditor can re-check a verdict for as long as it "
                    "stands; never longer than the session itself (decisions_days).",
    )
    templates_days: int = Field(
        default=30, ge=1, le=3650, description="Days to keep encrypted face templates used for 1:N duplicate search."
    )
    decisions_days: int = Field(
        default=5 * 365 + 1,
        ge=1,
        le=36500,
        description="Days to keep session, evidence, decision and review records (names, birth date included).",
    )
    attempts_days: int = Field(
        default=7, ge=1, le=3650, description="Days to keep attempt rows (they only matter within the lockout window)."
    )
    orphan_blob_minutes: int = Field(
        default=60,
        ge=1,
        description="Blob files no row refers to (a crash between blob write and commit) are deleted after this age.",
    )


class AttemptLimitConfig(BaseModel):
    """Failed-session limits per document key and per kiosk (DESIGN.md section 5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_failures: int = Field(default=5, ge=1, description="Failed sessions allowed within the window before a lock.")
    window_seconds: int = Field(default=180, ge=1, description="Sliding window in which failures are counted.")
    lockout_seconds: int = Field(default=1800, ge=1, description="How long a document (or kiosk) stays locked.")
    kiosk_max_failures: int = Field(
        default=20, ge=1, description="Failed sessions on one kiosk within the window before the kiosk pauses."
    )


class OperatorLoginConfig(BaseModel):
    """Operator password hashing and login lockout."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_failures: int = Field(default=5, ge=1, description="Consecutive failed logins before the account locks.")
    lockout_seconds: int = Field(default=900, ge=1, description="How long a locked operator account stays locked.")
    min_password_length: int = Field(default=12, ge=8, description="Shortest password accepted for an operator.")
    scrypt_log2_n: int = Field(
        default=15,
        ge=14,
        le=20,
        description="scrypt cost N = 2**value (r=8, p=1); 15 uses 32 MiB and about 0.1 s per hash.",
    )


class SyncConfig(BaseModel):
    """``[storage.sync]``: pushing this store to the central (fleet) store (``storage.central``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    central_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the central PostgreSQL store (postgresql+psycopg://user@host:5432/central); "
        "empty: no sync. When set, 'kiosk run' syncs in the background and purge keeps what the centre has not "
        "acknowledged.",
    )
    interval_s: float = Field(default=60.0, ge=1.0, le=86400.0,
                              description="Seconds between background syncs (and between retries while offline).")
    push_evidence: bool = Field(
        default=False,
        description="Also push images, templates and identity fields, sealed to the back office's public key "
        "(recorded by 'kiosk fleet set-backoffice-key').",
    )
    batch_sessions: int = Field(default=50, ge=1, le=1000,
                                description="Sessions per central transaction (one batch is all or nothing).")

    @model_validator(mode="after")
    def _check_url(self) -> "SyncConfig":
        if self.central_url is not None and not self.central_url.startswith("postgresql"):
            raise ValueError("central_url must be a PostgreSQL SQLAlchemy URL such as "
                             "postgresql+psycopg://kiosk@host:5432/central")
        return self


class StorageConfig(BaseModel):
    """Everything storage needs to open the decision log under a data directory."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; empty means SQLite file 'kiosk.db' in the data directory. "
        "PostgreSQL: postgresql+psycopg://user@host/db.",
    )
    synchronous: Literal["FULL", "EXTRA"] = Field(
        default="FULL",
        description="SQLite PRAGMA synchronous. NORMAL is refused: in WAL mode it can lose the last commits "
        "on power loss, and a committed decision must never be lost.",
    )
    busy_timeout_ms: int = Field(
        default=10000, ge=100, description="How long a writer waits for another process's write lock (SQLite)."
    )
    busy_retries: int = Field(
        default=2, ge=0, le=10,
        description="How many more times a session write is tried after waiting busy_timeout_ms in vain for the "
        "lock; then StoreBusyError (nothing written, the caller may try again).",
    )
    key_file: str | None = Field(
        default=None, description="Key file path; empty means 'keys.json' in the data directory (created 0600)."
    )
    key_backend: Literal["file", "os"] = Field(
        default="file",
        description="Where the keys live: 'file' (key_file, 0600) or 'os' (the OS keystore through the keyring "
        "package: Secret Service on Linux).",
    )
    keyring_service: str = Field(
        default="idkiosk", min_length=1, description="OS keystore service name (key_backend = 'os')."
    )
    keyring_entry: str | None = Field(
        default=None, description="OS keystore entry name; empty means 'keys:' + the data directory's absolute path."
    )
    audit_head_file: str | None = Field(
        default=None,
        description="Chain-head anchor file (rollback detection); empty means 'audit_head.json' in the data "
        "directory. Put it on another disk or mount to survive a restore of the data folder.",
    )
    blob_dir: str | None = Field(
        default=None, description="Encrypted blob folder; empty means 'blobs' in the data directory."
    )
    retention: RetentionConfig = Field(
        default_factory=RetentionConfig, description="Retention periods enforced by purge."
    )
    attempts: AttemptLimitConfig = Field(
        default_factory=AttemptLimitConfig, description="Attempt limits per document and kiosk."
    )
    operators: OperatorLoginConfig = Field(
        default_factory=OperatorLoginConfig, description="Operator password hashing and lockout."
    )
    sync: SyncConfig = Field(default_factory=SyncConfig, description="Push to the central (fleet) store.")
    duplicate_threshold: float = Field(
        default=0.5,
        ge=-1.0,
        le=1.0,
        description="Cosine similarity at or above which a template of another identity is reported as a duplicate.",
    )

    @model_validator(mode="after")
    def _check_url(self) -> "StorageConfig":
        if self.database_url is not None and "://" not in self.database_url:
            raise ValueError("database_url must be an SQLAlchemy URL such as sqlite:///path or postgresql+psycopg://...")
        return self


def parse_storage_config(data: dict[str, object]) -> StorageConfig:
    """Validate a ``[storage]`` table; raises ``StorageConfigError`` naming the bad field."""
    try:
        return StorageConfig.model_validate(data)
    except ValidationError as exc:
        raise StorageConfigError(f"invalid storage configuration: {exc}") from exc


def load_storage_config(path: Path | None) -> StorageConfig:
    """Read the ``[storage]`` table of a TOML file; ``None`` gives the defaults."""
    if path is None:
        return StorageConfig()
    try:
        with open(path, "rb") as fh:
            doc = tomllib.load(fh)
    except OSError as exc:
        raise StorageConfigError(f"cannot read config file {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise StorageConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    table = doc.get("storage", {})
    if not isinstance(table, dict):
        raise StorageConfigError(f"config file {path}: [storage] must be a table")
    return parse_storage_config(table)
