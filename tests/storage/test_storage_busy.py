"""A store locked by another writer (issue #13 item 5c): opening needs no write lock; a session write
waits the bounded busy timeout, retries, and then fails with ``StoreBusyError`` naming the lock, with
nothing stored, so the caller can retry; a lock released during the retries lets the write through.
No test here depends on speed: the lock is released from the retry's own log line, not after a delay."""
from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest

from storage import StorageConfig, open_storage
from storage.errors import StoreBusyError


def hold_write_lock(db: Path) -> sqlite3.Connection:
    """Another process's writer in the middle of a long transaction (same lock SQLite gives it)."""
    con = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    con.execute("BEGIN IMMEDIATE")
    return con


def config(**over: object) -> StorageConfig:
    return StorageConfig.model_validate({"busy_timeout_ms": 200, "busy_retries": 1,
                                         "operators": {"scrypt_log2_n": 14}, **over})


def count(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        con.close()


def test_locked_store_opens_and_fails_typed_with_nothing_written(tmp_path, clock, make_record) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    open_storage(data, config(), clock=clock).close()
    lock = hold_write_lock(data / "kiosk.db")
    try:
        st = open_storage(data, config(), clock=clock)  # was "database migration failed"
        try:
            with pytest.raises(StoreBusyError, match="locked by another writer") as err:
                st.decisions.record_session(make_record("accept"))
            assert "kiosk.db" in str(err.value) and "retried" in str(err.value)
            assert "migration" not in str(err.value)
        finally:
            st.close()
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert count(data / "kiosk.db", "sessions") == 0 and count(data / "kiosk.db", "images") == 0
    assert not list((data / "blobs").rglob("*.blob"))  # blob files of the failed attempts were removed
    st = open_storage(data, config(), clock=clock)
    try:
        done = st.decisions.record_session(make_record("accept"))  # the caller's retry goes through
        assert st.decisions.decision_exists(done.decision_id) and st.verify().ok
    finally:
        st.close()


class _ReleaseOnRetry(logging.Handler):
    """Ends the other writer's transaction when storage logs its first retry."""

    def __init__(self, lock: sqlite3.Connection) -> None:
        super().__init__()
        self.other = lock
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        if "retrying the session write" in record.getMessage():
            self.retries += 1
            if self.other.in_transaction:
                self.other.execute("COMMIT")


def test_retry_after_the_lock_is_released_succeeds(tmp_path, clock, make_record) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "data"
    open_storage(data, config(), clock=clock).close()
    lock = hold_write_lock(data / "kiosk.db")
    handler = _ReleaseOnRetry(lock)
    logger = logging.getLogger("storage.decisions")
    logger.addHandler(handler)
    try:
        st = open_storage(data, config(busy_retries=3), clock=clock)
        try:
            done = st.decisions.record_session(make_record("review"))
            assert handler.retries == 1
            assert st.decisions.pending_reviews()[0].session_id == done.session_id
        finally:
            st.close()
    finally:
        logger.removeHandler(handler)
        lock.close()
