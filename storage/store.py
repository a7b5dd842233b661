"""``open_storage``: builds the whole storage object graph under one data directory.

Layout of ``--data-dir DIR`` (created 0700): ``kiosk.db`` (+ ``-wal``/``-shm``, 0600) unless a
database URL is configured, ``keys.json`` (0600) unless a key file or the OS keystore is configured,
``audit_head.json`` (the chain-head anchor, 0600) and ``blobs/``.

Opening order: database (migrated), then keys (made only when the store is empty: a store with data
and no keys refuses to open, ``KeysMissingError``), then rows from before row seals are bound once.
"""
from __future__ import annotations

import hmac
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.accounts import OperatorAccounts
from storage.api_keys import ApiKeys
from storage.attempts import AttemptLimiter
from storage.anchor import FileHeadAnchor, HeadAnchor
from storage.audit import GENESIS_MAC, AuditKind, AuditTrail, AuditVerification, event_mac
from storage.bank_lists import BankLists
from storage.blobs import BlobStore
from storage.clock import Clock, SystemClock
from storage.config import StorageConfig
from storage.crypto import KeyContext
from storage.db import Database, open_database
from storage.decisions import DecisionLog
from storage.duplicates import TemplateIndex
from storage.errors import KeyStoreError, StorageConfigError
from storage.key_backup import DEFAULT_LOG2_N, read_backup, write_backup
from storage.export import Exporter
from storage.head_upgrade import authenticate_head
from storage.integrity import Integrity
from storage.keys import FileKeyring, Keyring, describe_keyring
from storage.legacy_binding import bind_legacy_rows
from storage.operator_binding import bind_legacy_operators
from storage.os_keyring import OsKeyring
from storage.retention import PurgeReport, Retention
from storage.review_queries import ReviewQueries
from storage.rotation import KeyRotation
from storage.tables import (
    AuditEventRow,
    AuditHeadRow,
    ImageRow,
    OperatorRow,
    ReviewRow,
    SessionRow,
    TemplateRow,
)

log = logging.getLogger(__name__)

KEY_FILE_NAME = "keys.json"
BLOB_DIR_NAME = "blobs"
HEAD_FILE_NAME = "audit_head.json"


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
    banks: BankLists
    operators: OperatorAccounts
    retention: Retention
    exporter: Exporter
    rotation: KeyRotation
    integrity: Integrity
    clock: Clock
    queries: ReviewQueries  # the operator console's list queries (storage.review_queries)
    api_keys: ApiKeys

    def verify(self) -> AuditVerification:
        """Full verification: audit chain, chain-head anchors, every sealed row against the chain."""
        return self.integrity.verify()

    def startup(self, config_hash: str | None = None, actor: str = "system:startup") -> PurgeReport:
        """What the kiosk calls once at start-up: enforce retention (audited), and record a
        ``config_change`` audit event when ``config_hash`` differs from the last one seen."""
        if config_hash is not None:
            self.note_config(config_hash, actor)
        return self.retention.purge(actor)

    def note_config(self, config_hash: str, actor: str) -> bool:
        """Append ``config_change`` if the configuration hash changed; ``True`` when it did.

        "Changed" is judged against the chain (:meth:`last_config_hash`), not a table beside it: presetting a
        stored value must not hide a change from the audit trail."""
        with self.db.write() as s:
            previous = last_config_hash_in(s, self.audit)
            if previous == config_hash:
                return False
            self.audit.append(s, AuditKind.CONFIG_CHANGE, actor, {"previous": previous, "current": config_hash})
            return True

    def last_config_hash(self) -> str | None:
        """The configuration hash the newest authentic ``config_change`` event from :meth:`note_config` recorded."""
        with self.db.read() as s:
            return last_config_hash_in(s, self.audit)

    def close(self) -> None:
        """Release database connections and drop decrypted templates from memory."""
        self.duplicates.clear_cache()
        self.db.dispose()


