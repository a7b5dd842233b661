"""``open_storage``: builds the whole storage object graph under one data directory.

Layout of ``--data-dir DIR`` (created 0700): ``kiosk.db`` (+ ``-wal``/``-shm``, 0600) unless a
database URL is configured, ``keys.json`` (0600) unless a key file is configured, ``blobs/``.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from storage.accounts import OperatorAccounts
from storage.attempts import AttemptLimiter
from storage.audit import AuditKind, AuditTrail
from storage.blobs import BlobStore
from storage.clock import Clock, SystemClock
from storage.config import StorageConfig
from storage.crypto import KeyContext
from storage.db import Database, open_database
from storage.decisions import DecisionLog
from storage.duplicates import TemplateIndex
from storage.errors import StorageConfigError
from storage.export import Exporter
from storage.keys import FileKeyring, Keyring
from storage.retention import PurgeReport, Retention
from storage.rotation import KeyRotation
from storage.tables import StateRow

log = logging.getLogger(__name__)

KEY_FILE_NAME = "keys.json"
BLOB_DIR_NAME = "blobs"


@dataclass
class Storage:
    """Every storage service, sharing one database, keyring and clock."""

    config: StorageConfig
    data_dir: Path
    db: Database
    keys: KeyContext
    blobs: BlobStore
    audit: AuditTrail
    decisions: DecisionLog
    attempts: AttemptLimiter
    duplicates: TemplateIndex
    operators: OperatorAccounts
    retention: Retention
    exporter: Exporter
    rotation: KeyRotation
    clock: Clock

    def startup(self, config_hash: str | None = None, actor: str = "system:startup") -> PurgeReport:
        """What the kiosk calls once at start-up: enforce retention (audited), and record a
        ``config_change`` audit event when ``config_hash`` differs from the last one seen."""
        if config_hash is not None:
            self.note_config(config_hash, actor)
        return self.retention.purge(actor)

    def note_config(self, config_hash: str, actor: str) -> bool:
        """Append ``config_change`` if the configuration hash changed; ``True`` when it did."""
        with self.db.write() as s:
            row = s.get(StateRow, "config_hash")
            if row is not None and row.value == config_hash:
                return False
            previous = row.value if row is not None else None
            if row is None:
                s.add(StateRow(key="config_hash", value=config_hash))
            else:
                row.value = config_hash
            self.audit.append(s, AuditKind.CONFIG_CHANGE, actor, {"previous": previous, "current": config_hash})
            return True

    def last_config_hash(self) -> str | None:
        """The configuration hash last recorded by :meth:`note_config`."""
        with self.db.read() as s:
            return s.execute(select(StateRow.value).where(StateRow.key == "config_hash")).scalar_one_or_none()

    def close(self) -> None:
        """Release database connections and drop decrypted templates from memory."""
        self.duplicates.clear_cache()
        self.db.dispose()


def open_storage(data_dir: Path, config: StorageConfig | None = None, clock: Clock | None = None,
                 keyring: Keyring | None = None) -> Storage:
    """Open (creating on first use: folder 0700, key file 0600, schema) the storage under ``data_dir``."""
    config = config or StorageConfig()
    clock = clock or SystemClock()
    data_dir = Path(data_dir).expanduser()
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageConfigError(f"cannot create data directory {data_dir}: {exc.strerror}") from exc
    keyring = keyring or FileKeyring(Path(config.key_file) if config.key_file else data_dir / KEY_FILE_NAME)
    keys = KeyContext(keyring)
    db = open_database(config, data_dir)
    blobs = BlobStore(Path(config.blob_dir) if config.blob_dir else data_dir / BLOB_DIR_NAME)
    audit = AuditTrail(db, keys, clock)
    return Storage(
        config=config, data_dir=data_dir, db=db, keys=keys, blobs=blobs, audit=audit,
        decisions=DecisionLog(db, keys, blobs, audit, clock),
        attempts=AttemptLimiter(db, keys, config.attempts, clock),
        duplicates=TemplateIndex(db, keys, config.duplicate_threshold),
        operators=OperatorAccounts(db, audit, config.operators, clock),
        retention=Retention(db, blobs, audit, config.retention, clock),
        exporter=Exporter(db, keys, audit, clock),
        rotation=KeyRotation(db, keys, blobs, audit),
        clock=clock,
    )
