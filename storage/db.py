"""Engine and session factory: SQLite (WAL, foreign keys, busy timeout, durable ``synchronous``) or
PostgreSQL, migrated to the newest Alembic revision when opened.

Durability argument (SQLite docs "Write-Ahead Logging" and "PRAGMA synchronous"): in WAL mode,
``synchronous=NORMAL`` does not fsync the WAL at commit, only at checkpoint, so after a power cut
the most recent *committed* transactions can be rolled back (the file stays consistent, the data is
gone). The kiosk promises that no committed decision is lost, so ``synchronous=FULL`` is used: the
WAL is fsynced on every commit before ``commit()`` returns (one fsync per session, a few ms on an
SSD, measured by ``kiosk bench storage``). ``EXTRA`` is accepted too (it also syncs the directory
after journal deletion, which only matters in rollback-journal modes). NORMAL and OFF are refused by
the config model. On PostgreSQL the equivalent is ``synchronous_commit``: the engine refuses to run
when it is ``off``.

Concurrency: every write transaction on SQLite starts with ``BEGIN IMMEDIATE`` (SQLAlchemy's
documented pysqlite recipe), which takes the database write lock at once, so two processes' writers
queue (up to ``busy_timeout``) instead of failing mid-transaction with SQLITE_BUSY; readers use a
separate engine with deferred transactions and, thanks to WAL, never wait for writers. A writer
that still finds the lock taken after ``busy_timeout`` gets :class:`StoreBusyError` naming the lock,
with its whole transaction rolled back, so the caller can retry. Opening a store that is already at
the newest schema revision takes no write lock at all (the revision is read first), so a long write
by another process cannot make an open fail.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage.config import StorageConfig
from storage.errors import StorageConfigError, StorageError, StoreBusyError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
DB_FILE_NAME = "kiosk.db"


def database_url(config: StorageConfig, data_dir: Path) -> str:
    """The configured URL, or the SQLite file ``kiosk.db`` in ``data_dir``."""
    if config.database_url:
        return config.database_url
    return f"sqlite:///{(Path(data_dir) / DB_FILE_NAME).resolve()}"


SQLITE_BUSY = 5
SQLITE_LOCKED = 6


def is_busy(exc: BaseException) -> bool:
    """Whether a driver error means "another connection holds the lock" (SQLite BUSY/LOCKED,
    PostgreSQL lock_not_available after ``lock_timeout``)."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == "55P03":  # PostgreSQL lock_not_available (lock_timeout)
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return int(code) & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return isinstance(exc, OperationalError) and "database is locked" in str(orig)


def _sqlite_engine(url: str, config: StorageConfig, immediate: bool) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": config.busy_timeout_ms / 1000.0, "isolation_level": None},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # isolation_level=None: pysqlite must not issue its own BEGIN; the "begin" hook below does.
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(config.busy_timeout_ms)}")
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageConfigError(f"SQLite refused WAL mode (got {mode!r}); is the file on a network share?")
            cur.execute(f"PRAGMA synchronous = {config.synchronous}")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: str, busy_timeout_ms: int) -> Engine:
    engine = create_engine(url, pool_pre_ping=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        try:
            cur.execute("SHOW synchronous_commit")
            value = str(cur.fetchone()[0]).lower()
            # The same bounded wait as SQLite's busy timeout: a lock held elsewhere ends in
            # lock_not_available (StoreBusyError) instead of an unbounded wait.
            cur.execute(f"SET lock_timeout = {int(busy_timeout_ms)}")
            dbapi_conn.commit()
        finally:
            cur.close()
        if value == "off":
            raise StorageConfigError(
                "PostgreSQL synchronous_commit is off: committed decisions could be lost on a crash; turn it on"
            )

    return engine


class Database:
    """A migrated database: ``write()`` and ``read()`` give ORM sessions in a transaction."""

    def __init__(self, url: str, config: StorageConfig) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError as exc:
            raise StorageConfigError(f"database URL is not valid: {exc}") from exc
        self.url = url
        self.backend = parsed.get_backend_name()
        self.busy_timeout_ms = config.busy_timeout_ms
        self.after_commit: list[Callable[[dict[str, Any]], None]] = []
        if self.backend == "sqlite":
            db = parsed.database
            if db and db != ":memory:":
                path = Path(db)
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                if not path.exists():
                    # Create it 0600: SQLite gives the -wal and -shm files the database file's mode.
                    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            self.engine = _sqlite_engine(url, config, immediate=True)
            self.read_engine = _sqlite_engine(url, config, immediate=False)
        elif self.backend == "postgresql":
            self.engine = _postgres_engine(url, config.busy_timeout_ms)
            self.read_engine = self.engine
        else:
            raise StorageConfigError(f"unsupported database backend {self.backend!r} (use sqlite or postgresql)")
        self._write = sessionmaker(self.engine, expire_on_commit=False)
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)

    def busy_error(self, what: str) -> StoreBusyError:
        """The typed error for a lock held by another process longer than the busy timeout."""
        name = make_url(self.url).database
        where = name if self.backend == "sqlite" else f"PostgreSQL database {name!r}"
        return StoreBusyError(
            f"{what}: the database {where} stayed locked by another writer for the whole busy timeout "
            f"({self.busy_timeout_ms / 1000:g} s); nothing was written, the operation can be retried"
        )

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in a write transaction: committed (durably) on success, rolled back on error.

        After the commit, the ``after_commit`` hooks get the session's ``info`` dict (the audit
        trail publishes its new head to the anchors that way: only committed heads leave the database).
        """
        session: Session | None = None
        try:
            with self._write.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            if is_busy(exc):
                raise self.busy_error("database write") from exc
            raise StorageError(f"database write failed: {getattr(exc, 'orig', None) or exc}") from exc
        info = dict(session.info) if session is not None else {}
        for hook in self.after_commit:
            hook(info)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session in a read transaction (consistent snapshot; nothing is written)."""
        try:
            with self._read.begin() as session:
                yield session
        except SQLAlchemyError as exc:
            if is_busy(exc):
                raise self.busy_error("database read") from exc
            raise StorageError(f"database read failed: {getattr(exc, 'orig', None) or exc}") from exc

    def pragma(self, name: str) -> Any:
        """An SQLite PRAGMA value read on a fresh connection (tests and diagnostics)."""
        with self.read_engine.connect() as conn:
            return conn.exec_driver_sql(f"PRAGMA {name}").scalar()

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()


def alembic_config() -> AlembicConfig:
    """An Alembic config pointing at ``storage/migrations`` (no ini file)."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def _current_revision(db: Database) -> str | None:
    with db.read_engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(db: Database) -> None:
    """Bring the schema to the newest revision, inside one write transaction (serialised across processes).

    The revision is read first without the write lock: a store already at the newest revision is
    opened without waiting for (or failing on) another process's long write.
    """
    cfg = alembic_config()
    try:
        if _current_revision(db) == ScriptDirectory.from_config(cfg).get_current_head():
            return
        with db.engine.begin() as conn:
            if db.backend == "postgresql":
                # Two kiosks starting at once must not both create the schema (SQLite: BEGIN IMMEDIATE).
                conn.execute(text("SELECT pg_advisory_xact_lock(7106171)"))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except SQLAlchemyError as exc:
        if is_busy(exc):
            raise db.busy_error("database migration") from exc
        raise StorageError(f"database migration failed: {exc}") from exc


def open_database(config: StorageConfig, data_dir: Path) -> Database:
    """Open (creating and migrating if needed) the configured database."""
    db = Database(database_url(config, data_dir), config)
    try:
        migrate(db)
    except BaseException:
        db.dispose()
        raise
    return db