def last_config_hash_in(s: Session, audit: AuditTrail) -> str | None:
    """The ``current`` hash of the newest ``config_change`` event written by ``note_config`` whose MAC checks;
    ``None`` when there is none, or when that event fails its MAC (then a change is recorded again: an
    extra event is the safe error, a suppressed one is not)."""
    rows = s.execute(select(AuditEventRow).where(AuditEventRow.kind == AuditKind.CONFIG_CHANGE)
                     .order_by(AuditEventRow.seq.desc()).execution_options(yield_per=100)).scalars()
    for row in rows:
        current = json.loads(row.details).get("current")
        if current is None:
            continue  # another kind of configuration change (e.g. a site liveness model installed)
        return str(current) if audit.event_is_authentic(s, row) else None
    return None


def make_keyring(config: StorageConfig, data_dir: Path) -> Keyring:
    """The keyring the config selects: the key file (default) or the OS keystore."""
    if config.key_backend == "os":
        entry = config.keyring_entry or f"keys:{Path(data_dir).expanduser().resolve()}"
        return OsKeyring(config.keyring_service, entry)
    return FileKeyring(Path(config.key_file) if config.key_file else Path(data_dir) / KEY_FILE_NAME)


def make_anchors(config: StorageConfig, data_dir: Path) -> list[HeadAnchor]:
    """Chain-head anchors outside the database (the head file; a central copy would be added here)."""
    return [FileHeadAnchor(Path(config.audit_head_file) if config.audit_head_file
                           else Path(data_dir) / HEAD_FILE_NAME)]


def store_has_data(db: Database, blobs: BlobStore, anchors: list[HeadAnchor]) -> bool:
    """Whether anything was ever written: then losing the keys must not be papered over with new ones."""
    with db.read() as s:
        head = s.execute(select(AuditHeadRow.seq).where(AuditHeadRow.id == 1)).scalar_one_or_none()
        rows = any(s.execute(select(m.id).limit(1)).first() is not None for m in (SessionRow, OperatorRow))
    if (head or 0) > 0 or rows or any(True for _ in blobs.scan()):
        return True
    for anchor in anchors:
        try:
            anchored = anchor.read()
            if anchored is not None and anchored.seq > 0:
                return True
        except (OSError, ValueError):
            return True  # a garbled head file still means this store was used
    return False


def open_storage(data_dir: Path, config: StorageConfig | None = None, clock: Clock | None = None,
                 keyring: Keyring | None = None, anchors: list[HeadAnchor] | None = None) -> Storage:
    """Open (creating on first use: folder 0700, key file 0600, schema) the storage under ``data_dir``.

    Raises ``KeysMissingError`` when the store holds data but its keys are gone, ``StoreBusyError``
    when a schema upgrade waited longer than the busy timeout for another writer.
    """
    config = config or StorageConfig()
    clock = clock or SystemClock()
    data_dir = Path(data_dir).expanduser()
    try:
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StorageConfigError(f"cannot create data directory {data_dir}: {exc.strerror}") from exc
    keyring = keyring or make_keyring(config, data_dir)
    anchors = make_anchors(config, data_dir) if anchors is None else anchors
    db = open_database(config, data_dir)
    blobs = BlobStore(Path(config.blob_dir) if config.blob_dir else data_dir / BLOB_DIR_NAME)
    try:
        empty = not store_has_data(db, blobs, anchors)
        keys = KeyContext(keyring, may_create=empty)
    except BaseException:
        db.dispose()
        raise
    audit = AuditTrail(db, keys, clock, anchors)
    if empty:
        # The anchor exists from the start (at the genesis head), so a crash between the first commit
        # and its anchor update leaves a lagging anchor, never a missing one that looks deleted.
        audit.publish(audit.sign_head(0, GENESIS_MAC))
    authenticate_head(db, audit)  # once per store: a new one, or one from before authenticated heads
    # A local SQLite file belongs to this data folder, so its anchor must exist once events do; a
    # shared PostgreSQL store gets a kiosk's head file only when that kiosk first appends.
    integrity = Integrity(db, keys, audit, anchors, require_anchor=db.backend == "sqlite", blobs=blobs)
    bind_legacy_rows(db, keys, audit)
    bind_legacy_operators(db, keys, audit)
    return Storage(
        config=config, data_dir=data_dir, db=db, keys=keys, blobs=blobs, audit=audit,
        decisions=DecisionLog(db, keys, blobs, audit, clock, integrity, config.busy_retries),
        attempts=AttemptLimiter(db, keys, config.attempts, clock, audit),
        duplicates=TemplateIndex(db, keys, config.duplicate_threshold),
        banks=BankLists(db, keys),
        operators=OperatorAccounts(db, audit, config.operators, clock, keys),
        retention=Retention(db, blobs, audit, config.retention, clock, config.sync),
        exporter=Exporter(db, keys, audit, clock, integrity),
        rotation=KeyRotation(db, keys, blobs, audit),
        integrity=integrity,
        clock=clock,
        queries=ReviewQueries(db, integrity),
        api_keys=ApiKeys(db, keys, audit, clock),
    )


def backup_keys(data_dir: Path, config: StorageConfig, out: Path, passphrase: str, log2_n: int = DEFAULT_LOG2_N,
                overwrite: bool = False) -> None:
    """Write a passphrase-encrypted backup (0600) of the store's keys to ``out`` (``storage.key_backup``)."""
    write_backup(make_keyring(config, Path(data_dir).expanduser()).load(), out, passphrase, log2_n, overwrite)


def restore_keys(data_dir: Path, config: StorageConfig, backup: Path, passphrase: str,
                 overwrite: bool = False) -> str:
    """Put the keys of a backup back in the store's keyring; returns what was done, in words.

    Refuses a backup that cannot be this store's (an audit or data key the store uses is not in it,
    or the first audit event does not verify under it), and refuses to replace different keys that
    are present unless ``overwrite``.
    """
    data_dir = Path(data_dir).expanduser()
    km = read_backup(backup, passphrase)
    keyring = make_keyring(config, data_dir)
    if keyring.exists():
        try:
            if keyring.load() == km:
                return f"the keys in {backup} are already in place ({describe_keyring(keyring)})"
        except KeyStoreError:
            pass  # a damaged key file: replacing it is what restore is for, with overwrite
        if not overwrite:
            raise KeyStoreError(f"{describe_keyring(keyring)} exists and holds other keys; refusing to replace it "
                                f"(allow it explicitly if you are sure the backup is the right one)")
    db = open_database(config, data_dir)
    try:
        with db.read() as s:
            audit_ids = set(s.execute(select(AuditEventRow.key_id).distinct()).scalars())
            data_ids: set[str] = set()
            for col in (SessionRow.identity_kid, ImageRow.key_id, TemplateRow.key_id, ReviewRow.note_kid):
                data_ids |= {k for k in s.execute(select(col).distinct()).scalars() if k is not None}
            first = s.execute(select(AuditEventRow).where(AuditEventRow.seq == 1)).scalar_one_or_none()
            if first is not None:
                key = km.audit_keys.get(first.key_id)
                if key is None or not hmac.compare_digest(first.mac, event_mac(
                        key, GENESIS_MAC, 1, first.at, first.kind, first.actor, first.session_id, first.details,
                        first.key_id)):
                    raise KeyStoreError(f"the backup {backup} is not for this store: its audit key does not "
                                        f"verify the store's first audit event")
    finally:
        db.dispose()
    missing = sorted((audit_ids - set(km.audit_keys)) | (data_ids - set(km.data_keys)))
    if missing:
        raise KeyStoreError(f"the backup {backup} lacks key(s) {', '.join(missing)} that this store uses "
                            f"(a backup from before a key rotation, or from another store); use a newer backup")
    keyring.save(km)
    return f"keys restored to {describe_keyring(keyring)}"
